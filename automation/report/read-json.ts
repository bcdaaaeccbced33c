/**
 * Reading journaled JSON defensively: a record written by an older or newer version of a step must not
 * break the report. Every string read is bounded (`bound`); escaping is the renderers' job.
 */
import { bound } from "./text";

/** Most rows a section keeps (the rest are counted as omitted). */
export const MAX_ROWS = { tags: 50, addresses: 200, changes: 500, artefacts: 500, warnings: 50 };

export type Obj = Record<string, unknown>;
export const obj = (v: unknown): Obj | undefined =>
  v && typeof v === "object" && !Array.isArray(v) ? (v as Obj) : undefined;
export const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
export const str = (v: unknown, max?: number): string | undefined =>
  typeof v === "string" ? bound(v, max) : typeof v === "number" ? String(v) : undefined;
export const num = (v: unknown): number | undefined =>
  typeof v === "number" && Number.isFinite(v) ? v : undefined;
/** Copies the defined values only (the model has no `undefined` holes, so JSON and deep-equal agree). */
export function defined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
export const strings = (v: unknown, max: number) =>
  arr(v)
    .map((x) => str(x))
    .filter((x): x is string => x !== undefined)
    .slice(0, max);
