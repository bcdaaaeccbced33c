/** `status` as a library call: a case's header, each step's last state, the lock and the chain check. */
import type { AwsClients } from "../aws/clients";
import { CASE_ID } from "../case/ids";
import { INSTANCE_ID, InputError } from "../input/targets";
import { caseWorkstations, type WorkstationStatus } from "../investigate/expiry";
import { verifyChain } from "../journal/chain";
import type { CaseMeta } from "../journal/journal";
import { findCase, findCaseOfInstance, type Journals, openJournals } from "../journal/open";
import type { ResolvedSettings } from "../settings/settings";

export interface CaseStatusReport {
  caseId: string;
  meta: CaseMeta;
  journal: "dynamodb" | "local";
  /** "running" (a run holds the lease), "open" (contained, waiting for release), "released". */
  state: "running" | "open" | "released";
  heldBy?: string;
  leaseUntil?: string;
  chain: { ok: boolean; entries: number; problem?: string; head?: string };
  steps: { id: string; event: string; at: string; detail?: string }[];
  /** The case's forensic workstations (`ir investigate`), with their owner and expiry. */
  workstations: WorkstationStatus[];
  /** Set when the workstations could not be listed (the rest of the status stands). */
  workstationsError?: string;
}

export async function caseStatus(req: {
  ref: string;
  settings: ResolvedSettings;
  clients: AwsClients;
  journals?: Journals;
}): Promise<CaseStatusReport> {
  const journals = req.journals ?? openJournals(req.clients, req.settings);
  let caseId = req.ref;
  if (INSTANCE_ID.test(req.ref)) {
    const found = await findCaseOfInstance(journals, req.ref);
    if (!found)
      throw new InputError(
        `instance "${req.ref}" has no case in journal table "${req.settings.journalTable}" nor in ${req.settings.stateDir}/`,
      );
    caseId = found.caseId;
  } else if (!CASE_ID.test(req.ref)) {
    throw new InputError(`"${req.ref}" is neither a case id (c-...) nor an instance id (i-...)`);
  }
  const found = await findCase(journals, caseId);
  if (!found)
    throw new InputError(
      `case "${caseId}" was not found in journal table "${req.settings.journalTable}" nor in ${req.settings.stateDir}/`,
    );
  const chain = verifyChain(found.entries);
  const open = await found.journal.openCase(found.meta.instanceId);
  const released = found.entries.some((e) => e.stepId === "case" && e.event === "released");
  const last = new Map<string, { event: string; at: string; detail?: string }>();
  for (const e of found.entries) {
    if (e.stepId === "case") continue;
    const d = e.data as { detail?: string; error?: string; reason?: string } | undefined;
    const detail = d?.error ?? d?.reason ?? d?.detail ?? undefined;
    last.set(e.stepId, { event: e.event, at: e.at, ...(detail ? { detail } : {}) });
  }
  const workstations = await caseWorkstations(req.clients.forRegion(found.meta.region), caseId).then(
    (list) => ({ workstations: list }),
    (err) => ({ workstations: [], workstationsError: (err as Error).message }),
  );
  return {
    caseId,
    meta: found.meta,
    journal: found.journal.kind,
    state: released ? "released" : open?.caseId === caseId && open.heldBy ? "running" : "open",
    ...(open?.caseId === caseId && open.heldBy ? { heldBy: open.heldBy, leaseUntil: open.leaseUntil } : {}),
    chain: {
      ok: chain.ok,
      entries: found.entries.length,
      ...(chain.problem ? { problem: chain.problem } : {}),
      ...(found.entries.length ? { head: found.entries.at(-1)!.hash } : {}),
    },
    steps: [...last].map(([id, s]) => ({ id, ...s })),
    ...workstations,
  };
}
