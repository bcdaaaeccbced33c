/**
 * A simulated SSM agent on every instance: the layer answers Run Command itself (moto's SendCommand
 * reports Success without running anything, and its ListCommandInvocations and
 * DescribeInstanceInformation fail). An instance's agent reaches Systems Manager only while the
 * instance runs and its profile's credentials may call the agent's actions; a delivered
 * AWS-RunShellScript command runs with bash in a sandbox directory standing for the host
 * (automation/emulator/strict/ssm-agent/), whose /dev holds the instance's attached EBS volumes and whose
 * block-device tools are stubs (ssm-agent/emulated-host.ts, host-tools.ts). The EC2 calls that give an instance new credentials (launch,
 * profile associate/replace/disassociate) are recorded: they decide `aws:TokenIssueTime`.
 */
import { instanceIdsIn, recordNewCredentials } from "../ssm-agent/credentials";
import { SsmError } from "../ssm-agent/errors";
import { describeInstanceInformation } from "../ssm-agent/info";
import { cancelCommand, getCommandInvocation, listCommandInvocations, listCommands } from "../ssm-agent/poll";
import { sendCommand } from "../ssm-agent/send";
import { jsonAnswer } from "../ssm-agent/shapes";
import type { Answer, RuleContext, StrictRequest, StrictRule } from "../types";
import { errorAnswer } from "../wire";

const SSM_CALLS: Record<string, (ctx: RuleContext, req: StrictRequest) => unknown> = {
  SendCommand: sendCommand,
  GetCommandInvocation: getCommandInvocation,
  ListCommands: listCommands,
  ListCommandInvocations: listCommandInvocations,
  CancelCommand: cancelCommand,
  DescribeInstanceInformation: describeInstanceInformation,
};

/** EC2 calls after which the instance's IMDS serves new credentials. */
const NEW_CREDENTIALS = new Set([
  "RunInstances",
  "AssociateIamInstanceProfile",
  "ReplaceIamInstanceProfileAssociation",
  "DisassociateIamInstanceProfile",
]);

export const ssmAgent: StrictRule = {
  id: "ssm-agent",
  title:
    "Run Command reaches an instance only through its SSM agent, which needs the instance profile's credentials to be allowed the agent's actions; commands to a silenced agent stay Pending, then DeliveryTimedOut",
  source: "https://docs.aws.amazon.com/systems-manager/latest/userguide/setup-instance-permissions.html",
  matches: (req) =>
    (req.service === "ssm" && req.operation in SSM_CALLS) ||
    (req.service === "ec2" && NEW_CREDENTIALS.has(req.operation)),
  async answer(req, ctx): Promise<Answer | undefined> {
    if (req.service !== "ssm") return undefined;
    try {
      return jsonAnswer(await SSM_CALLS[req.operation]!(ctx, req));
    } catch (err) {
      if (!(err instanceof SsmError)) throw err;
      return errorAnswer("json", { status: 400, code: err.code, message: err.message });
    }
  },
  after(req, answer, ctx) {
    if (req.service !== "ec2" || answer.status !== 200) return;
    for (const id of instanceIdsIn(answer.body.toString("utf8")))
      recordNewCredentials(ctx, req.accountId, id);
  },
};
