/**
 * `ir investigate` as a library call: a forensic workstation for an existing case (launched from the
 * forensic AMI in the forensic VPC, in the AZ of the case's volumes, with the SSM-only profile), the
 * case snapshots copied under the incident key and made into volumes attached to it and mounted
 * read-only over SSM; every action journaled in the case. A key that does not let EBS copy a snapshot
 * for the responder is named, with the key-policy statement to add, before anything changes. A second
 * call reuses the running workstation. `stopInvestigation` tears it down and keeps snapshots and copies.
 */
import { GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import type { AwsClients } from "../aws/clients";
import { planPlaybook } from "../engine/runner";
import type { EngineObserver, StepReport } from "../engine/types";
import { InputError } from "../input/targets";
import { allVerified } from "../journal/held-case-run";
import type { Journals } from "../journal/open";
import type { ResolvedSettings } from "../settings/settings";
import { openCase, requireSnapshots, runOnCase } from "./case";
import {
  type AttachRecord,
  type InvestigateContext,
  type LaunchRecord,
  MOUNT_ROOT,
  type MountTiming,
  recordOf,
} from "./context";
import { COPY_STEP } from "./copy";
import { keyProblemMessage, keyProblems } from "./key-access";
import { type KeyUser, principalOf } from "./key-policy";
import { LAUNCH_STEP, reusableWorkstation } from "./launch";
import { copiesBySource, findCopies } from "./lookup";
import { MOUNT_STEP } from "./mount";
import { resolvePlacement } from "./placement";
import { investigatePlaybook } from "./playbook";
import { requireForensic } from "./settings";
import { ATTACH_STEP } from "./volumes";

export { type StopResult, stopInvestigation } from "./stop";

export interface InvestigateRequest {
  caseId: string;
  settings: ResolvedSettings;
  clients: AwsClients;
  /** `ir:owner` of a new workstation. @default the caller identity ARN */
  owner?: string;
  /** Hours until `ir:expires-at` (ISO UTC); `ir status` reports the workstation after that. @default 24 */
  ttlHours?: number;
  /** @default "t3.large" */
  instanceType?: string;
  dryRun?: boolean;
  observe?: EngineObserver;
  journals?: Journals;
  /** Bounds of the mount over SSM (tests shorten them). */
  mountTiming?: Partial<MountTiming>;
}

export interface Workstation {
  instanceId: string;
  availabilityZone: string;
  owner: string;
  expiresAt: string;
  /**
   * `snapshotId`: the case snapshot; `fromSnapshotId`: what the volume was made from (its copy under the
   * incident key, or the snapshot itself without one).
   */
  volumes: {
    volumeId: string;
    snapshotId: string;
    fromSnapshotId?: string;
    device: string;
    mountPoint: string;
  }[];
  mounted: boolean;
}

export interface InvestigateResult {
  caseId: string;
  status: "ready" | "reused" | "planned" | "incomplete" | "busy" | "error";
  workstation?: Workstation;
  steps: StepReport[];
  notes: string[];
  error?: string;
}

export const DEFAULT_TTL_HOURS = 24;
export const MAX_TTL_HOURS = 720;
const DEFAULT_INSTANCE_TYPE = "t3.large";

export function checkTtl(value: number | undefined): number {
  if (value === undefined) return DEFAULT_TTL_HOURS;
  if (!Number.isInteger(value) || value < 1 || value > MAX_TTL_HOURS)
    throw new InputError(
      `ttl "${value}" is not valid: expected whole hours from 1 to ${MAX_TTL_HOURS} (default ${DEFAULT_TTL_HOURS})`,
    );
  return value;
}

function checkOwner(value: string): string {
  // EC2 tag values: up to 256 characters of letters, digits, spaces and _ . : / = + - @
  if (!/^[\p{L}\p{N} _.:/=+\-@]{1,256}$/u.test(value))
    throw new InputError(
      `owner "${value}" is not valid: expected up to 256 letters, digits, spaces or _ . : / = + - @ (e.g. an email or an ARN)`,
    );
  return value;
}

function checkInstanceType(value: string): string {
  if (!/^[a-z][a-z0-9-]*\.[a-z0-9]+$/.test(value))
    throw new InputError(`instance type "${value}" is not valid: expected a type such as t3.large`);
  return value;
}

/** ISO-8601 UTC, whole seconds. */
export const isoSeconds = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");

function workstationOf(ctx: InvestigateContext, steps: StepReport[]): Workstation | undefined {
  const launch = recordOf<LaunchRecord>(ctx, LAUNCH_STEP);
  if (!launch) return undefined;
  const attached = recordOf<AttachRecord>(ctx, ATTACH_STEP)?.volumes ?? [];
  return {
    instanceId: launch.instanceId,
    availabilityZone: launch.availabilityZone,
    owner: launch.owner,
    expiresAt: launch.expiresAt,
    volumes: attached.map((v) => ({ ...v, mountPoint: `${MOUNT_ROOT}/${v.volumeId}` })),
    mounted: steps.find((s) => s.id === MOUNT_STEP)?.status === "verified",
  };
}

export async function investigate(req: InvestigateRequest): Promise<InvestigateResult> {
  // Bad input first, before any read of the account: nothing is touched for a malformed request.
  const forensic = requireForensic(req.settings);
  const ttlHours = checkTtl(req.ttlHours);
  const instanceType = checkInstanceType(req.instanceType ?? DEFAULT_INSTANCE_TYPE);
  if (req.owner !== undefined) checkOwner(req.owner);
  const c = await openCase(req);
  requireSnapshots(c);
  const clients = req.clients.forRegion(c.region);
  const [{ placement, notes }, caller] = await Promise.all([
    resolvePlacement(clients, forensic, c.facts, c.snapshots),
    clients.sts.send(new GetCallerIdentityCommand({})),
  ]);
  const owner = req.owner ?? checkOwner(caller.Arn ?? "unknown");
  const who: KeyUser = {
    accountId: caller.Account ?? "",
    principalArn: principalOf(caller.Arn ?? ""),
    region: c.region,
  };
  const incidentKeyArn = req.settings.evidenceKmsKeyArn || undefined;
  if (incidentKeyArn) {
    // Before anything changes: a key EBS may not use for the responder stops here, named.
    const copied = copiesBySource(await findCopies(clients.ec2, c.caseId, COPY_STEP));
    const toCopy = c.snapshots.filter((s) => !copied.has(s.snapshotId));
    const problems = await keyProblems(clients, incidentKeyArn, toCopy, who);
    if (problems.length > 0)
      return {
        caseId: c.caseId,
        status: "error",
        steps: [],
        notes: [...notes, ...problems.flatMap((p) => p.notes)],
        error: keyProblemMessage(c.caseId, problems),
      };
  }
  const timing: MountTiming = { timeoutMs: 600_000, pollMs: 5_000, ...req.mountTiming };
  const ctx: InvestigateContext = {
    caseId: c.caseId,
    // Records of earlier investigations are history: this run looks at the world by tag.
    records: new Map([...c.records].filter(([id]) => !id.startsWith("investigate"))),
    resumed: true,
    clients,
    settings: { ...req.settings, region: c.region },
    instanceId: c.instanceId,
    snapshots: c.snapshots,
    placement,
    owner,
    expiresAt: isoSeconds(Date.now() + ttlHours * 3_600_000),
    instanceType,
    mount: timing,
    runId: "plan",
    ...(incidentKeyArn ? { incidentKeyArn } : {}),
    who,
  };
  const playbook = investigatePlaybook(timing);
  if (req.dryRun) {
    const existing = await reusableWorkstation(ctx).catch(() => undefined);
    if (existing) notes.push(`would reuse workstation ${existing.InstanceId} of the case`);
    return { caseId: c.caseId, status: "planned", steps: await planPlaybook(playbook, ctx), notes };
  }
  const outcome = await runOnCase(c, req.settings.leaseMs, (runId) => {
    ctx.runId = runId;
    // No history: every step checks the world by tag instead of trusting an earlier run, so a
    // workstation torn down (or terminated by hand) since is launched again, a running one reused.
    return { steps: playbook, ctx, history: [], ...(req.observe ? { observe: req.observe } : {}) };
  });
  if (outcome.kind === "busy")
    return { caseId: c.caseId, status: "busy", steps: [], notes, error: outcome.message };
  const { steps } = outcome;
  const workstation = workstationOf(ctx, steps);
  const base = { caseId: c.caseId, steps, notes, ...(workstation ? { workstation } : {}) };
  if (outcome.kind === "failed") return { ...base, status: "error", error: outcome.message };
  if (!allVerified(steps)) {
    const bad = steps.find((s) => s.status !== "verified" && s.status !== "skipped")!;
    return { ...base, status: "incomplete", error: `${bad.id} ${bad.status}: ${bad.detail ?? ""}`.trim() };
  }
  return { ...base, status: recordOf<LaunchRecord>(ctx, LAUNCH_STEP)?.reused ? "reused" : "ready" };
}
