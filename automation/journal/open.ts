/**
 * Chooses the journal: the DynamoDB table when it exists, else the local fallback (containment never
 * waits on a missing table; the report says where the journal went and how to fix it).
 */
import type { AwsClients } from "../aws/clients";
import type { ResolvedSettings } from "../settings/settings";
import { DynamoJournal, isTableMissing } from "./dynamodb";
import type { AcquireResult, CaseMeta, Journal } from "./journal";
import { LocalJournal } from "./local";

export interface Journals {
  dynamo: DynamoJournal;
  local: LocalJournal;
}

export function openJournals(clients: AwsClients, settings: ResolvedSettings): Journals {
  return {
    dynamo: new DynamoJournal(clients.dynamodb, settings.journalTable),
    local: new LocalJournal(settings.stateDir),
  };
}

export interface Acquired {
  journal: Journal;
  result: AcquireResult;
  /** Set when the table was missing and the local journal is used. */
  fallback?: string;
}

export async function acquireCase(
  j: Journals,
  meta: CaseMeta,
  runId: string,
  leaseMs: number,
): Promise<Acquired> {
  try {
    return { journal: j.dynamo, result: await j.dynamo.acquire(meta, runId, leaseMs) };
  } catch (err) {
    if (!isTableMissing(err)) throw err;
    return {
      journal: j.local,
      result: await j.local.acquire(meta, runId, leaseMs),
      fallback: `journal table "${j.dynamo.location}" was not found: journaling locally in ${j.local.location}/ (run \`ir bootstrap\` to create the table)`,
    };
  }
}

/** Finds which journal holds a case (table first, then local). */
export async function findCase(j: Journals, caseId: string) {
  let denied: unknown;
  try {
    const found = await j.dynamo.readCase(caseId);
    if (found) return { journal: j.dynamo as Journal, ...found };
  } catch (err) {
    // A table the caller may not read: the case may still be in the local journal (reading only; a
    // denied write never falls back). When it is not there either, the denial is the answer.
    if (isAccessDenied(err)) denied = err;
    else if (!isTableMissing(err)) throw err;
  }
  const local = await j.local.readCase(caseId);
  if (local) return { journal: j.local as Journal, ...local };
  if (denied) throw denied;
  return undefined;
}

const isAccessDenied = (err: unknown) =>
  /^(AccessDenied|AccessDeniedException|UnauthorizedOperation)$/.test((err as { name?: string })?.name ?? "");

/** Finds the open (or newest) case of an instance. */
export async function findCaseOfInstance(j: Journals, instanceId: string) {
  for (const journal of [j.dynamo, j.local] as Journal[]) {
    try {
      const open = await journal.openCase(instanceId);
      if (open) return { journal, caseId: open.caseId, open: true };
      const all = await journal.casesOf(instanceId);
      if (all.length > 0) return { journal, caseId: all[all.length - 1]!, open: false };
    } catch (err) {
      if (!isTableMissing(err)) throw err;
    }
  }
  return undefined;
}
