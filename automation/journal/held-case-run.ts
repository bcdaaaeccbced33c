/**
 * Running a playbook on an EXISTING case (analyze, recover, release, investigate and its stop): the
 * moves they all make once the case is found, in one place so the lock, the resumed context and the
 * "the playbook threw" result cannot drift apart between commands.
 */
import type { AwsClients } from "../aws/clients";
import type { CaseContext, CaseOptions, InstanceFacts } from "../case/context";
import { type EngineContext, type RunOptions, runPlaybook } from "../engine/runner";
import type { Json, StepReport } from "../engine/types";
import { InputError } from "../input/targets";
import type { ResolvedSettings } from "../settings/settings";
import { type HoldOptions, holdCase } from "./hold-case";
import type { CaseMeta, Journal } from "./journal";

/**
 * The discover record (the instance as containment first found it), or an InputError with `refusal`:
 * every later playbook acts on those facts, so a case whose discover step never ran has nothing to act on.
 */
export function instanceFactsOr(records: Map<string, Json | undefined>, refusal: string): InstanceFacts {
  const original = records.get("discover") as unknown as InstanceFacts | undefined;
  if (!original) throw new InputError(refusal);
  return original;
}

/**
 * The context a later playbook starts from: a resumed run in the case's own region (not the caller's),
 * with the options the case was opened with, so its steps behave as containment's did.
 */
export function resumedCaseContext(
  req: { clients: AwsClients; settings: ResolvedSettings },
  c: { caseId: string; meta: CaseMeta; records: Map<string, Json | undefined>; original: InstanceFacts },
): CaseContext {
  return {
    caseId: c.caseId,
    records: c.records,
    resumed: true,
    clients: req.clients.forRegion(c.meta.region),
    settings: { ...req.settings, region: c.meta.region },
    instanceId: c.meta.instanceId,
    options: c.meta.options as unknown as CaseOptions,
    preflight: c.original,
    caseStartedAt: c.meta.createdAt,
  };
}

/** Every step verified, or had nothing to do: the run did all it set out to. */
export function allVerified(steps: readonly StepReport[]): boolean {
  return steps.every((s) => s.status === "verified" || s.status === "skipped");
}

/** What the engine rejected with: the reports of the steps that ran before it threw travel on the error. */
export function reportsOf(err: unknown): StepReport[] {
  return (err as { reports?: StepReport[] }).reports ?? [];
}

export type HeldRunOutcome =
  /** Another run holds the case; `message` is holdCase's standard "retry after it ends". */
  | { kind: "busy"; message: string }
  /** The playbook threw (lease lost, journal write failed...): the steps that ran, and why. */
  | { kind: "failed"; steps: StepReport[]; message: string }
  | { kind: "ran"; steps: StepReport[] };

export interface HeldRun<C extends EngineContext> {
  journal: Journal;
  meta: Pick<CaseMeta, "instanceId">;
  caseId: string;
  leaseMs: number;
  hold?: HoldOptions;
  /**
   * What to run, built once the lock is held (with this run's id): a check that must see the case as
   * the lock holder does belongs here. An error thrown here releases the lock and propagates.
   */
  playbook: (runId: string) => Omit<RunOptions<C>, "journal" | "signal">;
  /**
   * Work that must still hold the lock once the playbook returned (release closes the case). Returns
   * true when it ended the lease itself, so there is none to release. An error thrown here propagates
   * and leaves the lease to run out instead of releasing it.
   */
  settle?: (steps: StepReport[]) => Promise<boolean>;
}

/**
 * Takes the case's lock, runs the playbook under it (journaled; `signal` stops starting steps when a
 * renewal finds another run took the case over), and releases the lease, whatever the playbook did.
 * Only `busy`, `failed` and `ran` come back: the caller turns them into its own result shape.
 */
export async function runHeldPlaybook<C extends EngineContext>(run: HeldRun<C>): Promise<HeldRunOutcome> {
  const lock = await holdCase(run.journal, run.meta, run.caseId, run.leaseMs, run.hold);
  if (!lock.acquired) return { kind: "busy", message: lock.message };
  let options: Omit<RunOptions<C>, "journal" | "signal">;
  try {
    options = run.playbook(lock.runId);
  } catch (err) {
    await lock.release();
    throw err;
  }
  let steps: StepReport[];
  try {
    steps = await runPlaybook({ ...options, journal: run.journal, signal: lock.signal });
  } catch (err) {
    await lock.release();
    return { kind: "failed", steps: reportsOf(err), message: (err as Error).message };
  }
  const leaseEnded = run.settle ? await run.settle(steps) : false;
  if (!leaseEnded) await lock.release();
  return { kind: "ran", steps };
}
