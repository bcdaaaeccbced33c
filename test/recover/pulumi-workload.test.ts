/**
 * Recovery through the Automation API: the order of operations (preview, then an update targeting only
 * what the AMI changes, never a refresh), the refusals and the error mapping (fake), and real runs when
 * pulumi is installed.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CommandError, ConcurrentUpdateError, StackNotFoundError } from "@pulumi/pulumi/automation";
import { expect } from "chai";
import type { ContainedInstance, PreviewStep } from "../../automation/recover/pulumi-preview";
import {
  LocalWorkloadStacks,
  type RebuildRequest,
  rebuildWithPulumi,
  type WorkloadStack,
  type WorkloadStacks,
} from "../../automation/recover/pulumi-workload";

const AMI = "ami-0123456789abcdef0";
const INSTANCE = "i-0aaaaaaaaaaaaaaaa";
const CONTAINED: ContainedInstance = {
  instanceId: INSTANCE,
  eniIds: ["eni-0aaaaaaaaaaaaaaaa"],
  addresses: ["10.0.0.5"],
  profileArn: "arn:aws:iam::123456789012:instance-profile/web-profile",
  profileName: "web-profile",
  roleName: "web-role",
  allocationIds: [],
};
const LT_URN = "urn:pulumi:prod::web::aws:ec2/launchTemplate:LaunchTemplate::web-lt";
/** What a stack with a launch template on the AMI from config previews once the AMI is pinned. */
const AMI_ONLY: PreviewStep[] = [
  {
    urn: "urn:pulumi:prod::web::pulumi:pulumi:Stack::web-prod",
    type: "pulumi:pulumi:Stack",
    op: "same",
    changed: [],
    unknown: [],
  },
  {
    urn: LT_URN,
    type: "aws:ec2/launchTemplate:LaunchTemplate",
    op: "update",
    changed: ["imageId"],
    unknown: [],
    id: "lt-0123456789abcdef0",
    inputs: { imageId: AMI, iamInstanceProfile: { arn: CONTAINED.profileArn } },
    old: { imageId: "ami-0fedcba9876543210", iamInstanceProfile: { arn: CONTAINED.profileArn } },
  },
];

const request = (extra: Partial<RebuildRequest> = {}): RebuildRequest => ({
  workDir: project(),
  stackName: "prod",
  amiConfigKey: "web:amiId",
  amiId: AMI,
  contained: CONTAINED,
  ...extra,
});

function project(): string {
  const dir = mkdtempSync(join(tmpdir(), "ir-workload-"));
  writeFileSync(join(dir, "Pulumi.yaml"), "name: web\nruntime: nodejs\n");
  return dir;
}

/** A fake that records calls, previews the given steps and can fail at a chosen operation. */
class FakeStacks implements WorkloadStacks {
  calls: string[] = [];
  constructor(
    private readonly failAt?: { op: string; error: Error },
    private readonly steps: PreviewStep[] = AMI_ONLY,
  ) {}
  async select(workDir: string, stackName: string): Promise<WorkloadStack> {
    this.calls.push(`select ${stackName}`);
    this.fail("select");
    return {
      setConfig: async (k, v) => {
        this.calls.push(`config ${k}=${v}`);
        this.fail("config");
      },
      preview: async (out) => {
        this.calls.push("preview");
        out("previewing");
        this.fail("preview");
        return this.steps;
      },
      up: async (out, targets) => {
        this.calls.push(`up --target ${targets.join(" --target ")}`);
        out("updating");
        this.fail("up");
        return { outputs: { url: `http://${workDir}` }, result: "succeeded" };
      },
    };
  }
  private fail(op: string) {
    if (this.failAt?.op === op) throw this.failAt.error;
  }
}

// The Automation API's errors take a CommandResult; build them the way it does.
const commandResult = {
  stdout: "",
  stderr: "error: the stack is currently locked by 1 lock(s)",
  code: 255,
  err: undefined,
} as any;

describe("recovery through the workload's Pulumi stack", () => {
  it("pins the AMI, previews without refresh, then runs up targeting only what the AMI changes", async () => {
    const stacks = new FakeStacks();
    const lines: string[] = [];
    const res = await rebuildWithPulumi(stacks, request({ onOutput: (l) => lines.push(l) }));
    // A launch template that carries the contained instance's profile, changing only its image, is the AMI's.
    expect(stacks.calls).to.deep.equal([
      "select prod",
      `config web:amiId=${AMI}`,
      "preview",
      `up --target ${LT_URN}`,
    ]);
    expect(lines).to.deep.equal(["previewing", "updating"]);
    expect(res).to.deep.include({ result: "succeeded", targets: [LT_URN] });
  });

  it("refuses a preview that changes the contained instance's security groups and profile: names them, deploys nothing", async () => {
    const instanceUrn = "urn:pulumi:prod::web::aws:ec2/instance:Instance::web-solo";
    const stacks = new FakeStacks(undefined, [
      ...AMI_ONLY,
      {
        urn: instanceUrn,
        type: "aws:ec2/instance:Instance",
        op: "update",
        changed: ["vpcSecurityGroupIds", "iamInstanceProfile"],
        unknown: [],
        id: INSTANCE,
        inputs: { vpcSecurityGroupIds: ["sg-0web"], iamInstanceProfile: "web-profile" },
        old: { vpcSecurityGroupIds: ["sg-0isolation"], iamInstanceProfile: "ir-deny-all" },
      },
    ]);
    const err: Error = await rebuildWithPulumi(stacks, request()).catch((e) => e);
    expect(err.name).to.equal("PreviewRefusedError");
    expect(err.message).to.include(
      `${instanceUrn} (update of vpcSecurityGroupIds, iamInstanceProfile): changes the contained instance ${INSTANCE}'s security groups, instance profile: applying it undoes containment`,
    );
    expect(err.message).to.match(
      /nothing was deployed .*What to do: make the program declare what containment set/,
    );
    expect(stacks.calls).to.deep.equal(["select prod", `config web:amiId=${AMI}`, "preview"]);
  });

  it("refuses a project that refreshes on every operation, before touching the stack", async () => {
    const dir = project();
    writeFileSync(join(dir, "Pulumi.yaml"), "name: web\nruntime: nodejs\noptions:\n  refresh: always\n");
    const stacks = new FakeStacks();
    const err: Error = await rebuildWithPulumi(stacks, request({ workDir: dir })).catch((e) => e);
    expect(err.message).to.match(
      /Pulumi.yaml sets options.refresh: always, .* the refresh adopts what containment changed on i-0a+ and the update puts it back/,
    );
    expect(stacks.calls).to.deep.equal([]);
  });

  it("runs no update when nothing depends on the AMI (an untargeted up would deploy everything else)", async () => {
    const stacks = new FakeStacks(undefined, [AMI_ONLY[0]!]);
    const res = await rebuildWithPulumi(stacks, request());
    expect(res).to.deep.equal({ outputs: {}, result: "unchanged", targets: [] });
    expect(stacks.calls).to.deep.equal(["select prod", `config web:amiId=${AMI}`, "preview"]);
  });

  it("explains a locked stack with the commands that unlock it", async () => {
    const stacks = new FakeStacks({ op: "up", error: new ConcurrentUpdateError(commandResult) });
    const err = await rebuildWithPulumi(stacks, request()).catch((e) => e);
    expect(err.message).to.match(
      /stack "prod" in .* is locked by another update: .*pulumi cancel --stack prod/,
    );
  });

  it("explains a missing stack", async () => {
    const stacks = new FakeStacks({ op: "select", error: new StackNotFoundError(commandResult) });
    const err = await rebuildWithPulumi(stacks, request({ stackName: "prd" })).catch((e) => e);
    expect(err.message).to.match(/stack "prd" in .* does not exist: check --stack \(`pulumi stack ls`/);
    expect(stacks.calls).to.deep.equal(["select prd"]);
  });

  it("passes other pulumi failures on with the stack named", async () => {
    const stacks = new FakeStacks({ op: "preview", error: new CommandError(commandResult) });
    const err = await rebuildWithPulumi(stacks, request()).catch((e) => e);
    expect(err.message).to.match(/^pulumi failed on stack "prod"/);
    expect(stacks.calls.at(-1)).to.equal("preview");
  });

  it("refuses a workdir without Pulumi.yaml and a malformed AMI id before touching anything", async () => {
    const stacks = new FakeStacks();
    const noProject = mkdtempSync(join(tmpdir(), "ir-empty-"));
    const e1 = await rebuildWithPulumi(stacks, request({ workDir: noProject, amiConfigKey: "k" })).catch(
      (e) => e,
    );
    expect(e1.message).to.match(/has no Pulumi.yaml: point it at the workload's Pulumi project/);
    const e2 = await rebuildWithPulumi(stacks, request({ amiConfigKey: "k", amiId: "ami-xyz" })).catch(
      (e) => e,
    );
    expect(e2.message).to.match(/AMI id "ami-xyz" is not valid/);
    expect(stacks.calls).to.deep.equal([]);
  });

  describe("with the real pulumi CLI", () => {
    let hasPulumi = false;
    before(function () {
      try {
        execFileSync("pulumi", ["version"], { stdio: "ignore" });
        hasPulumi = true;
      } catch {
        hasPulumi = false;
      }
      if (!hasPulumi) {
        // Only where the CLI is installed (it cannot be installed here: it downloads itself).
        process.stderr.write(
          "    skipped: the pulumi CLI is not on PATH (install it to run the real Automation API tests)\n",
        );
        this.skip();
      }
    });

    it("reports a missing stack of a local backend project", async () => {
      process.env.PULUMI_BACKEND_URL = `file://${mkdtempSync(join(tmpdir(), "ir-backend-"))}`;
      process.env.PULUMI_CONFIG_PASSPHRASE = "test";
      const err = await rebuildWithPulumi(new LocalWorkloadStacks(), request({ stackName: "nope" })).catch(
        (e) => e,
      );
      expect(err.message).to.match(/stack "nope" .* does not exist/);
    });

    it("pins the AMI in an existing stack's config; a program whose resources do not use it gets no update (YAML program, local backend)", async () => {
      process.env.PULUMI_BACKEND_URL = `file://${mkdtempSync(join(tmpdir(), "ir-backend-"))}`;
      process.env.PULUMI_CONFIG_PASSPHRASE = "test";
      const dir = mkdtempSync(join(tmpdir(), "ir-workload-"));
      writeFileSync(
        join(dir, "Pulumi.yaml"),
        "name: web\nruntime: yaml\nconfig:\n  amiId:\n    type: string\noutputs:\n  ami: ${amiId}\n",
      );
      const { LocalWorkspace } = await import("@pulumi/pulumi/automation");
      await LocalWorkspace.createStack({ workDir: dir, stackName: "dev" });
      const lines: string[] = [];
      const res = await rebuildWithPulumi(
        new LocalWorkloadStacks(),
        request({ workDir: dir, stackName: "dev", onOutput: (l) => lines.push(l) }),
      );
      // Only a stack output depends on the AMI: no resource to target, so no update.
      expect(res).to.deep.equal({ outputs: {}, result: "unchanged", targets: [] });
      expect(lines.join("")).to.match(/preview/i);
    });
  });
});
