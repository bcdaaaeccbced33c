/**
 * `release` as a library call: takes the case's lock, undoes containment from what the journal recorded,
 * and closes the case (a later respond on the instance opens a new one).
 */
import type { AwsClients } from "../aws/clients";
import { checkCaseId } from "../case/ids";
import { recordsOf } from "../case/records";
import type { EngineObserver, StepReport } from "../engine/types";
import { InputError } from "../input/targets";
import { caseWorkstations } from "../investigate/expiry";
import { allVerified, instanceFactsOr, resumedCaseContext, runHeldPlaybook } from "../journal/held-case-run";
import { findCaseOrFail } from "../journal/hold-case";
import { type Journals, openJournals } from "../journal/open";
import { releasePlaybook } from "../playbooks/release";
import type { ResolvedSettings } from "../settings/settings";

export interface ReleaseResult {
  caseId: string;
  instanceId?: string;
  status: "released" | "incomplete" | "busy" | "invalid" | "error";
  steps: StepReport[];
  error?: string;
}

export async function release(req: {
  caseId: string;
  settings: ResolvedSettings;
  clients: AwsClients;
  observe?: EngineObserver;
  journals?: Journals;
}): Promise<ReleaseResult> {
  const caseId = checkCaseId(req.caseId);
  const journals = req.journals ?? openJournals(req.clients, req.settings);
  const found = await findCaseOrFail(journals, caseId, req.settings);
  const { meta, journal, entries } = found;
  if (entries.some((e) => e.stepId === "case" && e.event === "released")) {
    throw new InputError(`case "${caseId}" was already released`);
  }
  // Releasing closes the case: a workstation still running would then be out of `ir`'s reach, with
  // evidence volumes attached. Tear it down first (it keeps the snapshots).
  const running = await caseWorkstations(req.clients, caseId);
  if (running.length > 0) {
    throw new InputError(
      `case "${caseId}" still has a forensic workstation (${running.map((w) => w.instanceId).join(", ")}): stop it first with \`ir investigate ${caseId} --stop\`, then release`,
    );
  }
  const outcome = await runHeldPlaybook({
    journal,
    meta,
    caseId,
    leaseMs: req.settings.leaseMs,
    // No renewal: the release playbook is short, and a released case's lease ends with closeCase.
    hold: { renew: false },
    playbook: () => {
      const records = recordsOf(entries);
      const original = instanceFactsOr(
        records,
        `case "${caseId}" recorded no original state: there is nothing to release`,
      );
      return {
        steps: releasePlaybook(),
        ctx: resumedCaseContext(req, { caseId, meta, records, original }),
        history: entries,
        ...(req.observe ? { observe: req.observe } : {}),
      };
    },
    // Closing the case ends its lease; a run that did not verify keeps the case open, lease released.
    settle: async (steps) => {
      if (!allVerified(steps)) return false;
      await journal.append(caseId, "case", "released");
      await journal.closeCase(meta.instanceId, caseId);
      return true;
    },
  });
  const instanceId = meta.instanceId;
  if (outcome.kind === "busy")
    return { caseId, instanceId, status: "busy", steps: [], error: outcome.message };
  if (outcome.kind === "failed")
    return { caseId, instanceId, status: "error", steps: outcome.steps, error: outcome.message };
  const status = allVerified(outcome.steps) ? "released" : "incomplete";
  return { caseId, instanceId, status, steps: outcome.steps };
}
