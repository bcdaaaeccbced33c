/**
 * The game day's timeline: every step of every phase as the engine reported it (offset from the moment
 * the finding arrived, phase, step, status), then the figures: time to contain, to evidence, to recover,
 * and the AWS calls the responder made (counted by the client factory's recorder, not estimated).
 */
import type { RecordedCall } from "../aws/clients";
import { safe } from "../cli/render";
import type { EngineEvent } from "../engine/types";

export type Phase = "attack" | "respond" | "investigate" | "analyze" | "recover" | "terminate" | "check";

export interface TimelineEntry {
  /** Epoch ms: when it happened (an engine step: when its run ended). */
  at: number;
  /** Engine steps: when the step finished (verified, skipped, failed...). */
  finishedAt?: number;
  phase: Phase;
  step: string;
  status: string;
  detail?: string;
}

export class Timeline {
  readonly entries: TimelineEntry[] = [];
  constructor(readonly origin: number) {}

  add(phase: Phase, step: string, status: string, detail?: string, at = Date.now()): void {
    this.entries.push({ at, phase, step, status, ...(detail ? { detail } : {}) });
  }

  /**
   * An engine observer that files finished steps under `phase` (the terminate step under its own), at
   * the moment the step acted (its `run` ended), with its final status: verification is deferred until
   * containment ran, so finish times would show the order of checking, not of acting.
   */
  observer(phase: Phase): (e: EngineEvent) => void {
    const ranAt = new Map<string, number>();
    return (e) => {
      if (e.type === "step-ran") ranAt.set(e.stepId, e.at);
      if (e.type !== "step-finished") return;
      const p: Phase = e.stepId === "terminate" ? "terminate" : phase;
      this.entries.push({
        at: ranAt.get(e.stepId) ?? e.at,
        finishedAt: e.at,
        phase: p,
        step: e.stepId,
        status: e.report.status,
        ...(e.report.detail ? { detail: e.report.detail } : {}),
      });
    };
  }

  /** When a step reached one of `statuses` (its verification, for engine steps). */
  timeOf(step: string, statuses: string[]): number | undefined {
    const e = this.entries.find((x) => x.step === step && statuses.includes(x.status));
    return e ? (e.finishedAt ?? e.at) : undefined;
  }

  sorted(): TimelineEntry[] {
    return [...this.entries].sort((a, b) => a.at - b.at);
  }
}

export interface Figures {
  timeToContainMs?: number;
  timeToEvidenceMs?: number;
  timeToRecoverMs?: number;
  apiCalls: number;
  apiCallsFailed: number;
  /** Calls per service prefix (ec2, iam, s3...). */
  apiCallsByService: Record<string, number>;
}

export function countCalls(
  calls: readonly RecordedCall[],
): Pick<Figures, "apiCalls" | "apiCallsFailed" | "apiCallsByService"> {
  const byService: Record<string, number> = {};
  for (const c of calls) {
    const service = c.action.split(":")[0] ?? "unknown";
    byService[service] = (byService[service] ?? 0) + 1;
  }
  return {
    apiCalls: calls.length,
    apiCallsFailed: calls.filter((c) => !c.ok).length,
    apiCallsByService: Object.fromEntries(Object.entries(byService).sort(([a], [b]) => a.localeCompare(b))),
  };
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(3)}s`;
const pad = (s: string, n: number) => (s.length >= n ? s : s + " ".repeat(n - s.length));
/** One line, no control characters (details come from AWS and findings), bounded. */
const oneLine = (s: string, max = 90) => safe(s.replace(/\s+/g, " ").trim(), max);

/** The printed timeline: `+  0.412s  respond      isolate                 verified  detail`. */
export function renderTimeline(t: Timeline): string[] {
  return t.sorted().map((e) => {
    const offset = pad(`+${seconds(Math.max(0, e.at - t.origin))}`, 10);
    const detail = e.detail ? `  ${oneLine(e.detail)}` : "";
    return `  ${offset} ${pad(e.phase, 12)} ${pad(e.step, 26)} ${pad(e.status, 10)}${detail}`.trimEnd();
  });
}

export function renderFigures(f: Figures): string[] {
  const t = (ms?: number) => (ms === undefined ? "not reached" : seconds(ms));
  const services = Object.entries(f.apiCallsByService)
    .map(([s, n]) => `${s} ${n}`)
    .join(", ");
  return [
    `  time to contain    ${t(f.timeToContainMs)}`,
    `  time to evidence   ${t(f.timeToEvidenceMs)}`,
    `  time to recover    ${t(f.timeToRecoverMs)}`,
    `  AWS calls          ${f.apiCalls} (${f.apiCallsFailed} failed)${services ? `: ${services}` : ""}`,
  ];
}
