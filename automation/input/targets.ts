/**
 * What `ir respond` acts on: instance ids, or finding files (GuardDuty bare or in its EventBridge
 * envelope, Security Hub ASFF bare, in a BatchImportFindings-style list or in its envelope). Parsing is
 * pure: bad input is reported before any AWS call, naming the value and the fix.
 */
import { existsSync, readFileSync, statSync } from "node:fs";

export const INSTANCE_ID = /^i-(?:[0-9a-f]{8}|[0-9a-f]{17})$/;

export interface Target {
  instanceId: string;
  /** Region named by the finding (else the settings' region). */
  region?: string;
  accountId?: string;
  /** Where the target came from. */
  source: {
    kind: "argument" | "guardduty" | "securityhub";
    file?: string;
    findingId?: string;
    type?: string;
    severity?: number;
    firstSeen?: string;
    lastSeen?: string;
    /**
     * The finding itself, kept in the case header for `ir analyze` (its remote addresses and times);
     * left out above MAX_KEPT_FINDING_BYTES of JSON, which `ir analyze` then reports.
     */
    finding?: unknown;
  };
}

/** Findings are a few KB; the cap keeps the case header far below DynamoDB's 400 KB item limit. */
export const MAX_KEPT_FINDING_BYTES = 64 * 1024;
const kept = (f: unknown) => (JSON.stringify(f).length <= MAX_KEPT_FINDING_BYTES ? { finding: f } : {});

export class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InputError";
  }
}

export function checkInstanceId(value: string): string {
  if (!INSTANCE_ID.test(value)) {
    throw new InputError(`instance id "${value}" is not valid: expected i- followed by 8 or 17 hex digits`);
  }
  return value;
}

const MAX_FINDING_BYTES = 5 * 1024 * 1024;
type Obj = Record<string, any>;

function fromGuardDuty(f: Obj, file: string): Target[] {
  // Instance findings, and IAM findings about an instance's role credentials (resourceType "AccessKey",
  // e.g. InstanceCredentialExfiltration), both name the instance in resource.instanceDetails.
  const id = f.resource?.instanceDetails?.instanceId;
  if (typeof id !== "string") {
    throw new InputError(
      `finding "${f.id ?? "?"}" in "${file}" (${f.type ?? "unknown type"}) names no EC2 instance: resource.resourceType is "${f.resource?.resourceType ?? "missing"}"; pass the instance id instead`,
    );
  }
  checkInstanceId(id);
  return [
    {
      instanceId: id,
      ...(typeof f.region === "string" ? { region: f.region } : {}),
      ...(typeof f.accountId === "string" ? { accountId: f.accountId } : {}),
      source: {
        kind: "guardduty",
        file,
        findingId: f.id,
        type: f.type,
        ...(typeof f.severity === "number" ? { severity: f.severity } : {}),
        ...(f.service?.eventFirstSeen ? { firstSeen: f.service.eventFirstSeen } : {}),
        ...(f.service?.eventLastSeen ? { lastSeen: f.service.eventLastSeen } : {}),
        ...kept(f),
      },
    },
  ];
}

function fromAsff(f: Obj, file: string): Target[] {
  const out: Target[] = [];
  for (const r of Array.isArray(f.Resources) ? f.Resources : []) {
    if (r?.Type !== "AwsEc2Instance") continue;
    const m = /^arn:aws[\w-]*:ec2:([\w-]+):(\d{12}):instance\/(i-[0-9a-f]+)$/.exec(String(r.Id ?? ""));
    const id = m ? m[3]! : String(r.Id ?? "");
    checkInstanceId(id);
    out.push({
      instanceId: id,
      region: r.Region ?? m?.[1] ?? f.Region,
      accountId: m?.[2] ?? f.AwsAccountId,
      source: {
        kind: "securityhub",
        file,
        findingId: f.Id,
        type: Array.isArray(f.Types) ? f.Types[0] : undefined,
        ...(typeof f.Severity?.Normalized === "number" ? { severity: f.Severity.Normalized } : {}),
        ...(f.FirstObservedAt ? { firstSeen: f.FirstObservedAt } : {}),
        ...(f.LastObservedAt ? { lastSeen: f.LastObservedAt } : {}),
        ...kept(f),
      },
    });
  }
  if (out.length === 0) {
    throw new InputError(
      `finding "${f.Id ?? "?"}" in "${file}" names no EC2 instance (no resource of type AwsEc2Instance)`,
    );
  }
  return out;
}

/** Lists and envelopes a real export nests (a list of envelopes of a list of findings) fit well within. */
const MAX_NESTING = 8;

/** Targets named by one parsed finding document. */
export function targetsFromFinding(doc: unknown, file = "<finding>", depth = 0): Target[] {
  if (depth > MAX_NESTING) {
    throw new InputError(
      `"${file}" nests lists or envelopes more than ${MAX_NESTING} deep: expected a finding, a list of findings or one EventBridge envelope`,
    );
  }
  if (Array.isArray(doc)) return doc.flatMap((d) => targetsFromFinding(d, file, depth + 1));
  if (!doc || typeof doc !== "object") {
    throw new InputError(
      `"${file}" holds ${JSON.stringify(doc)?.slice(0, 40)}, not a finding: expected a GuardDuty or Security Hub finding object`,
    );
  }
  const d = doc as Obj;
  if (d.detail && typeof d.detail === "object" && typeof d.source === "string") {
    if (Array.isArray(d.detail.findings)) return targetsFromFinding(d.detail.findings, file, depth + 1);
    return targetsFromFinding(d.detail, file, depth + 1);
  }
  if (Array.isArray(d.Findings)) return targetsFromFinding(d.Findings, file, depth + 1);
  if (d.SchemaVersion && Array.isArray(d.Resources)) return fromAsff(d, file);
  if (d.schemaVersion && d.resource) return fromGuardDuty(d, file);
  throw new InputError(
    `"${file}" is JSON but not a finding this tool knows: expected a GuardDuty finding (schemaVersion, resource), its EventBridge event (source, detail) or a Security Hub ASFF finding (SchemaVersion, Resources)`,
  );
}

export function readFindingFile(path: string): Target[] {
  const size = statSync(path).size;
  if (size > MAX_FINDING_BYTES) {
    throw new InputError(
      `finding file "${path}" is ${size} bytes: larger than the ${MAX_FINDING_BYTES}-byte limit for a finding`,
    );
  }
  const text = readFileSync(path, "utf8");
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new InputError(
      `finding file "${path}" is not valid JSON (${(err as Error).message}): export the finding as JSON`,
    );
  }
  const targets = targetsFromFinding(doc, path);
  if (targets.length === 0) {
    throw new InputError(
      `finding file "${path}" names no finding (an empty list): export the finding itself, its EventBridge event or a Security Hub import with findings`,
    );
  }
  return targets;
}

/**
 * Turns command-line arguments into targets: each is an instance id or a finding file. Duplicates are
 * merged; a region named by a finding must match an explicit --region.
 */
export function parseTargets(args: readonly string[], explicitRegion?: string): Target[] {
  if (args.length === 0)
    throw new InputError("no target given: pass an instance id (i-...) or a finding file");
  const targets: Target[] = [];
  for (const arg of args) {
    if (arg.startsWith("i-") && !existsSync(arg)) {
      targets.push({ instanceId: checkInstanceId(arg), source: { kind: "argument" } });
    } else if (existsSync(arg) && statSync(arg).isFile()) {
      targets.push(...readFindingFile(arg));
    } else {
      throw new InputError(
        `target "${arg}" is neither an instance id (i- followed by 8 or 17 hex digits) nor a readable finding file`,
      );
    }
  }
  const seen = new Map<string, Target>();
  for (const t of targets) {
    if (explicitRegion && t.region && t.region !== explicitRegion) {
      throw new InputError(
        `instance "${t.instanceId}" is in region "${t.region}" according to ${t.source.file ?? "its finding"}, but --region is "${explicitRegion}": drop --region or pass --region ${t.region}`,
      );
    }
    if (!seen.has(t.instanceId)) seen.set(t.instanceId, t);
  }
  return [...seen.values()];
}
