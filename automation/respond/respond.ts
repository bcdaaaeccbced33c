/**
 * `respond` as a library call (the CLI, the Lambda handler and the game day all use it): for each target,
 * take the instance's lock while reading it, then run (or resume) the contain playbook, renewing the
 * lease while it works. One case per instance; a second run on the same instance reports the running
 * case instead of acting. `dryRun` plans instead: nothing is written anywhere.
 */
import { GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { once } from "../aws/batcher";
import type { AwsClients } from "../aws/clients";
import type { CaseContext, CaseOptions, InstanceFacts } from "../case/context";
import { Discovery } from "../case/discovery";
import { newCaseId, newRunId } from "../case/ids";
import { ContainmentGate } from "../engine/gate";
import { type EngineContext, planPlaybook, runPlaybook } from "../engine/runner";
import { withTimeout } from "../engine/timeout";
import type { EngineObserver, Json, StepReport } from "../engine/types";
import { InputError, type Target } from "../input/targets";
import type { CaseMeta } from "../journal/journal";
import { acquireCase, type Journals, openJournals } from "../journal/open";
import { CONTAINMENT_STEPS, containPlaybook, type PlaybookDeps, sharedDeps } from "../playbooks/contain";
import type { ResolvedSettings } from "../settings/settings";
import type { CollectLogsOptions } from "../steps/collect-logs";
import type { MemoryOptions } from "../steps/memory";
import type { SsmReachOptions } from "../steps/ssm-reach";

export const DEFAULT_OPTIONS: CaseOptions = {
  wholeRole: false,
  decrementCapacity: false,
  asgAction: "detach",
  dwellMs: 2000,
  memory: true,
};

/** Bound of the first round trip (lock and reads). */
const PREFLIGHT_TIMEOUT_MS = 120_000;

export type CaseStatus = "contained" | "incomplete" | "busy" | "invalid" | "planned" | "error";

export interface CaseResult {
  instanceId: string;
  region: string;
  caseId?: string;
  status: CaseStatus;
  resumed?: boolean;
  journal?: "dynamodb" | "local";
  notes: string[];
  steps: StepReport[];
  startedAt: string;
  endedAt: string;
  /** From the start to the moment every containment step had taken effect. */
  timeToContainmentMs?: number;
  heldBy?: string;
  error?: string;
}

export interface RespondRequest {
  targets: Target[];
  settings: ResolvedSettings;
  clients: AwsClients;
  options?: Partial<CaseOptions>;
  dryRun?: boolean;
  observe?: EngineObserver;
  memory?: MemoryOptions;
  /** Bounds of the log collection over SSM (tests shorten the polls). */
  collectLogs?: CollectLogsOptions;
  /** The SSM agent's reach probe (tests shorten its bound). */
  ssmReach?: SsmReachOptions;
  /** Identifies this run in locks (default: host, pid and random). */
  runId?: string;
  /** Tests: override journal location etc. */
  journals?: Journals;
}

interface RegionRun {
  clients: AwsClients;
  deps: PlaybookDeps;
  journals: Journals;
  operator: () => Promise<string | undefined>;
  /** Containment of every case in the region before any case's verifications and preservation. */
  gate: ContainmentGate;
}

/** Contains (or plans for) every target, in parallel; never throws for a target's failure. */
export async function respond(req: RespondRequest): Promise<CaseResult[]> {
  const runId = req.runId ?? newRunId();
  const options: CaseOptions = { ...DEFAULT_OPTIONS, ...req.options };
  const regions = new Map<string, RegionRun>();
  // One journal for every region: the baseline deploys the table in its home region only, so a case
  // about an instance in another region (a finding names its region) is journaled there too.
  const journals = req.journals ?? openJournals(req.clients, req.settings);
  const regionRun = (region: string): RegionRun => {
    let r = regions.get(region);
    if (!r) {
      const clients = req.clients.forRegion(region);
      r = {
        clients,
        deps: sharedDeps(new Discovery(clients), req.memory, req.collectLogs, req.ssmReach),
        journals,
        gate: new ContainmentGate(),
        operator: once(() =>
          clients.sts
            .send(new GetCallerIdentityCommand({}))
            .then((id) => id.Arn)
            .catch(() => undefined),
        ),
      };
      regions.set(region, r);
    }
    return r;
  };
  return Promise.all(
    req.targets.map((t) => {
      const region = t.region ?? req.settings.region;
      const run = regionRun(region);
      return req.dryRun
        ? planOne(t, region, run, req, options)
        : respondOne(t, region, run, req, options, runId);
    }),
  );
}

function baseContext(
  t: Target,
  run: RegionRun,
  req: RespondRequest,
  options: CaseOptions,
  caseId: string,
  preflight: InstanceFacts,
): CaseContext {
  const ctx: CaseContext & EngineContext = {
    caseId,
    records: new Map(),
    resumed: false,
    clients: run.clients,
    settings: { ...req.settings, region: run.clients.region },
    instanceId: t.instanceId,
    options,
    preflight,
    caseStartedAt: new Date().toISOString(),
  };
  return ctx;
}

async function planOne(
  t: Target,
  region: string,
  run: RegionRun,
  req: RespondRequest,
  options: CaseOptions,
): Promise<CaseResult> {
  const startedAt = new Date().toISOString();
  const base = { instanceId: t.instanceId, region, notes: [] as string[], startedAt };
  try {
    const preflight = await run.deps.discovery.facts(t.instanceId);
    const ctx = baseContext(t, run, req, options, "(planned)", preflight);
    const steps = await planPlaybook(containPlaybook(run.deps), ctx);
    const failed = steps.some((s) => s.status === "failed");
    return { ...base, status: failed ? "error" : "planned", steps, endedAt: new Date().toISOString() };
  } catch (err) {
    return failure(base, err);
  }
}

/**
 * A finding names its account: credentials for another account would report the instance as unknown
 * (or, worse, act on a same-id lookalike in a test account). Checked in the first round trip, before
 * anything changes. Unknown caller (no STS answer): the instance lookup decides.
 */
async function sameAccount(t: Target, operator: Promise<string | undefined>): Promise<void> {
  if (!t.accountId) return;
  const caller = (await operator)?.split(":")[4];
  if (caller && caller !== t.accountId)
    throw new InputError(
      `the finding is about account ${t.accountId} but the credentials are for account ${caller}: respond with credentials of account ${t.accountId} (AWS_PROFILE, or a role assumed there)`,
    );
}

function failure(
  base: { instanceId: string; region: string; notes: string[]; startedAt: string },
  err: unknown,
): CaseResult {
  return {
    ...base,
    status: err instanceof InputError ? "invalid" : "error",
    steps: [],
    endedAt: new Date().toISOString(),
    error: (err as Error).message,
  };
}

async function respondOne(
  t: Target,
  region: string,
  run: RegionRun,
  req: RespondRequest,
  options: CaseOptions,
  runId: string,
): Promise<CaseResult> {
  const started = Date.now();
  const startedAt = new Date(started).toISOString();
  const base = { instanceId: t.instanceId, region, notes: [] as string[], startedAt };
  const caseId = newCaseId();
  const meta: CaseMeta = {
    caseId,
    instanceId: t.instanceId,
    region,
    createdAt: startedAt,
    options: options as unknown as Json,
    source: t.source as unknown as Json,
    ...(t.accountId ? { accountId: t.accountId } : {}),
  };
  // Round trip 1: the lock and the reads (and the caller identity, for the manifest) go out together.
  const operator = run.operator();
  const [factsResult, lockResult] = await Promise.allSettled([
    withTimeout(
      // Both in this round trip; a wrong account wins over "instance not found".
      Promise.allSettled([sameAccount(t, operator), run.deps.discovery.facts(t.instanceId)]).then(
        ([account, facts]) => {
          if (account.status === "rejected") throw account.reason;
          if (facts.status === "rejected") throw facts.reason;
          return facts.value;
        },
      ),
      PREFLIGHT_TIMEOUT_MS,
      `reading instance "${t.instanceId}"`,
    ),
    withTimeout(
      acquireCase(run.journals, meta, runId, req.settings.leaseMs),
      PREFLIGHT_TIMEOUT_MS,
      "taking the case lock",
    ),
  ]);
  if (lockResult.status === "rejected") return failure(base, lockResult.reason);
  const { journal, result, fallback } = lockResult.value;
  if (fallback) base.notes.push(fallback);
  if (!result.acquired) {
    return {
      ...base,
      caseId: result.caseId,
      status: "busy",
      journal: journal.kind,
      heldBy: result.heldBy,
      steps: [],
      endedAt: new Date().toISOString(),
      error: `instance "${t.instanceId}" is being handled by case ${result.caseId} (run ${result.heldBy}, lease until ${result.leaseUntil}): follow it with \`ir status ${result.caseId}\``,
    };
  }
  if (factsResult.status === "rejected") {
    // Bad input: undo the case this run just opened, so nothing is left behind.
    if (!result.resumed) await journal.abandon(t.instanceId, result.caseId).catch(() => undefined);
    else await journal.releaseLease(t.instanceId, runId).catch(() => undefined);
    return { ...failure(base, factsResult.reason), journal: journal.kind };
  }
  const activeCaseId = result.caseId;
  let history = undefined as Awaited<ReturnType<typeof journal.readCase>>;
  let caseOptions = options;
  if (result.resumed) {
    history = await journal.readCase(activeCaseId);
    caseOptions = { ...options, ...((history?.meta.options as unknown as Partial<CaseOptions>) ?? {}) };
    base.notes.push(`resumed case ${activeCaseId} (opened ${history?.meta.createdAt})`);
  }
  const ctx = baseContext(t, run, req, caseOptions, activeCaseId, factsResult.value);
  ctx.resumed = result.resumed;
  if (history) ctx.caseStartedAt = history.meta.createdAt;
  // The operator's identity is read beside everything else; the manifest waits for it, nothing else.
  operator.then((arn) => {
    if (arn) ctx.operator = arn;
  });
  const abort = new AbortController();
  const renewEvery = Math.max(200, Math.floor(req.settings.leaseMs / 3));
  const timer = setInterval(() => {
    journal.renew(t.instanceId, runId, req.settings.leaseMs).then(
      (ok) => {
        if (!ok) abort.abort();
      },
      () => undefined,
    );
  }, renewEvery);
  timer.unref();
  const ranAt = new Map<string, number>();
  const observe: EngineObserver = (e) => {
    if (e.type === "step-ran") ranAt.set(e.stepId, e.at);
    if (e.type === "step-finished" && e.report.resumed) ranAt.set(e.stepId, e.at);
    req.observe?.(e);
  };
  let steps: StepReport[];
  try {
    steps = await runPlaybook({
      steps: containPlaybook(run.deps),
      ctx,
      journal,
      history: history?.entries ?? [],
      observe,
      signal: abort.signal,
      gate: run.gate,
    });
  } catch (err) {
    clearInterval(timer);
    const reports = (err as { reports?: StepReport[] }).reports ?? [];
    return {
      ...base,
      caseId: activeCaseId,
      status: "error",
      journal: journal.kind,
      steps: reports,
      endedAt: new Date().toISOString(),
      error: (err as Error).message,
    };
  } finally {
    clearInterval(timer);
  }
  await journal.releaseLease(t.instanceId, runId).catch(() => undefined);
  const containment = steps.filter((s) => CONTAINMENT_STEPS.includes(s.id));
  const contained = containment.every((s) => s.status === "verified" || s.status === "skipped");
  const allGood = steps.every((s) => s.status === "verified" || s.status === "skipped");
  const times = containment.map((s) => ranAt.get(s.id) ?? 0);
  return {
    ...base,
    caseId: activeCaseId,
    status: allGood ? "contained" : "incomplete",
    resumed: result.resumed,
    journal: journal.kind,
    steps,
    endedAt: new Date().toISOString(),
    ...(contained && times.every((x) => x > 0) ? { timeToContainmentMs: Math.max(...times) - started } : {}),
  };
}
