/**
 * Steps and phases from the journal: each step's last state and its first and last journal times,
 * grouped into the case's phases by the step-id contract (`investigate-*`, `analyze-*`, `recover-*`,
 * `terminate`, `collect-logs`; the rest belongs to the contain or release playbooks).
 */
import type { JournalEntry } from "../journal/chain";
import type { Phase, PhaseStatus, ReportPhase, ReportStep, ReportStepStatus } from "./model";
import { PHASES } from "./model";

/** Steps of the contain playbook that preserve evidence rather than contain the instance. */
const PRESERVE_STEPS = new Set([
  "snapshot",
  "evidence-bucket",
  "metadata-before",
  "metadata-after",
  "memory",
  "close-forensic-egress",
  "manifest",
  "collect-logs",
]);

const RELEASE_STEPS = new Set(["remove-deny-policy", "tag-released"]);

export function phaseOf(stepId: string): Phase | "release" {
  if (stepId === "terminate") return "terminate";
  for (const p of ["investigate", "analyze", "recover"] as const) if (stepId.startsWith(`${p}-`)) return p;
  if (PRESERVE_STEPS.has(stepId)) return "preserve";
  if (stepId.startsWith("restore-") || RELEASE_STEPS.has(stepId)) return "release";
  return "contain";
}

/** Journal event → the step's state when it is the step's last event. */
const LAST_EVENT: Record<string, ReportStepStatus> = {
  verified: "verified",
  unverified: "unverified",
  failed: "failed",
  blocked: "blocked",
  refused: "refused",
  started: "started",
  ran: "ran",
  skipped: "ran",
};

const detailOf = (data: unknown): string | undefined => {
  const d = data as
    | { error?: unknown; reason?: unknown; detail?: unknown; by?: unknown; unverifiedEvidence?: unknown }
    | null
    | undefined;
  const v =
    d?.error ??
    d?.reason ??
    d?.detail ??
    (Array.isArray(d?.by) ? `blocked by ${d.by.join(", ")}` : null) ??
    (Array.isArray(d?.unverifiedEvidence)
      ? `refused: evidence not verified (${d.unverifiedEvidence.join(", ")})`
      : null);
  return v === null || v === undefined || v === "skipped" ? undefined : String(v);
};

export function summariseSteps(entries: readonly JournalEntry[]): ReportStep[] {
  const byId = new Map<string, ReportStep & { skipped: boolean }>();
  const retries = new Map<string, number>();
  const reapplied = new Map<string, number>();
  for (const e of entries) {
    if (e.stepId === "case") continue;
    // A retried attempt is accounted for (its error is in the journal), not a state of the step.
    if (e.event === "retrying") retries.set(e.stepId, (retries.get(e.stepId) ?? 0) + 1);
    if (e.event === "reapplied") reapplied.set(e.stepId, (reapplied.get(e.stepId) ?? 0) + 1);
    const status = LAST_EVENT[e.event];
    if (!status) continue;
    let s = byId.get(e.stepId);
    if (!s) {
      s = {
        id: e.stepId,
        phase: phaseOf(e.stepId),
        status,
        startedAt: e.at,
        endedAt: e.at,
        durationMs: 0,
        skipped: false,
      };
      byId.set(e.stepId, s);
    }
    // A re-run after a crash starts the step again: skipped is about the latest run only.
    if (e.event === "started") s.skipped = false;
    if (e.event === "skipped") s.skipped = true;
    s.status = status === "verified" && s.skipped ? "skipped" : status;
    s.endedAt = e.at;
    s.durationMs = Math.max(0, Date.parse(s.endedAt) - Date.parse(s.startedAt));
    const detail = detailOf(e.data);
    if (detail !== undefined) s.detail = detail;
    else if (e.event === "started") delete s.detail;
  }
  return [...byId.values()].map(({ skipped: _skipped, ...s }) => ({
    ...s,
    ...(retries.get(s.id) ? { retries: retries.get(s.id)! } : {}),
    ...(reapplied.get(s.id) ? { reapplied: reapplied.get(s.id)! } : {}),
  }));
}

const DONE = new Set<ReportStepStatus>(["verified", "skipped"]);
const BAD = new Set<ReportStepStatus>(["failed", "unverified", "blocked", "refused"]);

export function summarisePhases(steps: readonly ReportStep[]): ReportPhase[] {
  return PHASES.map((phase) => {
    const mine = steps.filter((s) => s.phase === phase);
    if (mine.length === 0) return { phase, status: "not run" as PhaseStatus, steps: [] };
    const startedAt = mine.map((s) => s.startedAt).sort()[0]!;
    const endedAt = mine
      .map((s) => s.endedAt)
      .sort()
      .at(-1)!;
    const status: PhaseStatus = mine.some((s) => BAD.has(s.status))
      ? "incomplete"
      : mine.every((s) => DONE.has(s.status))
        ? "complete"
        : "in progress";
    return {
      phase,
      status,
      startedAt,
      endedAt,
      durationMs: Math.max(0, Date.parse(endedAt) - Date.parse(startedAt)),
      steps: mine.map((s) => s.id),
    };
  });
}

export function countSteps(steps: readonly ReportStep[]): Partial<Record<ReportStepStatus, number>> {
  const out: Partial<Record<ReportStepStatus, number>> = {};
  for (const s of steps) out[s.status] = (out[s.status] ?? 0) + 1;
  return out;
}
