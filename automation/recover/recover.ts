/**
 * `recover` as a library call (`ir recover <case-id>`): on a contained case, take the case's lock, pick
 * the known-good AMI, rebuild (launch-template version on the ASG and an instance refresh of what it
 * runs, or the workload's Pulumi stack), gate on healthy targets running that AMI, verify the evidence,
 * and only then terminate the compromised instance. Resumable:
 * a second run skips what verified, except the termination decision, which every run makes anew.
 */
import { knownGoodAmiParameter } from "../../facts/names";
import { TAG } from "../../facts/tags";
import type { AwsClients } from "../aws/clients";
import { checkCaseId } from "../case/ids";
import { recordsOf } from "../case/records";
import { planPlaybook } from "../engine/runner";
import type { EngineObserver, StepReport } from "../engine/types";
import { InputError } from "../input/targets";
import { instanceFactsOr, resumedCaseContext, runHeldPlaybook } from "../journal/held-case-run";
import { findCaseOrFail } from "../journal/hold-case";
import { type Journals, openJournals } from "../journal/open";
import { recoverPlaybook } from "../playbooks/recover";
import type { ResolvedSettings } from "../settings/settings";
import { describeMember } from "./asg-refresh";
import type { RecoverContext, RecoverOptions, SelectedAmi, TargetGroupHealth } from "./context";
import { LocalWorkloadStacks, type WorkloadStacks } from "./pulumi-workload";
import type { ReplaceRecord } from "./replace-step";
import { checkRequest, compromiseStart, forgetSkippedTermination } from "./request";
import { REFUSED } from "./terminate-step";

export interface RecoverRequest {
  caseId: string;
  settings: ResolvedSettings;
  clients: AwsClients;
  via: "asg" | "pulumi";
  /** Known-good AMI SSM parameter. @default /ir/known-good-ami/<the instance's ir:workload tag> */
  parameter?: string;
  /** ISO-8601 start of the compromise. @default the finding's first-seen time, else the case's opening */
  before?: string;
  /** Rebuild from this AMI instead of the newest known-good one (still refused if it is the compromised one). */
  ami?: string;
  allowAmi?: boolean;
  pulumi?: {
    workDir: string;
    stackName: string;
    amiConfigKey: string;
    stacks?: WorkloadStacks;
    onOutput?: (line: string) => void;
  };
  /** @default 600000 */
  healthTimeoutMs?: number;
  /** Poll interval of the health gate. @default 5000 */
  healthIntervalMs?: number;
  /** "ask" calls confirm(); "no" stops after the health gate. @default "ask" */
  terminate?: "yes" | "ask" | "no";
  confirm?: (question: string) => Promise<boolean>;
  dryRun?: boolean;
  observe?: EngineObserver;
  journals?: Journals;
}

export interface RecoverResult {
  caseId: string;
  status: "recovered" | "unhealthy" | "refused" | "planned" | "incomplete" | "busy" | "invalid" | "error";
  ami?: {
    imageId: string;
    parameter: string;
    version: number;
    publishedAt: string;
    /** When the AMI was deprecated (still launchable: deprecation only hides it from listings). */
    deprecatedAt?: string;
  };
  health?: TargetGroupHealth[];
  terminated?: boolean;
  /** The operator answered no when asked to terminate. */
  declined?: boolean;
  steps: StepReport[];
  notes: string[];
  error?: string;
}

const GOOD = new Set(["verified", "skipped"]);

export async function recover(req: RecoverRequest): Promise<RecoverResult> {
  const base = { caseId: req.caseId, steps: [] as StepReport[], notes: [] as string[] };
  try {
    return await recoverCase(req, base);
  } catch (err) {
    return {
      ...base,
      status: err instanceof InputError ? "invalid" : "error",
      error: (err as Error).message,
    };
  }
}

async function recoverCase(
  req: RecoverRequest,
  base: { caseId: string; steps: StepReport[]; notes: string[] },
): Promise<RecoverResult> {
  const caseId = checkCaseId(req.caseId);
  checkRequest(req);
  const journals = req.journals ?? openJournals(req.clients, req.settings);
  const found = await findCaseOrFail(journals, caseId, req.settings);
  const { meta, journal, entries } = found;
  if (entries.some((e) => e.stepId === "case" && e.event === "released"))
    throw new InputError(
      `case "${caseId}" was released: its instance is back in service; open a new case with ir respond if it is compromised`,
    );
  const records = recordsOf(entries);
  const original = instanceFactsOr(
    records,
    `case "${caseId}" recorded no original state: contain it first (ir respond)`,
  );
  const workload = original.tags?.[TAG.workload];
  const parameter = req.parameter ?? (workload ? knownGoodAmiParameter(workload) : undefined);
  if (!parameter && !req.ami)
    throw new InputError(
      `instance ${meta.instanceId} has no ${TAG.workload} tag: pass --parameter /ir/known-good-ami/<workload> (or --ami)`,
    );
  const start = compromiseStart(req, meta.source, meta.createdAt);
  base.notes.push(`compromise taken to begin at ${start.before.toISOString()} (${start.beforeSource})`);
  const recoverOptions: RecoverOptions = {
    via: req.via,
    parameter: parameter ?? "(none: --ami)",
    ...start,
    ...(req.ami ? { ami: req.ami } : {}),
    allowAmi: Boolean(req.allowAmi),
    ...(req.pulumi
      ? { pulumi: { ...req.pulumi, stacks: req.pulumi.stacks ?? new LocalWorkloadStacks() } }
      : {}),
    healthTimeoutMs: req.healthTimeoutMs ?? 600_000,
    healthIntervalMs: req.healthIntervalMs ?? 5_000,
    terminate: req.terminate ?? "ask",
    ...(req.confirm ? { confirm: req.confirm } : {}),
    journals,
  };
  const ctx: RecoverContext = {
    ...resumedCaseContext(req, { caseId, meta, records, original }),
    recover: recoverOptions,
    state: {},
  };
  const playbook = recoverPlaybook({ healthTimeoutMs: recoverOptions.healthTimeoutMs });
  if (req.dryRun) {
    const steps = await planPlaybook(playbook, ctx);
    return finish(ctx, base, steps, true);
  }
  // The health gate can outlast a lease: runHeldPlaybook renews it, and `signal` stops starting steps if
  // another run took over.
  const outcome = await runHeldPlaybook({
    journal,
    meta,
    caseId,
    leaseMs: req.settings.leaseMs,
    playbook: () => ({
      steps: playbook,
      ctx,
      history: forgetSkippedTermination(entries),
      ...(req.observe ? { observe: req.observe } : {}),
    }),
  });
  if (outcome.kind === "busy") return { ...base, status: "busy", error: outcome.message };
  if (outcome.kind === "failed")
    return { ...base, status: "error", steps: outcome.steps, error: outcome.message };
  return finish(ctx, base, outcome.steps, false);
}

function finish(
  ctx: RecoverContext,
  base: { caseId: string; notes: string[] },
  steps: StepReport[],
  dryRun: boolean,
): RecoverResult {
  const byId = new Map(steps.map((s) => [s.id, s]));
  const sel = ctx.records.get("recover-select-ami") as unknown as SelectedAmi | undefined;
  const notes = [...base.notes];
  if (sel) notes.push(`AMI ${sel.imageId}: ${sel.reason}`);
  if (sel?.deprecatedAt)
    notes.push(
      `AMI ${sel.imageId} is deprecated since ${sel.deprecatedAt}: still a candidate (deprecation hides an image from listings, it still launches)`,
    );
  const replaced = ctx.records.get("recover-replace") as unknown as ReplaceRecord | undefined;
  if (replaced?.before.length)
    notes.push(
      `members not on ${replaced.amiId} when recovery began: ${replaced.before.map(describeMember).join(", ")}` +
        (replaced.refresh ? `; instance refresh ${replaced.refresh.id} ${replaced.refresh.status}` : "") +
        (replaced.left.length
          ? `; left on another image: ${replaced.left.map((l) => `${l.instanceId}, ${l.why}`).join("; ")}`
          : ""),
    );
  if (sel?.missing.length)
    notes.push(
      `skipped versions whose AMI no longer exists: ${sel.missing.map((m) => m.imageId).join(", ")}`,
    );
  if (ctx.state.declined)
    notes.push(`termination not confirmed: ${ctx.instanceId} is still running, isolated`);
  const terminate = byId.get("terminate");
  let status: RecoverResult["status"];
  const failedDetail = steps.find((s) => !GOOD.has(s.status) && s.status !== "planned")?.detail;
  if (ctx.state.selectionRefused) status = "invalid";
  else if (dryRun) status = steps.some((s) => s.status === "failed") ? "error" : "planned";
  else if (
    byId.get("recover-health")?.status === "failed" ||
    byId.get("recover-health")?.status === "unverified"
  )
    status = "unhealthy";
  else if (terminate?.status === "refused" || terminate?.detail?.startsWith(REFUSED)) status = "refused";
  else if (steps.every((s) => GOOD.has(s.status))) status = "recovered";
  else status = "incomplete";
  const why: Partial<Record<RecoverResult["status"], string | undefined>> = {
    invalid: ctx.state.selectionRefused,
    unhealthy: byId.get("recover-health")?.detail,
    refused: terminate?.detail,
    incomplete: failedDetail,
    error: failedDetail,
  };
  const error = why[status];
  const evidence = ctx.records.get("recover-verify-evidence") as { ok?: boolean } | undefined;
  if (dryRun && evidence && !evidence.ok)
    notes.push(`the evidence does not verify now: terminate would be refused (ir verify ${ctx.caseId})`);
  return {
    caseId: ctx.caseId,
    status,
    ...(sel
      ? {
          ami: {
            imageId: sel.imageId,
            parameter: sel.parameter,
            version: sel.version,
            publishedAt: sel.publishedAt,
            ...(sel.deprecatedAt ? { deprecatedAt: sel.deprecatedAt } : {}),
          },
        }
      : {}),
    ...(ctx.state.health ? { health: ctx.state.health } : {}),
    // A terminate step verified by an earlier run (killed after it acted) did not run now: its
    // verification (the instance is gone) is what says the instance was terminated.
    terminated: Boolean(ctx.state.terminated) || terminate?.status === "verified",
    ...(ctx.state.declined ? { declined: true } : {}),
    steps,
    notes,
    ...(error ? { error } : {}),
  };
}
