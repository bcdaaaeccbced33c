/** Exit codes of `ir` (documented in automation/README.md). */
export const EXIT = {
  /** Every step verified (or was skipped with a recorded reason). */
  ok: 0,
  /** Unexpected error (AWS outage, a bug): see the message; re-running resumes the case. */
  error: 1,
  /** Bad input or usage: nothing was changed. */
  usage: 2,
  /** Contained, but a preserve step (evidence) failed or could not be verified. */
  preserveIncomplete: 3,
  /** Containment incomplete: a containment step failed, was blocked or could not be verified. */
  containIncomplete: 4,
  /** Another run holds the instance's case: its id is printed (follow it with `ir status`). */
  busy: 5,
  /** Confirmation required (no terminal and no --yes) or refused. */
  notConfirmed: 6,
  /** Release incomplete: some state could not be restored (re-run `ir release`). */
  releaseIncomplete: 7,
  /** The case journal's hash chain is broken (tampering or corruption). */
  journalBroken: 8,
  /** `recover`: the rebuild failed, capacity did not become healthy in time, or termination was refused. */
  recoverIncomplete: 9,
  /** `verify`: an artefact, the manifest, a lock or the journal chain does not verify (tampering). */
  evidenceTampered: 10,
  /** `doctor`: a readiness check failed (the report says what to fix); nothing was changed. */
  notReady: 11,
} as const;

import { CONTAINMENT_STEPS } from "../playbooks/contain";
import type { CaseResult } from "../respond/respond";

const GOOD = new Set(["verified", "skipped"]);

export function exitCodeOf(r: CaseResult): number {
  switch (r.status) {
    case "contained":
    case "planned":
      return EXIT.ok;
    case "invalid":
      return EXIT.usage;
    case "busy":
      return EXIT.busy;
    case "error":
      if (r.steps.some((s) => CONTAINMENT_STEPS.includes(s.id) && !GOOD.has(s.status)))
        return EXIT.containIncomplete;
      return EXIT.error;
    case "incomplete":
      return r.steps.some((s) => CONTAINMENT_STEPS.includes(s.id) && !GOOD.has(s.status))
        ? EXIT.containIncomplete
        : EXIT.preserveIncomplete;
  }
}

/** The exit code of several cases: the most serious one wins. */
export function worstExitCode(results: CaseResult[]): number {
  const codes = new Set(results.map(exitCodeOf));
  for (const c of [EXIT.containIncomplete, EXIT.error, EXIT.preserveIncomplete, EXIT.busy, EXIT.usage]) {
    if (codes.has(c)) return c;
  }
  return EXIT.ok;
}
