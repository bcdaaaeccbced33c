/**
 * The case journal's interface, implemented by the DynamoDB table of the baseline and by a local
 * file fallback (used when the table is missing, so containment never waits on it).
 */
import type { Json } from "../engine/types";
import type { JournalEntry } from "./chain";

/** The case's header: what it is about. */
export interface CaseMeta {
  caseId: string;
  instanceId: string;
  region: string;
  accountId?: string;
  createdAt: string;
  /** Who opened the case (caller identity ARN when known). */
  operator?: string;
  /** Options the case was opened with (whole-role, decrement capacity...) so a resume behaves the same. */
  options: Json;
  /** Where the target came from (an id on the command line, a finding's id...). */
  source?: Json;
}

export type AcquireResult =
  | { acquired: true; caseId: string; resumed: boolean }
  | { acquired: false; caseId: string; heldBy: string; leaseUntil: string };

export interface Journal {
  readonly kind: "dynamodb" | "local";
  /** Where it lives (table name or directory), for messages. */
  readonly location: string;
  /**
   * Takes the instance's lock for this run: opens a new case (meta) when the instance has none, takes
   * over the open case when its previous run's lease expired (resume), or reports the running case.
   */
  acquire(meta: CaseMeta, runId: string, leaseMs: number): Promise<AcquireResult>;
  /** Takes an open case's lock for this run (release, resume by case id); reports a running holder. */
  resume(instanceId: string, caseId: string, runId: string, leaseMs: number): Promise<AcquireResult>;
  /** Extends this run's lease; false when another run took the lock over (stop acting). */
  renew(instanceId: string, runId: string, leaseMs: number): Promise<boolean>;
  /** Ends this run's lease; the case stays open (contained) for status, resume and release. */
  releaseLease(instanceId: string, runId: string): Promise<void>;
  /** Closes the instance's case after `ir release`: a later respond opens a new case. */
  closeCase(instanceId: string, caseId: string): Promise<void>;
  /** Removes a case this run opened that never acted (its target turned out to be bad input). */
  abandon(instanceId: string, caseId: string): Promise<void>;
  /** Appends an entry to the chain; resolves once it is durable. */
  append(caseId: string, stepId: string, event: string, data?: Json): Promise<JournalEntry>;
  /** Waits for every pending append. */
  flush(): Promise<void>;
  readCase(caseId: string): Promise<{ meta: CaseMeta; entries: JournalEntry[] } | undefined>;
  /** The open case of an instance, if any, and the run holding it. */
  openCase(instanceId: string): Promise<{ caseId: string; heldBy?: string; leaseUntil?: string } | undefined>;
  /** Every case ever opened for an instance, oldest first. */
  casesOf(instanceId: string): Promise<string[]>;
}

/** The error a run gets when another run took its lock over. */
export class LeaseLostError extends Error {
  constructor(instanceId: string) {
    super(`lost the lock on instance "${instanceId}" to another run: stopping without further changes`);
    this.name = "LeaseLostError";
  }
}
