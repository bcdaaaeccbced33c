/**
 * The case's figures, all measured from the moment the case opened: time to contain (every containment
 * step had taken effect, as `respond` measures it), time to evidence (the manifest verified) and time
 * to recover (the replacement's target health verified).
 */
import type { JournalEntry } from "../journal/chain";
import { CONTAINMENT_STEPS } from "../playbooks/contain";
import type { Figure, ReportStep } from "./model";

/** 1234 → "1.2 s"; 192000 → "3 min 12 s"; 3_900_000 → "1 h 5 min"; 183_600_000 → "2 d 3 h". */
export function humanDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s < 10 ? s.toFixed(1) : Math.round(s)} s`;
  const pair = (big: number, bigUnit: string, small: number, smallUnit: string) =>
    small > 0 ? `${big} ${bigUnit} ${small} ${smallUnit}` : `${big} ${bigUnit}`;
  const total = Math.round(s);
  if (total < 3600) return pair(Math.floor(total / 60), "min", total % 60, "s");
  if (total < 86_400) return pair(Math.floor(total / 3600), "h", Math.floor((total % 3600) / 60), "min");
  return pair(Math.floor(total / 86_400), "d", Math.floor((total % 86_400) / 3600), "h");
}

const reached = (openedAt: string, at: string): Figure => {
  const ms = Math.max(0, Date.parse(at) - Date.parse(openedAt));
  return { ms, human: humanDuration(ms), at };
};
const notReached = (why: string): Figure => ({ ms: null, human: `not reached: ${why}` });

const GOOD = new Set(["verified", "skipped"]);

export function timeToContain(
  openedAt: string,
  steps: readonly ReportStep[],
  entries: readonly JournalEntry[],
) {
  const mine = steps.filter((s) => CONTAINMENT_STEPS.includes(s.id));
  if (mine.length === 0) return notReached("no containment step ran");
  const bad = mine.filter((s) => !GOOD.has(s.status));
  if (bad.length > 0) return notReached(bad.map((s) => `${s.id} ${s.status}`).join(", "));
  // The moment a step took effect is its last "ran"/"skipped" entry (verification comes later).
  let last = "";
  for (const e of entries) {
    if (CONTAINMENT_STEPS.includes(e.stepId) && (e.event === "ran" || e.event === "skipped") && e.at > last)
      last = e.at;
  }
  return last ? reached(openedAt, last) : notReached("no containment step recorded its effect");
}

/** Time until `stepId` verified (the last time it did: a resumed case may verify it again). */
export function timeToVerified(
  openedAt: string,
  stepId: string,
  steps: readonly ReportStep[],
  entries: readonly JournalEntry[],
): Figure {
  const step = steps.find((s) => s.id === stepId);
  if (!step) return notReached(`the ${stepId} step has not run`);
  if (step.status !== "verified") return notReached(`${stepId} ${step.status}`);
  const at = entries.filter((e) => e.stepId === stepId && e.event === "verified").at(-1)!.at;
  return reached(openedAt, at);
}
