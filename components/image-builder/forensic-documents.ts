/**
 * AWSTOE documents of the forensic workstation image: a build document that installs the pinned
 * forensic toolset from our tools bucket (the forensic VPC has no internet: every artefact is staged
 * there and verified by SHA-256 before it is installed), and a test document that fails the build
 * when any tool is missing, does not run, or (for static binaries) no longer matches its hash.
 * Both are generated from one tool list, so they cannot disagree about what is installed.
 */
import { stringify } from "yaml";
import { validateSha256 } from "../validation";

export interface ToolPin {
  version: string;
  /** SHA-256 (hex) of the artefact staged in the tools bucket. */
  sha256: string;
}

/** A tool of the forensic image. */
export interface ForensicTool extends ToolPin {
  /** Short name: step names and paths. */
  name: string;
  /**
   * `binary`: a static executable copied to /usr/local/bin; `rpm`: a package file installed with dnf;
   * `wheelhouse`: a .tar.gz of Python wheels installed offline into its own venv under /opt/ir.
   */
  kind: "binary" | "rpm" | "wheelhouse";
  /** Key of the artefact in the tools bucket. */
  key: string;
  /** For `wheelhouse`: the pip requirement to install (e.g. volatility3==2.11.0). */
  requirement?: string;
  /** Commands the tool provides, each with a command line that must succeed in the test phase. */
  commands: { name: string; check: string }[];
}

/**
 * AVML (Microsoft's static memory acquisition tool) release pin.
 * IMPORTANT: the default SHA-256 below is a PLACEHOLDER written without network access: it is not
 * the published digest of the release and the build will refuse the binary until it is replaced.
 * Before production, download `avml` from
 * https://github.com/microsoft/avml/releases/tag/v<version>, compute `sha256sum avml`, compare with
 * the release's published digest, stage the file at s3://<tools bucket>/forensic-ami/avml/<version>/avml
 * and set the pin. A wrong pin fails the image build (nothing unverified is ever installed).
 */
export const DEFAULT_AVML_PIN: ToolPin = {
  version: "0.14.0",
  sha256: "5d4b4fa2f5cd9e3dc4a3f1ee5a2fca5d3d8d6e3e0a0cc8b7c4c4a1d1f6a0b9e2",
};

/** Amazon Linux packages installed from the distribution's repositories (reached through the S3 endpoint). */
export const BASE_PACKAGES = ["jq", "lvm2", "perl", "python3", "python3-pip", "tar", "gzip", "xfsprogs"];

export interface ForensicToolPins {
  /** @default DEFAULT_AVML_PIN */
  avml?: ToolPin;
  /** The Sleuth Kit, an RPM you build or obtain and stage (it is not in the Amazon Linux 2023 repositories). */
  sleuthkit: ToolPin;
  /** Volatility 3, as a wheelhouse (`pip download volatility3==<v> -d wheels && tar czf wheelhouse.tar.gz wheels`). */
  volatility3: ToolPin;
  /** Plaso (log2timeline/psort), the timeline tool, as a wheelhouse built the same way. */
  plaso: ToolPin;
}

/**
 * AVML as staged in the tools bucket: the forensic AMI installs it, and `ir` runs it on a contained host
 * to capture memory (its pin reaches `ir` through the responder settings).
 */
export function avmlTool(pin: ToolPin = DEFAULT_AVML_PIN): ForensicTool {
  validateSha256(pin.sha256, "avml sha-256 pin");
  return {
    name: "avml",
    kind: "binary",
    ...pin,
    key: `forensic-ami/avml/${pin.version}/avml`,
    commands: [{ name: "avml", check: "avml --version" }],
  };
}

/** The forensic toolset from its pins (keys follow forensic-ami/<tool>/<version>/<file>). */
export function forensicTools(pins: ForensicToolPins): ForensicTool[] {
  const tools: ForensicTool[] = [
    avmlTool(pins.avml),
    {
      name: "sleuthkit",
      kind: "rpm",
      ...pins.sleuthkit,
      key: `forensic-ami/sleuthkit/${pins.sleuthkit.version}/sleuthkit.rpm`,
      commands: ["fls", "mmls", "icat", "istat", "fsstat", "mactime"].map((c) => ({
        name: c,
        check: `${c} -V`,
      })),
    },
    {
      name: "volatility3",
      kind: "wheelhouse",
      ...pins.volatility3,
      key: `forensic-ami/volatility3/${pins.volatility3.version}/wheelhouse.tar.gz`,
      requirement: `volatility3==${pins.volatility3.version}`,
      commands: [{ name: "vol", check: "vol --help" }],
    },
    {
      name: "plaso",
      kind: "wheelhouse",
      ...pins.plaso,
      key: `forensic-ami/plaso/${pins.plaso.version}/wheelhouse.tar.gz`,
      requirement: `plaso==${pins.plaso.version}`,
      commands: ["log2timeline.py", "psort.py", "pinfo.py"].map((c) => ({
        name: c,
        check: `${c} --version`,
      })),
    },
  ];
  for (const t of tools) validateSha256(t.sha256, `${t.name} sha-256 pin`);
  return tools;
}

const bash = (name: string, commands: string[]) => ({
  name,
  action: "ExecuteBash",
  inputs: { commands: ["set -euo pipefail", ...commands] },
});
const stepName = (s: string) => s.replace(/[^A-Za-z0-9]/g, "");

/** AWSTOE build document: installs every tool after checking its SHA-256. */
export function forensicBuildDocument(
  tools: ForensicTool[],
  toolsBucket: string,
  bucketOwner: string,
): string {
  const steps: Record<string, unknown>[] = [
    bash("InstallBasePackages", [`dnf install -y ${BASE_PACKAGES.join(" ")}`]),
  ];
  for (const t of tools) {
    const dir = `/tmp/ir-tools/${t.name}`;
    const file = `${dir}/${t.key.split("/").pop()}`;
    steps.push({
      name: `Download${stepName(t.name)}`,
      action: "S3Download",
      inputs: [
        { source: `s3://${toolsBucket}/${t.key}`, destination: file, expectedBucketOwner: bucketOwner },
      ],
    });
    const verify = `echo "${t.sha256}  ${file}" | sha256sum --check --strict`;
    const install: Record<ForensicTool["kind"], string[]> = {
      binary: [`install -m 0755 ${file} /usr/local/bin/${t.commands[0]!.name}`],
      rpm: [`dnf install -y ${file}`],
      wheelhouse: [
        `tar -xzf ${file} -C ${dir}`,
        `python3 -m venv /opt/ir/${t.name}`,
        `/opt/ir/${t.name}/bin/pip install --no-index --find-links ${dir}/wheels '${t.requirement}'`,
        ...t.commands.map((c) => `ln -sf /opt/ir/${t.name}/bin/${c.name} /usr/local/bin/${c.name}`),
      ],
    };
    steps.push(bash(`Install${stepName(t.name)}`, [verify, ...install[t.kind], `rm -rf ${dir}`]));
  }
  const manifest = JSON.stringify(tools.map(({ name, version, sha256 }) => ({ name, version, sha256 })));
  steps.push(
    bash("RecordToolVersions", [
      "mkdir -p /etc/ir",
      `echo '${manifest}' | jq . > /etc/ir/forensic-tools.json`,
      "chmod 0444 /etc/ir/forensic-tools.json",
    ]),
    // Session Manager only: no SSH daemon on a forensic workstation.
    bash("DisableSsh", [
      "systemctl disable --now sshd.service sshd.socket 2>/dev/null || true",
      "systemctl mask sshd.service",
    ]),
  );
  return stringify({
    name: "ir-forensic-toolset",
    description:
      "Installs the pinned forensic toolset (AVML, The Sleuth Kit, Volatility 3, Plaso) from the tools bucket",
    schemaVersion: 1.0,
    phases: [{ name: "build", steps }],
  });
}

/** AWSTOE test document: fails when a package, a command or a pinned binary is missing or wrong. */
export function forensicTestDocument(tools: ForensicTool[]): string {
  const rpmName = (t: ForensicTool) =>
    t.key
      .split("/")
      .pop()!
      .replace(/\.rpm$/, "");
  const steps: Record<string, unknown>[] = [
    bash(
      "CheckBasePackages",
      BASE_PACKAGES.map((p) => `rpm -q ${p}`),
    ),
  ];
  for (const t of tools) {
    const commands: string[] = [];
    if (t.kind === "rpm") commands.push(`rpm -q ${rpmName(t)}`);
    for (const c of t.commands)
      commands.push(
        `command -v ${c.name} || { echo "missing ${c.name} (${t.name})"; exit 1; }`,
        `${c.check} > /dev/null`,
      );
    if (t.kind === "binary")
      commands.push(`echo "${t.sha256}  /usr/local/bin/${t.commands[0]!.name}" | sha256sum --check --strict`);
    steps.push(bash(`Check${stepName(t.name)}`, commands));
  }
  steps.push(
    bash("CheckToolManifest", [
      "test -s /etc/ir/forensic-tools.json",
      "jq -e 'length > 0' /etc/ir/forensic-tools.json",
    ]),
    bash("CheckNoSsh", [
      'if systemctl is-enabled --quiet sshd.service; then echo "sshd is enabled"; exit 1; fi',
      'if systemctl is-active --quiet sshd.service; then echo "sshd is running"; exit 1; fi',
    ]),
  );
  return stringify({
    name: "ir-forensic-toolset-test",
    description: "Fails the build if any forensic tool is missing or does not run",
    schemaVersion: 1.0,
    phases: [{ name: "test", steps }],
  });
}
