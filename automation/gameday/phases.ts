/**
 * The later phases (investigate, analyze, recover, verify, reports) are separate modules of this project.
 * The game day calls them through this small adapter so that a build without one of them still runs the
 * rest and reports that phase as "not available in this build" (its check then fails loudly) instead of
 * failing to start. Each loader returns the library function users' commands call, or the reason why not.
 */
import { join } from "node:path";

export type Loaded<F> = { fn: F } | { missing: string };

/**
 * Requires the first of `automation/<modulePaths>` that exists and picks `exportName`; only a missing
 * module itself is tolerated.
 */
export function loadPhase<F>(modulePaths: string | string[], exportName: string): Loaded<F> {
  const paths = Array.isArray(modulePaths) ? modulePaths : [modulePaths];
  const reasons: string[] = [];
  for (const p of paths) {
    const found = loadOne<F>(p, exportName);
    if ("fn" in found) return found;
    reasons.push(found.missing);
  }
  return { missing: reasons.join("; ") };
}

function loadOne<F>(modulePath: string, exportName: string): Loaded<F> {
  const full = join(__dirname, "..", modulePath);
  let mod: Record<string, unknown>;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    mod = require(full);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    // A module that exists but fails to load (a bug in it) must surface, not pass as "missing".
    if (e.code === "MODULE_NOT_FOUND" && e.message.includes(full)) {
      return { missing: `automation/${modulePath}.ts is not available in this build` };
    }
    throw err;
  }
  const fn = mod[exportName];
  if (typeof fn !== "function")
    return { missing: `automation/${modulePath}.ts does not export ${exportName}() in this build` };
  return { fn: fn as F };
}

/** Shapes of the phase APIs the game day relies on (the parts it reads). */
export interface PhaseStep {
  id: string;
  status: string;
  startedAt?: string;
  endedAt?: string;
  detail?: string;
}

export interface InvestigateResult {
  caseId: string;
  status: string;
  workstation?: {
    instanceId: string;
    availabilityZone: string;
    volumes: { volumeId: string; snapshotId: string; device: string; mountPoint: string }[];
    mounted: boolean;
  };
  steps: PhaseStep[];
  notes: string[];
  error?: string;
}

export interface AnalyzeResult {
  caseId: string;
  status: string;
  attackerIps: unknown;
  steps: PhaseStep[];
  notes: string[];
  error?: string;
}

export interface RecoverResult {
  caseId: string;
  status: string;
  ami?: { imageId: string; parameter: string; version: number; publishedAt: string };
  health?: { targetGroupArn: string; expected: number; healthy: number }[];
  terminated?: boolean;
  steps: PhaseStep[];
  notes: string[];
  error?: string;
}

export interface VerifyResult {
  caseId: string;
  ok: boolean;
  problems: { kind: string; key?: string; detail: string }[];
}

type Req = Record<string, unknown>;
export interface PhaseApi {
  investigate: Loaded<(req: Req) => Promise<InvestigateResult>>;
  stopInvestigation: Loaded<(req: Req) => Promise<{ status: string }>>;
  analyzeCase: Loaded<(req: Req) => Promise<AnalyzeResult>>;
  recover: Loaded<(req: Req) => Promise<RecoverResult>>;
  verifyCase: Loaded<(req: Req) => Promise<VerifyResult>>;
  loadCaseReport: Loaded<(req: Req) => Promise<unknown>>;
  writeReports: Loaded<(report: unknown, dir: string) => Promise<Record<string, string>>>;
}

/** Where the report module's entry points may live (automation/report/*). */
const REPORT_MODULES = ["report/index", "report/load", "report/write", "report/report"];

export function loadPhases(): PhaseApi {
  return {
    investigate: loadPhase("investigate/investigate", "investigate"),
    stopInvestigation: loadPhase("investigate/investigate", "stopInvestigation"),
    analyzeCase: loadPhase("analyze/case", "analyzeCase"),
    recover: loadPhase("recover/recover", "recover"),
    verifyCase: loadPhase("evidence/verify", "verifyCase"),
    loadCaseReport: loadPhase(REPORT_MODULES, "loadCaseReport"),
    writeReports: loadPhase(REPORT_MODULES, "writeReports"),
  };
}
