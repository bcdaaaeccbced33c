/**
 * Systems Manager's JSON answers, in the shapes the SDK v3 parses (awsJson1_1: timestamps as epoch
 * seconds; GetCommandInvocation's execution times as ISO strings). Output is cut as AWS cuts it: the
 * first 24,000 characters of stdout and 8,000 of stderr in GetCommandInvocation, 2,500 in a plugin's
 * Output. https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_GetCommandInvocation.html
 */
import { randomUUID } from "node:crypto";
import type { Answer } from "../types";
import { aggregate, expiresAt, type Invocation, type StoredCommand } from "./commands";

export const STDOUT_CHARS = 24_000;
export const STDERR_CHARS = 8_000;
const PLUGIN_OUTPUT_CHARS = 2_500;
const PLUGIN = "aws:runShellScript";

export function jsonAnswer(body: unknown): Answer {
  return {
    status: 200,
    headers: { "content-type": "application/x-amz-json-1.1", "x-amzn-requestid": randomUUID() },
    body: Buffer.from(JSON.stringify(body)),
  };
}

const seconds = (ms: number) => ms / 1000;
const iso = (ms: number | undefined) => (ms === undefined ? "" : new Date(ms).toISOString());

export function commandShape(c: StoredCommand) {
  const a = aggregate(c);
  return {
    CommandId: c.commandId,
    DocumentName: c.documentName,
    DocumentVersion: "$DEFAULT",
    Comment: c.comment,
    ExpiresAfter: seconds(expiresAt(c)),
    Parameters: c.parameters,
    InstanceIds: c.instanceIds,
    Targets: c.targets,
    RequestedDateTime: seconds(c.requestedAt),
    Status: a.status,
    StatusDetails: a.details,
    OutputS3Region: c.region,
    OutputS3BucketName: "",
    OutputS3KeyPrefix: "",
    MaxConcurrency: "50",
    MaxErrors: "0",
    TargetCount: a.targetCount,
    CompletedCount: a.completedCount,
    ErrorCount: a.errorCount,
    DeliveryTimedOutCount: a.deliveryTimedOutCount,
    ServiceRole: "",
    NotificationConfig: { NotificationArn: "", NotificationEvents: [], NotificationType: "" },
    CloudWatchOutputConfig: { CloudWatchLogGroupName: "", CloudWatchOutputEnabled: false },
    TimeoutSeconds: c.deliveryTimeoutSeconds,
  };
}

export function invocationResultShape(c: StoredCommand, inv: Invocation) {
  const elapsed =
    inv.startedAt !== undefined && inv.endedAt !== undefined
      ? `PT${((inv.endedAt - inv.startedAt) / 1000).toFixed(3)}S`
      : "";
  return {
    CommandId: c.commandId,
    InstanceId: inv.instanceId,
    Comment: c.comment,
    DocumentName: c.documentName,
    DocumentVersion: "$DEFAULT",
    PluginName: PLUGIN,
    ResponseCode: inv.responseCode,
    ExecutionStartDateTime: iso(inv.startedAt),
    ExecutionElapsedTime: elapsed,
    ExecutionEndDateTime: inv.startedAt === undefined ? "" : iso(inv.endedAt),
    Status: inv.status,
    StatusDetails: inv.details,
    StandardOutputContent: inv.stdout.slice(0, STDOUT_CHARS),
    StandardOutputUrl: "",
    StandardErrorContent: inv.stderr.slice(0, STDERR_CHARS),
    StandardErrorUrl: "",
    CloudWatchOutputConfig: { CloudWatchLogGroupName: "", CloudWatchOutputEnabled: false },
  };
}

export function invocationShape(c: StoredCommand, inv: Invocation, details: boolean) {
  return {
    CommandId: c.commandId,
    InstanceId: inv.instanceId,
    InstanceName: "",
    Comment: c.comment,
    DocumentName: c.documentName,
    DocumentVersion: "$DEFAULT",
    RequestedDateTime: seconds(c.requestedAt),
    Status: inv.status,
    StatusDetails: inv.details,
    TraceOutput: "",
    StandardOutputUrl: "",
    StandardErrorUrl: "",
    CommandPlugins: details
      ? [
          {
            Name: PLUGIN,
            Status: inv.status,
            StatusDetails: inv.details,
            ResponseCode: inv.responseCode,
            ...(inv.startedAt !== undefined ? { ResponseStartDateTime: seconds(inv.startedAt) } : {}),
            ...(inv.endedAt !== undefined ? { ResponseFinishDateTime: seconds(inv.endedAt) } : {}),
            Output: `${inv.stdout}${inv.stderr ? `\n----------ERROR-------\n${inv.stderr}` : ""}`.slice(
              0,
              PLUGIN_OUTPUT_CHARS,
            ),
            StandardOutputUrl: "",
            StandardErrorUrl: "",
            OutputS3Region: c.region,
            OutputS3BucketName: "",
            OutputS3KeyPrefix: "",
          },
        ]
      : [],
    ServiceRole: "",
    NotificationConfig: { NotificationArn: "", NotificationEvents: [], NotificationType: "" },
    CloudWatchOutputConfig: { CloudWatchLogGroupName: "", CloudWatchOutputEnabled: false },
  };
}
