/**
 * TEST-ONLY crash hook: lets the reliability tests SIGKILL the responder at an exact point of a step, to
 * prove that a rerun completes the case without duplicates. It is inert unless BOTH `NODE_ENV=test` and
 * `IR_TEST_CRASH_AT=<step-id>:<point>` are set, so a production run can never trigger it by accident;
 * when inert it returns the run options unchanged (same objects, no wrapper).
 *
 * Points (each kills the process with SIGKILL, no clean-up, as a crash or an OOM kill would):
 * - `started`: the step's `started` entry is durable in the journal (its run is already in flight);
 * - `done`:    the step's run returned (its effect is made in AWS) but nothing about it is journaled yet;
 * - `ran`:     the step's outcome entry (`ran` with its record, or `skipped`) is durable, before
 *              verification.
 */
import type { Journal } from "../journal/journal";
import type { EngineContext, RunOptions } from "./runner";
import type { RunAttempt } from "./types";

export const CRASH_POINTS = ["started", "done", "ran"] as const;
export type CrashPoint = (typeof CRASH_POINTS)[number];

/** The step and point to crash at, or undefined when the hook is inert (the production case). */
export function crashTarget(
  env: NodeJS.ProcessEnv = process.env,
): { stepId: string; point: CrashPoint } | undefined {
  const at = env.IR_TEST_CRASH_AT;
  if (!at || env.NODE_ENV !== "test") return undefined;
  const m = /^([a-z0-9-]+):(started|done|ran)$/.exec(at);
  if (!m) {
    throw new Error(
      `IR_TEST_CRASH_AT "${at}" is not valid: expected <step-id>:started, <step-id>:done or <step-id>:ran`,
    );
  }
  return { stepId: m[1]!, point: m[2] as CrashPoint };
}

const die = (): never => {
  process.kill(process.pid, "SIGKILL");
  // SIGKILL cannot be caught; this line is never reached.
  throw new Error("unreachable");
};

/** Wraps the journal and steps of one playbook run so the process dies at the configured point. */
export function withCrashHook<C extends EngineContext>(
  options: RunOptions<C>,
  env: NodeJS.ProcessEnv = process.env,
): RunOptions<C> {
  const target = crashTarget(env);
  if (!target) return options;
  const { stepId, point } = target;
  const inner = options.journal;
  const append: Journal["append"] = async (caseId, step, event, data) => {
    // Resolves once the entry is durable: the crash happens with it written.
    const out = await inner.append(caseId, step, event, data);
    if (step === stepId && (event === point || (point === "ran" && event === "skipped"))) die();
    return out;
  };
  const journal = new Proxy(inner, {
    get: (target, key) => {
      if (key === "append") return append;
      const value = Reflect.get(target, key, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  const steps = options.steps.map((s) =>
    s.id === stepId && point === "done"
      ? {
          ...s,
          run: async (ctx: C, attempt?: RunAttempt) => {
            await s.run(ctx, attempt);
            return die();
          },
        }
      : s,
  );
  return { ...options, journal, steps };
}
