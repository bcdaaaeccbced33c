/**
 * `release` as a library call: takes the case's lock, undoes containment from what the journal recorded,
 * and closes the case (a later respond on the instance opens a new one).
 */
import type { AwsClients } from "../aws/clients";
import { runPlaybook } from "../engine/runner";
import type { EngineObserver, StepReport } from "../engine/types";
import { InputError } from "../input/targets";
import { caseWorkstations } from "../investigate/expiry";
import { findCaseOrFail, holdCase } from "../journal/hold-case";
import { type Journals, openJournals } from "../journal/open";
import { releasePlaybook } from "../playbooks/release";
import type { ResolvedSettings } from "../settings/settings";
import type { CaseOptions, InstanceFacts, RespondContext } from "./context";
import { recordsOf } from "./respond";

export const CASE_ID = /^c-\d{8}t\d{6}z-[0-9a-f]{6}$/;

export interface ReleaseResult {
  caseId: string;
  instanceId?: string;
  status: "released" | "incomplete" | "busy" | "invalid" | "error";
  steps: StepReport[];
  error?: string;
}

export function checkCaseId(value: string): string {
  if (!CASE_ID.test(value)) {
    throw new InputError(
      `case id "${value}" is not valid: expected c-<yyyymmdd>t<hhmmss>z-<6 hex digits>, as \`ir respond\` prints`,
    );
  }
  return value;
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
  // No renewal: the release playbook is short, and a released case's lease ends with closeCase.
  const lock = await holdCase(journal, meta, caseId, req.settings.leaseMs, { renew: false });
  if (!lock.acquired) {
    return { caseId, instanceId: meta.instanceId, status: "busy", steps: [], error: lock.message };
  }
  const records = recordsOf(entries);
  const original = records.get("discover") as unknown as InstanceFacts | undefined;
  if (!original) {
    await lock.release();
    throw new InputError(`case "${caseId}" recorded no original state: there is nothing to release`);
  }
  const clients = req.clients.forRegion(meta.region);
  const ctx: RespondContext = {
    caseId,
    records,
    resumed: true,
    clients,
    settings: { ...req.settings, region: meta.region },
    instanceId: meta.instanceId,
    options: meta.options as unknown as CaseOptions,
    preflight: original,
    caseStartedAt: meta.createdAt,
  };
  let steps: StepReport[];
  try {
    steps = await runPlaybook({
      steps: releasePlaybook(),
      ctx,
      journal,
      history: entries,
      ...(req.observe ? { observe: req.observe } : {}),
    });
  } catch (err) {
    await lock.release();
    return {
      caseId,
      instanceId: meta.instanceId,
      status: "error",
      steps: (err as { reports?: StepReport[] }).reports ?? [],
      error: (err as Error).message,
    };
  }
  const ok = steps.every((s) => s.status === "verified" || s.status === "skipped");
  if (ok) {
    await journal.append(caseId, "case", "released");
    await journal.closeCase(meta.instanceId, caseId);
  } else {
    await lock.release();
  }
  return { caseId, instanceId: meta.instanceId, status: ok ? "released" : "incomplete", steps };
}
