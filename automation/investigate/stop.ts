/**
 * `ir investigate <case> --stop` as a library call: under the case lock, terminate the case's
 * workstations and delete the evidence volumes made from its snapshots; the snapshots and their
 * evidence copies stay.
 */
import type { AwsClients } from "../aws/clients";
import type { EngineObserver, StepReport } from "../engine/types";
import type { Journals } from "../journal/open";
import type { ResolvedSettings } from "../settings/settings";
import { openCase, runOnCase } from "./case";
import { recordOf } from "./context";
import { stopPlaybook } from "./playbook";
import {
  STOP_INSTANCE_STEP,
  STOP_VOLUMES_STEP,
  type StopInstanceRecord,
  type StopVolumesRecord,
  type TeardownContext,
} from "./teardown";

export interface StopResult {
  caseId: string;
  status: "stopped" | "nothing-to-stop" | "incomplete" | "busy" | "error";
  terminated: string[];
  deletedVolumes: string[];
  keptSnapshots: string[];
  steps: StepReport[];
  error?: string;
}

export async function stopInvestigation(req: {
  caseId: string;
  settings: ResolvedSettings;
  clients: AwsClients;
  journals?: Journals;
  observe?: EngineObserver;
  /** Between two polls while volumes detach (tests shorten it). @default 2000 */
  pollMs?: number;
}): Promise<StopResult> {
  const c = await openCase(req);
  const keptSnapshots = c.snapshots.map((s) => s.snapshotId);
  const ctx: TeardownContext = {
    caseId: c.caseId,
    records: new Map(),
    resumed: true,
    clients: req.clients.forRegion(c.region),
    instanceId: c.instanceId,
    snapshots: c.snapshots,
    pollMs: req.pollMs ?? 2_000,
  };
  const empty = { caseId: c.caseId, terminated: [], deletedVolumes: [], keptSnapshots };
  const outcome = await runOnCase(c, req.settings.leaseMs, () => ({
    steps: stopPlaybook(),
    ctx,
    history: [],
    ...(req.observe ? { observe: req.observe } : {}),
  }));
  if (outcome.kind === "busy") return { ...empty, status: "busy", steps: [], error: outcome.message };
  const { steps } = outcome;
  const result = {
    ...empty,
    // The volumes step records what it kept: the case snapshots and their evidence copies.
    keptSnapshots: recordOf<StopVolumesRecord>(ctx, STOP_VOLUMES_STEP)?.keptSnapshots ?? keptSnapshots,
    terminated: recordOf<StopInstanceRecord>(ctx, STOP_INSTANCE_STEP)?.terminated ?? [],
    deletedVolumes: recordOf<StopVolumesRecord>(ctx, STOP_VOLUMES_STEP)?.deleted ?? [],
    steps,
  };
  if (outcome.kind === "failed") return { ...result, status: "error", error: outcome.message };
  const bad = steps.find((s) => s.status !== "verified" && s.status !== "skipped");
  if (bad)
    return { ...result, status: "incomplete", error: `${bad.id} ${bad.status}: ${bad.detail ?? ""}`.trim() };
  const nothing = steps.every((s) => s.status === "skipped");
  return { ...result, status: nothing ? "nothing-to-stop" : "stopped" };
}
