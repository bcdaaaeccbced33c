/**
 * What the auto-containment function answers (its result object, logged and returned to Lambda), and
 * the one error it throws on purpose: a TransientError, which a retry can fix.
 */
import type { CaseResult } from "../respond/respond";
import type { AutoContainMode } from "./mode";
import type { Notice } from "./notify";
import type { Ignored } from "./triage";

/** The parts of the Lambda context the handler uses. */
export interface LambdaContextLike {
  awsRequestId?: string;
  getRemainingTimeInMillis?: () => number;
}

export interface CaseSummary {
  instanceId: string;
  region: string;
  caseId: string | null;
  status: CaseResult["status"];
  resumed: boolean;
  timeToContainmentMs: number | null;
  error?: string;
}

export interface AutoContainResult {
  /** ignored: nothing to act on; rejected: not a finding; approval-requested; responded: contain ran. */
  outcome: "ignored" | "rejected" | "approval-requested" | "responded";
  mode: AutoContainMode;
  reason?: string;
  targets: { instanceId: string; region: string; findingId?: string; severity?: number }[];
  ignored: Ignored[];
  cases: CaseSummary[];
  notification: { kind: Notice["kind"]; messageId: string } | { skipped: string } | null;
}

/** A failure a retry can fix: thrown so Lambda retries the event (and finally dead-letters it). */
export class TransientError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "TransientError";
  }
}

/** Runs an AWS call whose failure a retry can fix, naming what failed. */
export async function transient<T>(what: string, f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (err) {
    if (err instanceof Error && !("$metadata" in err)) throw err;
    throw new TransientError(`${what} failed (${(err as Error).name}: ${(err as Error).message})`, {
      cause: err,
    });
  }
}
