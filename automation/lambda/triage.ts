/**
 * Decides what an incoming event asks for: which findings name an EC2 instance at or above the
 * threshold (act on them), which do not (ignored, with the reason), or that the event is not a finding
 * at all (rejected, with the reason). Pure: no AWS call, nothing thrown for a bad event.
 */
import { InputError, type Target, targetsFromFinding } from "../input/targets";

type Obj = Record<string, any>;

export interface Ignored {
  findingId: string;
  reason: string;
}

export type Triage =
  | { kind: "rejected"; reason: string }
  | { kind: "findings"; targets: Target[]; ignored: Ignored[] };

const isObj = (v: unknown): v is Obj => Boolean(v) && typeof v === "object" && !Array.isArray(v);

/** The findings an event carries: GuardDuty (bare or in its EventBridge envelope) or Security Hub. */
function findingsOf(event: unknown): { findings: Obj[] } | { reason: string } {
  if (!isObj(event))
    return { reason: `event is ${JSON.stringify(event)?.slice(0, 40) ?? "undefined"}, not an object` };
  if (typeof event.source === "string" && "detail" in event) {
    if (event.source === "aws.guardduty" && isObj(event.detail)) return { findings: [event.detail] };
    if (event.source === "aws.securityhub" && isObj(event.detail) && Array.isArray(event.detail.findings))
      return { findings: event.detail.findings.filter(isObj) };
    return {
      reason: `event from "${event.source}" (${JSON.stringify(event["detail-type"] ?? null)}) is not a GuardDuty finding or Security Hub findings event: point only those rules at this function`,
    };
  }
  if (event.schemaVersion && isObj(event.resource)) return { findings: [event] };
  if (event.SchemaVersion && Array.isArray(event.Resources)) return { findings: [event] };
  return {
    reason:
      "event is not a finding: expected a GuardDuty finding event (source aws.guardduty, detail) or a Security Hub findings event (source aws.securityhub, detail.findings)",
  };
}

/**
 * Severity on GuardDuty's scale (1–8.9). Security Hub's normalized severity (0–100) is divided by 10:
 * Security Hub maps GuardDuty high (7.0–8.9) to 70–89, so one threshold serves both.
 */
export function severityOf(f: Obj): number | undefined {
  if (typeof f.severity === "number") return f.severity;
  const normalized = f.Severity?.Normalized;
  if (typeof normalized === "number") return normalized / 10;
  const label = f.Severity?.Label;
  const byLabel: Record<string, number> = { LOW: 1, MEDIUM: 4, HIGH: 7, CRITICAL: 9 };
  return typeof label === "string" ? byLabel[label] : undefined;
}

function namesEc2Instance(f: Obj): boolean {
  if (f.schemaVersion) return f.resource?.resourceType === "Instance";
  return Array.isArray(f.Resources) && f.Resources.some((r: Obj) => r?.Type === "AwsEc2Instance");
}

export function triage(event: unknown, minSeverity: number): Triage {
  const found = findingsOf(event);
  if ("reason" in found) return { kind: "rejected", reason: found.reason };
  if (found.findings.length === 0)
    return { kind: "rejected", reason: "the Security Hub event carries no findings" };
  const targets: Target[] = [];
  const ignored: Ignored[] = [];
  for (const f of found.findings) {
    const findingId = String(f.id ?? f.Id ?? "?");
    const severity = severityOf(f);
    if (severity === undefined) {
      ignored.push({ findingId, reason: "the finding has no severity: not acted on automatically" });
      continue;
    }
    if (severity < minSeverity) {
      ignored.push({
        findingId,
        reason: `severity ${severity} is below the auto-containment threshold ${minSeverity}`,
      });
      continue;
    }
    if (!namesEc2Instance(f)) {
      const what = f.resource?.resourceType ?? (f.Resources ?? []).map((r: Obj) => r?.Type).join(", ");
      ignored.push({
        findingId,
        reason: `the finding is about ${what || "no resource"}, not an EC2 instance`,
      });
      continue;
    }
    try {
      targets.push(...targetsFromFinding(f, `finding ${findingId}`));
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      return { kind: "rejected", reason: err.message };
    }
  }
  // One case per instance: a Security Hub event can name the same instance twice.
  const unique = [...new Map(targets.map((t) => [t.instanceId, t])).values()];
  return { kind: "findings", targets: unique, ignored };
}
