/**
 * The step engine: runs a playbook's steps as soon as the steps they come after have run (independent
 * steps in parallel), journals every transition, resumes a case by skipping verified steps, bounds every
 * run and verification, and refuses destructive steps until every evidence step verified.
 */
import { backoffMs, DEFAULT_RETRY, isTransientFailure, sleep } from "../aws/retry";
import type { JournalEntry } from "../journal/chain";
import type { Journal } from "../journal/journal";
import { withCrashHook } from "./crash-hook";
import type { ContainmentGate } from "./gate";
import { withTimeout } from "./timeout";
import type { EngineObserver, Json, PlannedChange, RunResult, Step, StepReport, VerifyResult } from "./types";

/** What the context of every step carries; playbooks extend it. */
export interface EngineContext {
  caseId: string;
  /** Records of steps that ran (this run or an earlier one): steps read their inputs here. */
  records: Map<string, Json | undefined>;
  /** True when this run continues a case an earlier run started. */
  resumed: boolean;
}

export interface RunOptions<C extends EngineContext> {
  steps: readonly Step<C>[];
  ctx: C;
  journal: Journal;
  /** Entries of the case so far (resume). */
  history?: readonly JournalEntry[];
  observe?: EngineObserver;
  /** Aborted when the lease is lost: no step starts after that. */
  signal?: AbortSignal;
  /** Shared by the cases of one response: their non-containment work waits for every case's containment. */
  gate?: ContainmentGate;
}

const DEFAULT_RUN_TIMEOUT = 120_000;
/**
 * Five, not three: a step whose run makes k one-shot mutations (no client token the emulator honours,
 * so the client never retries their 5xx or reset) fails an attempt with about 1-(1-f)^k, f the share of
 * requests that fail that way. In the CI chaos run f is 13% (20% faults, two thirds of them 5xx or
 * resets; the client absorbs throttles and latency), so three attempts left about 0.2% of such step runs
 * failed, and a lifecycle has a dozen: CI met it (investigate-launch, three 503s in a row). Five make it
 * about 0.004%; the backoff between them stays under 7.5 s in all.
 */
const DEFAULT_RUN_ATTEMPTS = 5;

const DEFAULT_VERIFY_TIMEOUT = 30_000;

/** The last state of each step in a journal: "verified", "ran" (with its record), "started"... */
export function stepStates(history: readonly JournalEntry[]) {
  const states = new Map<string, { event: string; data?: Json; record?: Json; skipped?: boolean }>();
  for (const e of history) {
    const prev = states.get(e.stepId);
    const ran = e.event === "ran" || e.event === "skipped";
    states.set(e.stepId, {
      event: e.event,
      data: e.data,
      record: ran ? (e.data as { record?: Json } | undefined)?.record : prev?.record,
      skipped: e.event === "skipped" ? true : e.event === "verified" ? prev?.skipped : false,
    });
  }
  return states;
}

/** Every step this one waits for: the ones it needs and the ones it merely comes after. */
export function predecessors<C>(step: Step<C>): string[] {
  return [...(step.needs ?? []), ...(step.after ?? [])];
}

function checkPlaybook<C>(steps: readonly Step<C>[]) {
  const ids = new Set<string>();
  for (const step of steps) {
    for (const dep of predecessors(step)) {
      if (!ids.has(dep))
        throw new Error(`step "${step.id}" comes after "${dep}", which is not earlier in the playbook`);
    }
    if (ids.has(step.id)) throw new Error(`step id "${step.id}" appears twice in the playbook`);
    ids.add(step.id);
  }
}

/**
 * Verifies until it holds or the step's verify timeout; a step with `reapply` re-applies its change after
 * a failed check (bounded), so a state something else undid is restored rather than reported.
 */
async function verifyBounded<C>(
  step: Step<C>,
  ctx: C,
  record: Json | undefined,
  onReapply?: (detail: string | undefined) => void,
): Promise<VerifyResult> {
  const deadline = Date.now() + (step.verifyTimeoutMs ?? DEFAULT_VERIFY_TIMEOUT);
  const interval = step.verifyIntervalMs ?? 250;
  const bounded = <T>(p: Promise<T>, what: string) =>
    withTimeout(p, Math.max(1, deadline - Date.now()), `${what} ${step.id}`);
  let failed = 0;
  let reapplied = 0;
  for (;;) {
    const last: VerifyResult = await bounded(step.verify(ctx, record), "verify").catch((err) => ({
      ok: false,
      detail: (err as Error).message,
    }));
    if (last.ok || last.settled || Date.now() + interval >= deadline) return last;
    // The first failed check may be eventual consistency; the next one means the change was undone (or
    // never took): re-apply it (idempotent), bounded, then look again.
    if (++failed >= 2 && onReapply && step.reapply && reapplied < (step.reapplyLimit ?? 2)) {
      reapplied++;
      onReapply(last.detail);
      await bounded(step.reapply(ctx, record), "reapply").catch(() => {
        // The next check reports what is still wrong.
      });
    }
    await new Promise((r) => setTimeout(r, interval));
  }
}

/** Runs (or resumes) a playbook; resolves with one report per step, never rejects for a step failure. */
export async function runPlaybook<C extends EngineContext>(options: RunOptions<C>): Promise<StepReport[]> {
  const { steps, ctx, journal, observe, signal } = withCrashHook(options); // inert unless NODE_ENV=test
  checkPlaybook(steps);
  const prior = stepStates(options.history ?? []);
  const reports = new Map<string, StepReport>();
  /** Resolves true when the step's run finished (done or skipped), false when it cannot be relied on. */
  const ran = new Map<string, Promise<boolean>>();
  /** Resolves true when the step verified. */
  const verified = new Map<string, Promise<boolean>>();
  const evidenceIds = steps.filter((s) => s.purpose === "evidence").map((s) => s.id);
  /** Resolves when a durable step's record is in the journal (at once for other steps). */
  const recorded = new Map<string, Promise<void>>();
  const byId = new Map(steps.map((s) => [s.id, s]));
  const ancestors = (id: string, seen = new Set<string>()): Set<string> => {
    const step = byId.get(id);
    for (const d of step ? predecessors(step) : []) {
      if (!seen.has(d)) {
        seen.add(d);
        ancestors(d, seen);
      }
    }
    return seen;
  };
  const journalErrors: unknown[] = [];
  let leaseLost = false;
  const note = (stepId: string, event: string, data?: Json, durable = false): Promise<void> => {
    const p = journal.append(ctx.caseId, stepId, event, data).then(
      () => undefined,
      (err) => {
        journalErrors.push(err);
        if ((err as Error)?.name === "LeaseLostError") leaseLost = true;
      },
    );
    return durable ? p : Promise.resolve();
  };

  // Containment first: steps that containment does not need, and every verification, wait until the
  // containment steps have run, so they never compete with them for round trips or API rate limits.
  const critical = new Set<string>();
  for (const s of steps) {
    if (s.purpose === "containment" || s.schedule === "with-containment") {
      critical.add(s.id);
      for (const a of ancestors(s.id)) critical.add(a);
    }
  }
  for (const s of steps) {
    if (s.schedule === "after-containment" && critical.has(s.id))
      throw new Error(`step "${s.id}" is scheduled after containment, but a containment step comes after it`);
  }
  let containmentRan: Promise<unknown> = Promise.resolve();
  // This case's containment, then (with a gate) every other case's of the same response.
  const afterContainment = async () => {
    await containmentRan;
    await options.gate?.passed();
  };

  for (const step of steps) {
    let markRan!: (ok: boolean) => void;
    let markVerified!: (ok: boolean) => void;
    let markRecorded!: () => void;
    recorded.set(step.id, new Promise((r) => (markRecorded = r)));
    ran.set(step.id, new Promise((r) => (markRan = r)));
    verified.set(step.id, new Promise((r) => (markVerified = r)));
    const finish = (report: StepReport, ranOk: boolean, verifiedOk: boolean) => {
      markRecorded();
      reports.set(step.id, report);
      markRan(ranOk);
      markVerified(verifiedOk);
      observe?.({ type: "step-finished", caseId: ctx.caseId, stepId: step.id, at: Date.now(), report });
    };

    void (async () => {
      const base: StepReport = { id: step.id, title: step.title, status: "pending" };
      const needed = step.needs ?? [];
      const [deps] = await Promise.all([
        Promise.all(needed.map((d) => ran.get(d)!)),
        Promise.all((step.after ?? []).map((d) => ran.get(d)!)),
      ]);
      if (deps.some((ok) => !ok)) {
        const failedDeps = needed.filter((_, i) => !deps[i]);
        await note(step.id, "blocked", { by: failedDeps });
        return finish(
          { ...base, status: "blocked", detail: `blocked by ${failedDeps.join(", ")}` },
          false,
          false,
        );
      }
      // A step that changes the target waits until the original state it may destroy is journaled.
      if ((step.effect ?? "target") === "target") {
        await Promise.all(
          [...ancestors(step.id)]
            .filter((id) => byId.get(id)?.recordsOriginalState)
            .map((id) => recorded.get(id)!),
        );
      }
      if (step.purpose === "destructive") {
        const ev = await Promise.all(evidenceIds.map((id) => verified.get(id)!));
        const missing = evidenceIds.filter((_, i) => !ev[i]);
        if (missing.length > 0) {
          await note(step.id, "refused", { unverifiedEvidence: missing }, true);
          return finish(
            { ...base, status: "refused", detail: `refused: evidence not verified (${missing.join(", ")})` },
            false,
            false,
          );
        }
      }
      if (!critical.has(step.id)) await afterContainment();
      if (signal?.aborted || leaseLost) {
        return finish({ ...base, status: "blocked", detail: "stopped: the run lost its lock" }, false, false);
      }
      const before = prior.get(step.id);
      const startedAt = new Date();
      // Resume: a verified step is not touched; a step that ran (or was being re-applied) is verified
      // again before any re-run.
      if (before && ["verified", "ran", "skipped", "reapplied"].includes(before.event)) {
        ctx.records.set(step.id, before.record);
        if (before.event === "verified") {
          markRan(true);
          const report: StepReport = {
            ...base,
            status: before.skipped ? "skipped" : "verified",
            resumed: true,
            startedAt: startedAt.toISOString(),
            endedAt: startedAt.toISOString(),
            detail: "verified by an earlier run",
          };
          return finish(report, true, true);
        }
        const check = await verifyBounded({ ...step, verifyTimeoutMs: 2_000 }, ctx, before.record);
        if (check.ok) {
          await note(step.id, "verified", { detail: check.detail ?? null });
          return finish(
            { ...base, status: before.skipped ? "skipped" : "verified", resumed: true, detail: check.detail },
            true,
            true,
          );
        }
      }
      observe?.({ type: "step-started", caseId: ctx.caseId, stepId: step.id, at: Date.now() });
      void note(step.id, "started");
      let result: RunResult;
      const attempts = step.runAttempts ?? DEFAULT_RUN_ATTEMPTS;
      for (let attempt = 1; ; attempt++) {
        try {
          result = await withTimeout(
            step.run(ctx, {
              attempt,
              ...(before?.record !== undefined ? { unverifiedRecord: before.record } : {}),
            }),
            step.timeoutMs ?? DEFAULT_RUN_TIMEOUT,
            `step ${step.id}`,
          );
          break;
        } catch (err) {
          // Transient, or an answer that asks to come back later: the step runs again, converging from
          // what the failed attempt left (never after a timeout: that attempt may still be running).
          const wait = isTransientFailure(err)
            ? backoffMs({ ...DEFAULT_RETRY, baseDelayMs: 250 }, attempt)
            : step.waitOut?.(err, attempt);
          if (attempt < attempts && wait !== undefined && !signal?.aborted && !leaseLost) {
            void note(step.id, "retrying", {
              attempt,
              error: (err as Error).message ?? String(err),
              waitMs: Math.round(wait),
            });
            await sleep(wait);
            continue;
          }
          const message = (err as Error).message ?? String(err);
          await note(step.id, "failed", { phase: "run", error: message }, true);
          return finish(
            {
              ...base,
              status: "failed",
              startedAt: startedAt.toISOString(),
              endedAt: new Date().toISOString(),
              detail: message,
            },
            false,
            false,
          );
        }
      }
      ctx.records.set(step.id, result.record);
      const event = result.status === "skipped" ? "skipped" : "ran";
      const written = note(
        step.id,
        event,
        { record: result.record ?? null, reason: result.reason ?? null },
        true,
      );
      if (step.recordsOriginalState) {
        written.then(markRecorded);
      } else markRecorded();
      observe?.({
        type: "step-ran",
        caseId: ctx.caseId,
        stepId: step.id,
        at: Date.now(),
        status: result.status,
        ...(result.reason ? { reason: result.reason } : {}),
      });
      markRan(true);
      if (result.status === "skipped") {
        await note(step.id, "verified", { detail: "skipped" });
        return finish(
          {
            ...base,
            status: "skipped",
            startedAt: startedAt.toISOString(),
            endedAt: new Date().toISOString(),
            detail: result.reason,
          },
          true,
          // A skipped evidence step did not produce evidence.
          step.purpose !== "evidence",
        );
      }
      await afterContainment();
      const check = await verifyBounded(step, ctx, result.record, (detail) => {
        void note(step.id, "reapplied", { detail: detail ?? null });
      });
      await note(step.id, check.ok ? "verified" : "unverified", { detail: check.detail ?? null });
      return finish(
        {
          ...base,
          status: check.ok ? "verified" : "unverified",
          startedAt: startedAt.toISOString(),
          endedAt: new Date().toISOString(),
          ...(check.detail ? { detail: check.detail } : {}),
        },
        true,
        check.ok,
      );
    })().catch((err) => {
      // A bug in the engine itself: report it on the step rather than hang the playbook.
      finish(
        {
          id: step.id,
          title: step.title,
          status: "failed",
          detail: `internal error: ${(err as Error).message}`,
        },
        false,
        false,
      );
    });
  }

  containmentRan = Promise.all(steps.filter((s) => s.purpose === "containment").map((s) => ran.get(s.id)!));
  options.gate?.register(containmentRan);
  await Promise.all([...verified.values()]);
  await journal.flush().catch((err) => journalErrors.push(err));
  const out = steps.map((s) => reports.get(s.id)!);
  if (journalErrors.length > 0) {
    const first = journalErrors[0] as Error;
    throw Object.assign(new Error(`journal write failed: ${first.message}`), { reports: out, cause: first });
  }
  return out;
}

/** The dry run: read-only steps run for real, every other step only plans. Nothing is journaled. */
export async function planPlaybook<C extends EngineContext>(
  steps: readonly Step<C>[],
  ctx: C,
): Promise<StepReport[]> {
  checkPlaybook(steps);
  const reports: StepReport[] = [];
  for (const step of steps) {
    const startedAt = new Date().toISOString();
    try {
      let changes: PlannedChange[] = [];
      if (step.effect === "reads") {
        const result = await step.run(ctx);
        ctx.records.set(step.id, result.record);
      } else {
        changes = await step.plan(ctx);
      }
      reports.push({
        id: step.id,
        title: step.title,
        status: "planned",
        startedAt,
        endedAt: new Date().toISOString(),
        changes,
      });
    } catch (err) {
      reports.push({
        id: step.id,
        title: step.title,
        status: "failed",
        startedAt,
        detail: (err as Error).message,
      });
      if (step.effect === "reads") break;
    }
  }
  return reports;
}
