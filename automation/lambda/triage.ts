/**
 * Decides what an incoming event asks for: which findings name an EC2 instance at or above the
 * threshold (act on them, whether the finding is about the instance or its stolen role credentials), which do not (ignored, with the reason), or that the event is not a finding
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

/**
 * Why a finding names no EC2 instance to contain, or undefined when it names one. GuardDuty names one in
 * EC2 findings (`resourceType` Instance) and in IAM findings about an instance's role credentials
 * (`resourceType` AccessKey, e.g. InstanceCredentialExfiltration.OutsideAWS / .InsideAWS), which carry
 * the instance in `resource.instanceDetails`; an IAM user's key carries none. The same shapes as the
 * rule's pattern (components/auto-containment-pattern.ts), so a finding delivered some other way (a
 * Security Hub rule, a manual test invoke) is judged alike.
 */
function whyNoInstance(f: Obj): string | undefined {
  if (f.schemaVersion) {
    const type = f.resource?.resourceType;
    if (type === "Instance") return undefined;
    if (type === "AccessKey") {
      if (typeof f.resource?.instanceDetails?.instanceId === "string") return undefined;
      const key = f.resource?.accessKeyDetails ?? {};
      const who = [key.userType, key.userName].filter((x) => typeof x === "string").join(" ");
      return `the finding is about access key ${JSON.stringify(key.accessKeyId ?? "?")}${who ? ` of ${who}` : ""} (resourceType AccessKey) and names no EC2 instance (no resource.instanceDetails.instanceId): nothing to contain; deactivate or rotate the key (not done automatically)`;
    }
    return `the finding is about ${type ?? "no resource"}, not an EC2 instance`;
  }
  if (Array.isArray(f.Resources) && f.Resources.some((r: Obj) => r?.Type === "AwsEc2Instance"))
    return undefined;
  const types = (f.Resources ?? []).map((r: Obj) => r?.Type).join(", ");
  return `the finding is about ${types || "no resource"}, not an EC2 instance`;
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
    const noInstance = whyNoInstance(f);
    if (noInstance) {
      ignored.push({ findingId, reason: noInstance });
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
