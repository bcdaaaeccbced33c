/**
 * `ir analyze` as a library call: finds the case, takes its lock (renewed while the analysis runs),
 * runs the analyze playbook (journaled: each step's record is its structured result) and releases the
 * lease. Bad input (case id, ip-ranges.json, window) is refused before any AWS call and changes nothing.
 * A source that cannot be read (CloudTrail or Config unavailable) is recorded with its reason; the
 * analysis goes on with the others.
 */
import type { AwsClients } from "../aws/clients";
import { checkCaseId } from "../case/ids";
import { recordsOf } from "../case/records";
import type { EngineObserver, StepReport } from "../engine/types";
import { InputError } from "../input/targets";
import { allVerified, instanceFactsOr, resumedCaseContext, runHeldPlaybook } from "../journal/held-case-run";
import { findCaseOrFail } from "../journal/hold-case";
import { type Journals, openJournals } from "../journal/open";
import { type AnalyzeContext, analyzePlaybook } from "../playbooks/analyze";
import type { ResolvedSettings } from "../settings/settings";
import type { AttackerIpReport } from "./attacker-ips";
import { type CaseWindow, caseWindow } from "./case-inputs";
import type { ChangeTimeline } from "./change-history";
import { type IpRangesIndex, loadIpRanges } from "./ip-ranges";

export interface AnalyzeRequest {
  caseId: string;
  settings: ResolvedSettings;
  clients: AwsClients;
  /** AWS's published ranges (https://ip-ranges.amazonaws.com/ip-ranges.json), saved to a file. */
  ipRangesFile?: string;
  /** Window start (ISO 8601). @default 24 h before the finding's first sighting (or the case) */
  since?: string;
  /** Window end (ISO 8601). @default now */
  until?: string;
  observe?: EngineObserver;
  journals?: Journals;
}

export interface CaseAnalysis {
  caseId: string;
  status: "analyzed" | "incomplete" | "busy" | "error";
  window: CaseWindow;
  /** The `analyze-attacker-ips` record; null when that step did not produce one. */
  attackerIps: AttackerIpReport | null;
  /** The `analyze-change-history` record; null when that step did not produce one. */
  changeHistory: ChangeTimeline | null;
  steps: StepReport[];
  notes: string[];
  error?: string;
}

/** Analysis steps always run afresh: a second `ir analyze` (another window, newer ranges) is a new analysis. */
const isAnalysisEntry = (stepId: string) => stepId.startsWith("analyze-");

function loadRanges(file?: string): IpRangesIndex | undefined {
  if (!file) return undefined;
  try {
    return loadIpRanges(file);
  } catch (err) {
    throw new InputError((err as Error).message);
  }
}

export async function analyzeCase(req: AnalyzeRequest): Promise<CaseAnalysis> {
  const caseId = checkCaseId(req.caseId);
  const ipRanges = loadRanges(req.ipRangesFile);
  const journals = req.journals ?? openJournals(req.clients, req.settings);
  const found = await findCaseOrFail(journals, caseId, req.settings, "pass the id `ir respond` printed");
  const { meta, journal, entries } = found;
  const given = {
    ...(req.since ? { since: req.since } : {}),
    ...(req.until ? { until: req.until } : {}),
  };
  let window: CaseWindow;
  try {
    window = caseWindow(meta, given);
  } catch (err) {
    throw new InputError((err as Error).message);
  }
  // Earlier analyses are neither inputs nor history: this one reads the world afresh.
  const history = entries.filter((e) => !isAnalysisEntry(e.stepId));
  const records = recordsOf(history);
  const original = instanceFactsOr(
    records,
    `case "${caseId}" recorded no instance facts (its discover step never ran): there is nothing to analyze`,
  );
  const base = { caseId, window, attackerIps: null, changeHistory: null, notes: [] as string[] };
  const resumed = resumedCaseContext(req, { caseId, meta, records, original });
  const ctx: AnalyzeContext = {
    ...resumed,
    meta,
    given,
    ...(ipRanges ? { ipRanges } : {}),
    global: {
      cloudTrail: original.partition === "aws" ? req.clients.forRegion("us-east-1") : resumed.clients,
      config: req.clients.forRegion(req.settings.region),
    },
  };
  const outcome = await runHeldPlaybook({
    journal,
    meta,
    caseId,
    leaseMs: req.settings.leaseMs,
    hold: {
      refused: (message) =>
        `case "${caseId}" cannot be analyzed: ${message} (a released case is closed; analyze before \`ir release\`)`,
    },
    playbook: () => ({
      steps: analyzePlaybook(),
      ctx,
      history,
      ...(req.observe ? { observe: req.observe } : {}),
    }),
  });
  if (outcome.kind === "busy") return { ...base, status: "busy", steps: [], error: outcome.message };
  if (outcome.kind === "failed")
    return { ...base, status: "error", steps: outcome.steps, error: outcome.message };
  const { steps } = outcome;
  const notes: string[] = [];
  const attackerIps = (ctx.records.get("analyze-attacker-ips") as unknown as AttackerIpReport) ?? null;
  const changeHistory = (ctx.records.get("analyze-change-history") as unknown as ChangeTimeline) ?? null;
  for (const [name, s] of Object.entries(attackerIps?.sources ?? {})) {
    if (s.status === "failed") notes.push(`${name} unavailable: ${s.error}`);
  }
  if (changeHistory?.gaps.length) notes.push(`change history has ${changeHistory.gaps.length} gap(s)`);
  return {
    ...base,
    window: (ctx.records.get("analyze-window") as unknown as CaseWindow) ?? window,
    status: allVerified(steps) ? "analyzed" : "incomplete",
    attackerIps,
    changeHistory,
    steps,
    notes,
  };
}
