/**
 * A default incident window from a finding, for `ir analyze` when the responder gives none: from a
 * margin before the finding's first sighting (attackers are active before detection: reconnaissance,
 * the initial access itself) to the end given (containment, or now).
 */
import { AnalyzeInputError, checkWindow, type IncidentWindow } from "./subject";

export interface FindingWindowOptions {
  /** How far before the first sighting to look. @default 24 hours */
  marginBeforeMs?: number;
  /** End of the window. @default now */
  end?: Date;
}

// biome-ignore lint/suspicious/noExplicitAny: findings are untyped JSON read defensively
type Obj = Record<string, any>;

function firstSeen(doc: unknown): string[] {
  if (Array.isArray(doc)) return doc.flatMap(firstSeen);
  if (!doc || typeof doc !== "object") return [];
  const d = doc as Obj;
  if (d.detail && typeof d.source === "string")
    return firstSeen(Array.isArray(d.detail.findings) ? d.detail.findings : d.detail);
  if (Array.isArray(d.Findings)) return firstSeen(d.Findings);
  return [d.service?.eventFirstSeen, d.FirstObservedAt, d.CreatedAt, d.createdAt]
    .filter((t): t is string => typeof t === "string")
    .slice(0, 1);
}

export function windowFromFinding(doc: unknown, options: FindingWindowOptions = {}): IncidentWindow {
  const times = firstSeen(doc)
    .map((t) => new Date(t))
    .filter((t) => !Number.isNaN(t.getTime()));
  if (times.length === 0) {
    throw new AnalyzeInputError(
      "the finding has no first-seen time (service.eventFirstSeen, FirstObservedAt or CreatedAt): pass the incident window explicitly (its start and end)",
    );
  }
  const first = Math.min(...times.map((t) => t.getTime()));
  const start = new Date(first - (options.marginBeforeMs ?? 24 * 3_600_000));
  return checkWindow(start, options.end ?? new Date());
}
