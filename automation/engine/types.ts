/**
 * The step engine's vocabulary. A playbook is an ordered list of steps; each step has a stable id,
 * `plan` (the dry run), `run` (idempotent) and `verify` (describes the world to prove the effect holds).
 */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** One change a step would make (the dry run's answer). */
export interface PlannedChange {
  /** IAM-style action, e.g. "ec2:ModifyNetworkInterfaceAttribute". */
  action: string;
  /** What it acts on (an id or ARN). */
  target: string;
  /** Human description of the change. */
  detail: string;
  /** EC2 DryRun answer where the API has one: "allowed", "denied: <reason>" or undefined. */
  dryRun?: string;
}

export interface RunResult {
  /** "skipped" needs a reason (e.g. "instance is in no Auto Scaling group"). */
  status: "done" | "skipped";
  reason?: string;
  /** What the step did, journaled durably (release reads it back). */
  record?: Json;
}

/** Which attempt of a step's `run` this is, within one run of the playbook. */
export interface RunAttempt {
  /** 1 for the first; above 1 after an attempt failed with a transient error. */
  attempt: number;
  /**
   * What an earlier run of this step in this case recorded, when it ran but did not verify (a rerun of
   * an incomplete case): a step that looks for its earlier work must not take that result back as new.
   */
  unverifiedRecord?: Json;
}

export interface VerifyResult {
  ok: boolean;
  detail?: string;
  /** A failed check that waiting cannot change (the state was deliberately undone): stop re-checking. */
  settled?: boolean;
}

/** Final status of a step in a report. */
export type StepStatus =
  | "pending"
  | "planned"
  | "verified"
  | "skipped"
  | "failed"
  | "blocked"
  | "refused"
  | "unverified";

/**
 * What a step is for; the engine schedules and guards by it.
 * - containment: its effect is containment (out of service, isolated, credentials revoked); timed as
 *   time to containment, and everything not needed by containment waits until these steps have run.
 * - evidence: produces evidence; destructive steps are refused until every evidence step verified.
 * - destructive: stops, terminates or releases something; refused unless every evidence step verified.
 * - support: anything else (reads the facts, prepares, records).
 */
export type StepPurpose = "containment" | "evidence" | "destructive" | "support";

/**
 * What a step's run touches.
 * - reads: reads only; runs for real in a dry run too.
 * - target: changes the instance or what it belongs to; waits until the original state it may destroy
 *   (every `recordsOriginalState` step it comes after) is journaled.
 * - prerequisites: creates shared prerequisites and changes nothing the journal records as original
 *   state, so it may start before that state is journaled.
 */
export type StepEffect = "reads" | "target" | "prerequisites";

export interface Step<C> {
  id: string;
  title: string;
  /**
   * Steps whose run must have succeeded (done or skipped) before this one starts: when one of them
   * failed or was blocked, this step is blocked. Use it for inputs (a record this step reads).
   */
  needs?: string[];
  /**
   * Steps that must have finished, whatever their outcome, before this one starts: ordering only. A
   * clean-up, the manifest, and isolation after untrack (which must run even when untrack failed) come
   * after; they do not need.
   */
  after?: string[];
  /** @default "support" */
  purpose?: StepPurpose;
  /**
   * "with-containment": starts as soon as its inputs are there, beside containment (the snapshot call,
   * termination protection). "after-containment": waits until every containment step of the case (and,
   * with a gate, of the response) has run, so it never competes with them for round trips or API rate.
   * @default "with-containment" for containment steps and the steps they come after, else "after-containment"
   */
  schedule?: "with-containment" | "after-containment";
  /** @default "target" */
  effect?: StepEffect;
  /** Its journal entry must be durable before dependants start (it records what release needs). */
  recordsOriginalState?: boolean;
  /**
   * Attempts of `run` when an attempt fails with a transient AWS error (throttled past the client's
   * retries, 5xx, a reset connection): a mutation without a client token is never retried by the client,
   * so a reset after it took effect surfaces here. Every attempt after the first is told so (`RunAttempt`)
   * and must look for what the earlier one may have done before doing it again. @default 5
   */
  runAttempts?: number;
  /**
   * Errors AWS answers with "retry later" that are not transient in the client's sense (a volume
   * snapshotted moments ago: SnapshotCreationPerVolumeRateExceeded): returns how long to wait before
   * the next attempt (journaled as "retrying"), or undefined for an error that is final. Counts against
   * `runAttempts`; each attempt is bounded by `timeoutMs`.
   */
  waitOut?(err: unknown, attempt: number): number | undefined;
  /** Upper bound of `run` in ms. @default 120000 */
  timeoutMs?: number;
  /** Upper bound of verification (retried every `verifyIntervalMs`). @default 30000 */
  verifyTimeoutMs?: number;
  /** @default 250 */
  verifyIntervalMs?: number;
  /**
   * Applies the step's change again, idempotently, when verification finds it undone by something other
   * than this tool (an Auto Scaling group re-registering its instances in its target groups, a
   * controller reconciling a security group): containment holds the state, it does not just set it once.
   * Called after a failed verification, at most `reapplyLimit` times per run, each journaled
   * ("reapplied"). Only for changes that destroy nothing and that the run's record already describes.
   */
  reapply?(ctx: C, record: Json | undefined): Promise<void>;
  /** @default 2 */
  reapplyLimit?: number;
  plan(ctx: C): Promise<PlannedChange[]>;
  run(ctx: C, attempt?: RunAttempt): Promise<RunResult>;
  verify(ctx: C, record: Json | undefined): Promise<VerifyResult>;
}

/** A step's line in a report (and in `--json`). */
export interface StepReport {
  id: string;
  title: string;
  status: StepStatus;
  startedAt?: string;
  endedAt?: string;
  /** Skip reason, verification detail or error message. */
  detail?: string;
  /** Reused from an earlier run of the same case (resume). */
  resumed?: boolean;
  changes?: PlannedChange[];
}

/** Events the engine emits while it works (progress rendering, the Lambda's logs, the game day timeline). */
export type EngineEvent =
  | { type: "step-started"; caseId: string; stepId: string; at: number }
  | {
      type: "step-ran";
      caseId: string;
      stepId: string;
      at: number;
      status: "done" | "skipped";
      reason?: string;
    }
  | { type: "step-finished"; caseId: string; stepId: string; at: number; report: StepReport };

export type EngineObserver = (event: EngineEvent) => void;
