/**
 * Rule ssm-agent: Run Command reaches an instance through a simulated agent that runs the script in a
 * sandbox standing for the host, and only while the instance profile's credentials may call the agent's
 * actions (moto reports every command Success with empty output, runs nothing, and fails
 * DescribeInstanceInformation).
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import {
  CancelCommandCommand,
  DescribeInstanceInformationCommand,
  GetCommandInvocationCommand,
  ListCommandsCommand,
  SendCommandCommand,
} from "@aws-sdk/client-ssm";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { expect } from "chai";
import { ssmAgent } from "../../automation/emulator/strict/rules/ssm-agent";
import { stsSessions } from "../../automation/emulator/strict/rules/sts-sessions";
import { sandboxOf } from "../../automation/emulator/strict/ssm-agent/options";
import {
  DENY_ALL,
  forgetPolicies,
  launch,
  profile,
  SSM_CORE,
  swapProfile,
  waitForEnd,
} from "../helpers/ssm-agent";
import { type RuleLayer, startRuleLayer } from "../helpers/strict";

const SHELL = "AWS-RunShellScript";

describe("strict rule ssm-agent", () => {
  let l: RuleLayer;
  let core: string;
  let denyAll: string;
  const send = (instanceId: string, commands: string[], extra: Record<string, unknown> = {}) =>
    l.admin.ssm
      .send(
        new SendCommandCommand({
          InstanceIds: [instanceId],
          DocumentName: SHELL,
          Parameters: { commands },
          ...extra,
        }),
      )
      .then((r) => r.Command!.CommandId!);
  const ping = async (instanceId: string) =>
    (
      await l.admin.ssm.send(
        new DescribeInstanceInformationCommand({ Filters: [{ Key: "InstanceIds", Values: [instanceId] }] }),
      )
    ).InstanceInformationList?.[0]?.PingStatus;

  before(async () => {
    l = await startRuleLayer([stsSessions, forgetPolicies, ssmAgent]);
    core = await profile(l, "web", SSM_CORE);
    denyAll = await profile(l, "deny-all", DENY_ALL);
  });
  after(() => l.stop());

  it("runs a command on a reachable instance: its output comes back, a file it writes lands on the host", async () => {
    const id = await launch(l, core);
    expect(await ping(id)).to.equal("Online");
    const commandId = await send(
      id,
      ["echo hello from $AWS_SSM_INSTANCE_ID", "echo oops >&2", "echo data > written.txt"],
      {
        Comment: "ir case-1 log collection",
      },
    );
    const inv = await waitForEnd(l, commandId, id);
    expect(inv).to.include({ Status: "Success", StatusDetails: "Success", ResponseCode: 0 });
    expect(inv.StandardOutputContent).to.equal(`hello from ${id}\n`);
    expect(inv.StandardErrorContent).to.equal("oops\n");
    expect(readFileSync(join(sandboxOf(id), "written.txt"), "utf8")).to.equal("data\n");
    const listed = await l.admin.ssm.send(
      new ListCommandsCommand({
        InstanceId: id,
        Filters: [{ key: "InvokedAfter", value: new Date(Date.now() - 60_000).toISOString() }],
      }),
    );
    expect(listed.Commands!.map((c) => [c.CommandId, c.Status, c.Comment])).to.deep.equal([
      [commandId, "Success", "ir case-1 log collection"],
    ]);
    expect(listed.Commands![0]!.Parameters!.commands).to.have.length(3);
  });

  it("a failing script reports Failed with its exit code; stdout is cut at 24,000 characters", async () => {
    const id = await launch(l, core);
    const failed = await waitForEnd(l, await send(id, ["echo partial", "exit 3"]), id);
    expect(failed).to.include({ Status: "Failed", ResponseCode: 3, StandardOutputContent: "partial\n" });
    const long = await waitForEnd(l, await send(id, ["head -c 30000 /dev/zero | tr '\\0' x"]), id);
    expect(long.StandardOutputContent).to.have.length(24_000);
  });

  it("an agent whose profile was swapped to deny-all never gets the command: Pending, then DeliveryTimedOut", async () => {
    const id = await launch(l, core);
    expect(await ping(id)).to.equal("Online");
    await swapProfile(l, id, denyAll);
    expect(await ping(id)).to.equal("ConnectionLost");
    const commandId = await send(id, ["echo ran > ran.txt"], {
      TimeoutSeconds: 30,
      Parameters: { commands: ["echo ran > ran.txt"], executionTimeout: ["60"] },
    });
    for (let i = 0; i < 3; i++) {
      const inv = await l.admin.ssm.send(
        new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: id }),
      );
      expect(inv).to.include({ Status: "Pending", ResponseCode: -1 });
    }
    // The total timeout (delivery 30 s + execution 60 s) passes with the agent still silent.
    l.layer.advanceClock(91_000);
    try {
      const inv = await waitForEnd(l, commandId, id);
      expect(inv).to.include({ Status: "TimedOut", StatusDetails: "DeliveryTimedOut" });
      const listed = await l.admin.ssm.send(new ListCommandsCommand({ CommandId: commandId }));
      expect(listed.Commands![0]).to.include({ Status: "TimedOut", DeliveryTimedOutCount: 1 });
    } finally {
      l.layer.advanceClock(-91_000);
    }
    expect(existsSync(join(sandboxOf(id), "ran.txt"))).to.equal(false);
    // Its own profile back: new credentials, the agent is online again.
    await swapProfile(l, id, core);
    expect(await ping(id)).to.equal("Online");
  });

  it("an instance that never registered is refused (InvalidInstanceId) and not listed", async () => {
    const id = await launch(l);
    expect(await ping(id)).to.equal(undefined);
    const err = await send(id, ["true"]).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err?.name).to.equal("InvalidInstanceId");
  });

  it("a script uploads through a presigned PUT URL of the layer: the object lands in moto", async () => {
    const id = await launch(l, core);
    await l.admin.s3.send(new CreateBucketCommand({ Bucket: "agent-evidence" }));
    const url = await getSignedUrl(
      l.admin.s3,
      new PutObjectCommand({ Bucket: "agent-evidence", Key: "logs/a" }),
      {
        expiresIn: 600,
      },
    );
    const commandId = await send(id, [
      "set -euo pipefail",
      "echo evidence > f",
      `curl -fsS -X PUT --upload-file f -o /dev/null '${url}'`,
    ]);
    expect((await waitForEnd(l, commandId, id)).Status).to.equal("Success");
    const got = await l.layer.ctx
      .moto("123456789012", "us-east-1")
      .s3.send(new GetObjectCommand({ Bucket: "agent-evidence", Key: "logs/a" }));
    expect(await got.Body!.transformToString()).to.equal("evidence\n");
  });

  it("a script past its executionTimeout is killed (TimedOut, ExecutionTimedOut); a Pending command can be cancelled", async () => {
    const id = await launch(l, core);
    const slow = await waitForEnd(
      l,
      await send(id, ["sleep 30"], { Parameters: { commands: ["sleep 30"], executionTimeout: ["1"] } }),
      id,
    );
    expect(slow).to.include({ Status: "TimedOut", StatusDetails: "ExecutionTimedOut" });
    await swapProfile(l, id, denyAll);
    const pending = await send(id, ["echo never > never.txt"]);
    await l.admin.ssm.send(new CancelCommandCommand({ CommandId: pending }));
    await swapProfile(l, id, core);
    expect(await waitForEnd(l, pending, id)).to.include({ Status: "Cancelled" });
    expect(existsSync(join(sandboxOf(id), "never.txt"))).to.equal(false);
  });
});
