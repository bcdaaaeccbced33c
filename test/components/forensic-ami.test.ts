import { expect } from "chai";
import { parse, stringify } from "yaml";
import { ForensicAmi } from "../../components/forensic-ami";
import {
  BASE_PACKAGES,
  type ForensicToolPins,
  forensicBuildDocument,
  forensicTestDocument,
  forensicTools,
} from "../../components/image-builder/forensic-documents";
import { SSM } from "../../facts";
import {
  ACCOUNT_ID,
  installMocks,
  ofType,
  outputValue,
  policyDoc,
  type RecordedResource,
  settle,
} from "../helpers/pulumi-mocks";

const KEY = `arn:aws:kms:us-east-1:${ACCOUNT_ID}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const sha = (c: string) => c.repeat(64);
const PINS: ForensicToolPins = {
  avml: { version: "0.14.0", sha256: sha("a") },
  sleuthkit: { version: "4.12.1", sha256: sha("b") },
  volatility3: { version: "2.11.0", sha256: sha("c") },
  plaso: { version: "20240826", sha256: sha("d") },
};
const TOOLS_BUCKET = `ir-tools-${ACCOUNT_ID}-us-east-1`;

/** Every bash command of a phase of an AWSTOE document. */
function bashCommands(yamlText: string, phase: string): string[] {
  const doc = parse(yamlText);
  const p = doc.phases.find((x: any) => x.name === phase);
  return p.steps.filter((s: any) => s.action === "ExecuteBash").flatMap((s: any) => s.inputs.commands);
}

/** What the build document installs: commands placed in /usr/local/bin, and dnf packages (local rpm files by name). */
function installedBy(build: string) {
  const commands = new Set<string>();
  const packages = new Set<string>();
  for (const c of bashCommands(build, "build")) {
    const bin = /(?:install -m \d+|ln -sf) \S+ \/usr\/local\/bin\/(\S+)$/.exec(c);
    if (bin) commands.add(bin[1]!);
    const dnf = /^dnf install -y (.+)$/.exec(c);
    if (dnf)
      for (const pkg of dnf[1]!.split(/\s+/))
        packages.add(
          pkg
            .split("/")
            .pop()!
            .replace(/\.rpm$/, ""),
        );
  }
  return { commands, packages };
}

/** What the test document checks. */
function checkedBy(test: string) {
  const cmds = bashCommands(test, "test");
  return {
    commands: new Set(cmds.flatMap((c) => [...(/command -v (\S+)/.exec(c)?.slice(1) ?? [])])),
    packages: new Set(cmds.flatMap((c) => [...(/^rpm -q (\S+)$/.exec(c)?.slice(1) ?? [])])),
  };
}

/** Installed but unchecked items (empty when the test document covers the build document). */
function unchecked(build: string, test: string): string[] {
  const i = installedBy(build);
  const c = checkedBy(test);
  return [
    ...[...i.commands].filter((x) => !c.commands.has(x)),
    ...[...i.packages].filter((x) => !c.packages.has(x)),
  ];
}

describe("forensic image documents", () => {
  const tools = forensicTools(PINS);
  const build = forensicBuildDocument(tools, TOOLS_BUCKET, ACCOUNT_ID);
  const test = forensicTestDocument(tools);

  it("install the memory-capture tool, The Sleuth Kit, Volatility 3 and a timeline tool", () => {
    const { commands, packages } = installedBy(build);
    expect([...commands]).to.include.members(["avml", "vol", "log2timeline.py", "psort.py"]);
    expect([...packages]).to.include.members(["sleuthkit", ...BASE_PACKAGES]);
  });

  it("the test document checks every tool the build document installs", () => {
    expect(unchecked(build, test)).to.deep.equal([]);
    for (const t of tools)
      for (const c of t.commands) expect(checkedBy(test).commands.has(c.name), c.name).to.equal(true);
  });

  it("(the check above is not vacuous: dropping a test step is detected)", () => {
    const doc = parse(test);
    doc.phases[0].steps = doc.phases[0].steps.filter((s: any) => s.name !== "Checkvolatility3");
    expect(unchecked(build, stringify(doc))).to.deep.equal(["vol"]);
  });

  it("downloads every artefact from the tools bucket of this account and verifies its SHA-256 before installing", () => {
    const steps = parse(build).phases[0].steps;
    for (const t of tools) {
      const download = steps.find((s: any) => s.name === `Download${t.name}`);
      expect(download.action).to.equal("S3Download");
      expect(download.inputs[0].source).to.equal(`s3://${TOOLS_BUCKET}/${t.key}`);
      expect(download.inputs[0].expectedBucketOwner).to.equal(ACCOUNT_ID);
      const install = steps.find((s: any) => s.name === `Install${t.name}`).inputs.commands;
      expect(install[0]).to.equal("set -euo pipefail");
      expect(install[1]).to.equal(
        `echo "${t.sha256}  ${download.inputs[0].destination}" | sha256sum --check --strict`,
      );
      expect(steps.indexOf(download)).to.be.lessThan(
        steps.findIndex((s: any) => s.name === `Install${t.name}`),
      );
    }
  });

  it("pins AVML by version and hash, and the test phase re-verifies the installed binary", () => {
    expect(build).to.include(`forensic-ami/avml/0.14.0/avml`);
    expect(bashCommands(test, "test")).to.include(
      `echo "${sha("a")}  /usr/local/bin/avml" | sha256sum --check --strict`,
    );
  });

  it("fails every bash step on the first error", () => {
    for (const [doc, phase] of [
      [build, "build"],
      [test, "test"],
    ] as const)
      for (const s of parse(doc)
        .phases.find((p: any) => p.name === phase)
        .steps.filter((x: any) => x.action === "ExecuteBash"))
        expect(s.inputs.commands[0], s.name).to.equal("set -euo pipefail");
  });

  it("disables SSH on the workstation image and checks it", () => {
    expect(bashCommands(build, "build")).to.include("systemctl mask sshd.service");
    expect(bashCommands(test, "test").join("\n")).to.include("systemctl is-enabled --quiet sshd.service");
  });

  it("refuses a malformed hash pin", () => {
    expect(() => forensicTools({ ...PINS, sleuthkit: { version: "4.12.1", sha256: "abc" } })).to.throw(
      'sleuthkit sha-256 pin "abc" is not valid: expected 64 lower-case hex characters',
    );
  });
});

describe("ForensicAmi", () => {
  let resources: RecordedResource[];
  let ami: ForensicAmi;
  before(async () => {
    resources = await installMocks();
    ami = new ForensicAmi("forensic-ami", {
      toolsBucketName: TOOLS_BUCKET,
      tools: PINS,
      kmsKeyArn: KEY,
      subnetId: "subnet-0123456789abcdef0",
      securityGroupIds: ["sg-0123456789abcdef0"],
    });
    await settle(resources);
  });

  it("publishes to /ir/forensic-ami", async () => {
    expect(await outputValue(ami.amiParameterName)).to.equal(SSM.forensicAmi);
    const dist = ofType(
      resources,
      "aws:imagebuilder/distributionConfiguration:DistributionConfiguration",
    )[0]!;
    expect(dist.inputs.distributions[0].ssmParameterConfigurations[0].parameterName).to.equal(
      SSM.forensicAmi,
    );
  });

  it("recipe: OS updates, then the toolset build component, then the toolset test component", async () => {
    const recipe = ofType(resources, "aws:imagebuilder/imageRecipe:ImageRecipe")[0]!;
    const arns = recipe.inputs.components.map((c: any) => c.componentArn);
    expect(arns[0]).to.equal("arn:aws:imagebuilder:us-east-1:aws:component/update-linux/x.x.x");
    const components = ofType(resources, "aws:imagebuilder/component:Component");
    const build = components.find((c) => c.name === "forensic-ami-build-1-toolset")!;
    const test = components.find((c) => c.name === "forensic-ami-test-0-toolset-test")!;
    expect(arns.slice(1)).to.deep.equal([
      `arn:aws:imagebuilder:us-east-1:${ACCOUNT_ID}:${build.name}`,
      `arn:aws:imagebuilder:us-east-1:${ACCOUNT_ID}:${test.name}`,
    ]);
    expect(build.inputs.name).to.match(/^forensic-ami-toolset-[0-9a-f]{8}$/);
    expect(build.inputs.data).to.equal(await outputValue(ami.buildDocument));
    expect(test.inputs.data).to.equal(ami.testDocument);
  });

  it("lets the build instance read only the forensic prefix of the tools bucket", () => {
    const extra = ofType(resources, "aws:iam/rolePolicy:RolePolicy")[0]!;
    const doc = policyDoc(extra.inputs.policy);
    expect(doc.Statement[0]).to.deep.include({
      Action: "s3:GetObject",
      Resource: `arn:aws:s3:::${TOOLS_BUCKET}/forensic-ami/*`,
    });
    expect(doc.Statement[1].Condition.StringEquals["kms:ViaService"]).to.equal("s3.us-east-1.amazonaws.com");
  });
});
