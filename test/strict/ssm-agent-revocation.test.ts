/**
 * Rule ssm-agent, revocation: the responder's own revoke policy (Deny * for sessions issued before the
 * cut-off, scoped by ec2:SourceInstanceARN) silences the agent of that instance only, until the instance
 * gets fresh credentials from a new profile association; a new instance registers after its start-up
 * delay. moto runs no agent: every command there "succeeds" at once.
 */
import { PutRolePolicyCommand } from "@aws-sdk/client-iam";
import {
  DescribeInstanceInformationCommand,
  GetCommandInvocationCommand,
  SendCommandCommand,
} from "@aws-sdk/client-ssm";
import { expect } from "chai";
import { ssmAgent } from "../../automation/emulator/strict/rules/ssm-agent";
import { stsSessions } from "../../automation/emulator/strict/rules/sts-sessions";
import { setSsmAgentOptions } from "../../automation/emulator/strict/ssm-agent/options";
import { revokeDocument } from "../../automation/steps/revoke";
import { forgetPolicies, launch, profile, SSM_CORE, swapProfile, waitForEnd } from "../helpers/ssm-agent";
import { type RuleLayer, startRuleLayer } from "../helpers/strict";

describe("strict rule ssm-agent: revoked credentials and registration", () => {
  let l: RuleLayer;
  const pings = async (ids: string[]) =>
    Object.fromEntries(
      (
        (
          await l.admin.ssm.send(
            new DescribeInstanceInformationCommand({ Filters: [{ Key: "InstanceIds", Values: ids }] }),
          )
        ).InstanceInformationList ?? []
      ).map((i) => [i.InstanceId!, i.PingStatus!]),
    );
  const send = (id: string, commands: string[]) =>
    l.admin.ssm
      .send(
        new SendCommandCommand({
          InstanceIds: [id],
          DocumentName: "AWS-RunShellScript",
          Parameters: { commands },
        }),
      )
      .then((r) => r.Command!.CommandId!);

  before(async () => {
    l = await startRuleLayer([stsSessions, forgetPolicies, ssmAgent]);
  });
  after(() => l.stop());

  it("a Deny * before aws:TokenIssueTime on this instance's ARN silences its agent, not its sibling's; a new association brings it back", async () => {
    const web = await profile(l, "web-role", SSM_CORE);
    const target = await launch(l, web);
    const sibling = await launch(l, web);
    expect(await pings([target, sibling])).to.deep.equal({ [target]: "Online", [sibling]: "Online" });
    l.layer.advanceClock(1000);
    const cutOff = new Date(l.layer.ctx.now()).toISOString();
    await l.admin.iam.send(
      new PutRolePolicyCommand({
        RoleName: "web-role",
        PolicyName: "ir-revoke",
        PolicyDocument: revokeDocument(
          `arn:aws:ec2:us-east-1:123456789012:instance/${target}`,
          cutOff,
          false,
        ),
      }),
    );
    expect(await pings([target, sibling])).to.deep.equal({ [target]: "ConnectionLost", [sibling]: "Online" });
    // Accepted (the instance is a managed node), never delivered while its credentials are revoked.
    const commandId = await send(target, ["echo delivered"]);
    const waiting = await l.admin.ssm.send(
      new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: target }),
    );
    expect(waiting.Status).to.equal("Pending");
    expect(
      (await waitForEnd(l, await send(sibling, ["echo sibling"]), sibling)).StandardOutputContent,
    ).to.equal("sibling\n");
    // IMDS keeps serving the old credentials for hours; a new association issues fresh ones now.
    l.layer.advanceClock(1000);
    await swapProfile(l, target, web);
    expect(await pings([target])).to.deep.equal({ [target]: "Online" });
    const inv = await waitForEnd(l, commandId, target);
    expect(inv).to.include({ Status: "Success", StandardOutputContent: "delivered\n" });
  });

  it("a new instance registers only after its start-up delay: until then SendCommand refuses it", async () => {
    const before = setSsmAgentOptions({ registrationDelayMs: 60_000 });
    try {
      const web = await profile(l, "delayed", SSM_CORE);
      const id = await launch(l, web);
      expect(await pings([id])).to.deep.equal({});
      const early = await send(id, ["true"]).then(
        () => undefined,
        (e: Error) => e,
      );
      expect(early?.name).to.equal("InvalidInstanceId");
      l.layer.advanceClock(61_000);
      expect(await pings([id])).to.deep.equal({ [id]: "Online" });
      expect((await waitForEnd(l, await send(id, ["true"]), id)).Status).to.equal("Success");
    } finally {
      setSsmAgentOptions(before);
    }
  });
});
