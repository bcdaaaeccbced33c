/**
 * The two moves every case-id command starts with: find the case (table, then local) or fail with the
 * standard message, and take the case's lock for one run, renewing the lease every third of it while
 * the run lasts (`signal` aborts when a renewal finds another run took it over).
 */

import { newRunId } from "../case/ids";
import { InputError } from "../input/targets";
import type { CaseMeta, Journal } from "./journal";
import { findCase, type Journals } from "./open";

/** The case, or an InputError naming where it was looked for; `hint` (what to do) ends the message. */
export async function findCaseOrFail(
  journals: Journals,
  caseId: string,
  settings: { journalTable: string; stateDir: string },
  hint?: string,
) {
  const found = await findCase(journals, caseId);
  if (!found)
    throw new InputError(
      `case "${caseId}" was not found in journal table "${settings.journalTable}" nor in ${settings.stateDir}/${hint ? `: ${hint}` : ""}`,
    );
  return found;
}

export type HeldCase =
  | { acquired: false; heldBy: string; leaseUntil: string; message: string }
  | { acquired: true; runId: string; signal: AbortSignal; release(): Promise<void> };

export interface HoldOptions {
  /** The InputError's message when the journal refuses the resume (a closed case). @default its message */
  refused?: (message: string) => string;
  /** Renew the lease every third of it until `release`. @default true */
  renew?: boolean;
}

/**
 * Takes the case's lock for a new run. When another run holds it, reports the holder (`message` is the
 * standard "retry after it ends"). Otherwise the caller must `release()` (stops renewing, ends the lease;
 * never throws) when the run is over.
 */
export async function holdCase(
  journal: Journal,
  meta: Pick<CaseMeta, "instanceId">,
  caseId: string,
  leaseMs: number,
  opts: HoldOptions = {},
): Promise<HeldCase> {
  const runId = newRunId();
  const lock = await journal.resume(meta.instanceId, caseId, runId, leaseMs).catch((err) => {
    const message = (err as Error).message;
    throw new InputError(opts.refused ? opts.refused(message) : message);
  });
  if (!lock.acquired) {
    const { heldBy, leaseUntil } = lock;
    return {
      acquired: false,
      heldBy,
      leaseUntil,
      message: `case ${caseId} is being worked on by run ${heldBy} (lease until ${leaseUntil}): retry after it ends`,
    };
  }
  const abort = new AbortController();
  const timer =
    opts.renew === false
      ? undefined
      : setInterval(
          () => {
            journal.renew(meta.instanceId, runId, leaseMs).then(
              (ok) => {
                if (!ok) abort.abort();
              },
              () => undefined,
            );
          },
          Math.max(200, Math.floor(leaseMs / 3)),
        );
  timer?.unref();
  return {
    acquired: true,
    runId,
    signal: abort.signal,
    release: async () => {
      if (timer) clearInterval(timer);
      await journal.releaseLease(meta.instanceId, runId).catch(() => undefined);
    },
  };
}
