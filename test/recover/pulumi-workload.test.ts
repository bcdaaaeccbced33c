/** Recovery through the Automation API: the order of operations and the error mapping (fake), and one real run when pulumi is installed. */
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CommandError, ConcurrentUpdateError, StackNotFoundError } from "@pulumi/pulumi/automation";
import { expect } from "chai";
import {
  LocalWorkloadStacks,
  rebuildWithPulumi,
  type WorkloadStack,
  type WorkloadStacks,
} from "../../automation/recover/pulumi-workload";

const AMI = "ami-0123456789abcdef0";

function project(): string {
  const dir = mkdtempSync(join(tmpdir(), "ir-workload-"));
  writeFileSync(join(dir, "Pulumi.yaml"), "name: web\nruntime: nodejs\n");
  return dir;
}

/** A fake that records calls and can fail at a chosen operation. */
class FakeStacks implements WorkloadStacks {
  calls: string[] = [];
  constructor(private readonly failAt?: { op: string; error: Error }) {}
  async select(workDir: string, stackName: string): Promise<WorkloadStack> {
    this.calls.push(`select ${stackName}`);
    this.fail("select");
    return {
      setConfig: async (k, v) => {
        this.calls.push(`config ${k}=${v}`);
        this.fail("config");
      },
      refresh: async (out) => {
        this.calls.push("refresh");
        out("refreshing");
        this.fail("refresh");
      },
      up: async (out) => {
        this.calls.push("up");
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
  it("pins the AMI, refreshes, then runs up with the output streamed", async () => {
    const stacks = new FakeStacks();
    const lines: string[] = [];
    const res = await rebuildWithPulumi(stacks, {
      workDir: project(),
      stackName: "prod",
      amiConfigKey: "web:amiId",
      amiId: AMI,
      onOutput: (l) => lines.push(l),
    });
    expect(stacks.calls).to.deep.equal(["select prod", `config web:amiId=${AMI}`, "refresh", "up"]);
    expect(lines).to.deep.equal(["refreshing", "updating"]);
    expect(res.result).to.equal("succeeded");
  });

  it("explains a locked stack with the commands that unlock it", async () => {
    const stacks = new FakeStacks({ op: "up", error: new ConcurrentUpdateError(commandResult) });
    const err = await rebuildWithPulumi(stacks, {
      workDir: project(),
      stackName: "prod",
      amiConfigKey: "web:amiId",
      amiId: AMI,
    }).catch((e) => e);
    expect(err.message).to.match(
      /stack "prod" in .* is locked by another update: .*pulumi cancel --stack prod/,
    );
  });

  it("explains a missing stack", async () => {
    const stacks = new FakeStacks({ op: "select", error: new StackNotFoundError(commandResult) });
    const err = await rebuildWithPulumi(stacks, {
      workDir: project(),
      stackName: "prd",
      amiConfigKey: "web:amiId",
      amiId: AMI,
    }).catch((e) => e);
    expect(err.message).to.match(/stack "prd" in .* does not exist: check --stack \(`pulumi stack ls`/);
    expect(stacks.calls).to.deep.equal(["select prd"]);
  });

  it("passes other pulumi failures on with the stack named", async () => {
    const stacks = new FakeStacks({ op: "refresh", error: new CommandError(commandResult) });
    const err = await rebuildWithPulumi(stacks, {
      workDir: project(),
      stackName: "prod",
      amiConfigKey: "web:amiId",
      amiId: AMI,
    }).catch((e) => e);
    expect(err.message).to.match(/^pulumi failed on stack "prod"/);
    expect(stacks.calls).to.not.include("up");
  });

  it("refuses a workdir without Pulumi.yaml and a malformed AMI id before touching anything", async () => {
    const stacks = new FakeStacks();
    const noProject = mkdtempSync(join(tmpdir(), "ir-empty-"));
    const e1 = await rebuildWithPulumi(stacks, {
      workDir: noProject,
      stackName: "prod",
      amiConfigKey: "k",
      amiId: AMI,
    }).catch((e) => e);
    expect(e1.message).to.match(/has no Pulumi.yaml: point it at the workload's Pulumi project/);
    const e2 = await rebuildWithPulumi(stacks, {
      workDir: project(),
      stackName: "prod",
      amiConfigKey: "k",
      amiId: "ami-xyz",
    }).catch((e) => e);
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
      const err = await rebuildWithPulumi(new LocalWorkloadStacks(), {
        workDir: project(),
        stackName: "nope",
        amiConfigKey: "web:amiId",
        amiId: AMI,
      }).catch((e) => e);
      expect(err.message).to.match(/stack "nope" .* does not exist/);
    });

    it("pins the AMI in an existing stack's config, refreshes and runs up (YAML program, local backend)", async () => {
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
      const res = await rebuildWithPulumi(new LocalWorkloadStacks(), {
        workDir: dir,
        stackName: "dev",
        amiConfigKey: "web:amiId",
        amiId: AMI,
        onOutput: (l) => lines.push(l),
      });
      expect(res.result).to.equal("succeeded");
      expect(res.outputs.ami).to.equal(AMI);
      expect(lines.join("")).to.match(/ami/);
    });
  });
});
