/**
 * What the function tells people, through the alert topic: an approval request (approve mode) that
 * names the exact `ir respond` command to run, or the outcome of a containment (contain mode) with the
 * case id, status and time to containment. Plain text, because the topic's subscribers are mostly
 * e-mail addresses and chat hooks; message attributes carry the machine-readable kind.
 */
import { PublishCommand, type SNSClient } from "@aws-sdk/client-sns";
import type { Target } from "../input/targets";
import type { CaseResult } from "../respond/respond";

export interface Notice {
  kind: "approval-request" | "containment-outcome";
  subject: string;
  message: string;
}

/** SNS subjects: at most 100 printable ASCII characters. */
const subject = (text: string) => text.replace(/[^\x20-\x7e]/g, "?").slice(0, 100);

const describe = (t: Target) =>
  `${t.instanceId} (${t.region ?? "?"}${t.accountId ? `, account ${t.accountId}` : ""}): ` +
  `${t.source.type ?? "finding"}, severity ${t.source.severity ?? "?"}, finding ${t.source.findingId ?? "?"}`;

/** The command a responder runs to contain these targets (one per region: `--region` is per command). */
export function respondCommands(targets: Target[], defaultRegion: string): string[] {
  const byRegion = new Map<string, string[]>();
  for (const t of targets) {
    const region = t.region ?? defaultRegion;
    byRegion.set(region, [...(byRegion.get(region) ?? []), t.instanceId]);
  }
  return [...byRegion].map(([region, ids]) => `ir respond ${ids.join(" ")} --region ${region}`);
}

export function approvalRequest(targets: Target[], defaultRegion: string): Notice {
  const ids = targets.map((t) => t.instanceId).join(", ");
  return {
    kind: "approval-request",
    subject: subject(`[ir] approval needed: contain ${ids}`),
    message: [
      "Auto-containment is in approval mode: nothing was changed.",
      "",
      "Findings at or above the threshold:",
      ...targets.map((t) => `  - ${describe(t)}`),
      "",
      "To contain (snapshot, take out of service, isolate, revoke credentials), run:",
      ...respondCommands(targets, defaultRegion).map((c) => `  ${c}`),
      "",
      "To see first what it would change: replace `ir respond` with `ir plan`.",
    ].join("\n"),
  };
}

const caseLine = (r: CaseResult) =>
  `  - ${r.instanceId} (${r.region}): ${r.status}` +
  (r.caseId ? `, case ${r.caseId}` : "") +
  (r.timeToContainmentMs !== undefined ? `, contained in ${r.timeToContainmentMs} ms` : "") +
  (r.resumed ? ", resumed (a redelivered event or a retry: nothing was done twice)" : "") +
  (r.error ? `\n      error: ${r.error}` : "");

export function containmentOutcome(results: CaseResult[]): Notice {
  const worst = results.every((r) => r.status === "contained") ? "contained" : "needs attention";
  const ids = results.map((r) => r.instanceId).join(", ");
  const problems = results.flatMap((r) =>
    r.steps
      .filter((s) => s.status !== "verified" && s.status !== "skipped")
      .map((s) => `  - ${r.instanceId} ${s.id}: ${s.status}${s.detail ? ` (${s.detail})` : ""}`),
  );
  return {
    kind: "containment-outcome",
    subject: subject(`[ir] ${worst}: ${ids}`),
    message: [
      "Auto-containment ran:",
      ...results.map(caseLine),
      ...(problems.length ? ["", "Steps that did not verify:", ...problems] : []),
      "",
      "Follow a case with `ir status <case-id>`; undo containment with `ir release <case-id>`.",
    ].join("\n"),
  };
}

/** Publishes a notice; returns the message id. Errors propagate (the caller lets Lambda retry). */
export async function publish(sns: SNSClient, topicArn: string, notice: Notice): Promise<string> {
  const res = await sns.send(
    new PublishCommand({
      TopicArn: topicArn,
      Subject: notice.subject,
      Message: notice.message,
      MessageAttributes: { "ir:kind": { DataType: "String", StringValue: notice.kind } },
    }),
  );
  return res.MessageId ?? "";
}
