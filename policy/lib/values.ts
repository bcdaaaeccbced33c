/**
 * Small readers for resource properties as policies see them: plain JSON with unknown sentinels.
 * Each returns a tri-state so a policy can tell "absent", "unknown during preview" and a real value
 * apart without ever comparing a sentinel to a setting.
 */
import { isUnknown } from "./unknown";

export type Props = Record<string, unknown>;

/** A value that may be unknown during preview. */
export type Known<T> = { known: true; value: T | undefined } | { known: false; value?: undefined };

export const UNKNOWN_VALUE: Known<never> = { known: false };

function wrap<T>(v: unknown, accept: (x: unknown) => x is T): Known<T> {
  if (isUnknown(v)) return UNKNOWN_VALUE;
  if (v === undefined || v === null) return { known: true, value: undefined };
  return accept(v) ? { known: true, value: v } : { known: true, value: undefined };
}

const isString = (x: unknown): x is string => typeof x === "string";
const isNumber = (x: unknown): x is number => typeof x === "number";

/** Reads a property path ("a.b.0.c") without throwing; an unknown on the way makes the result unknown. */
export function at(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const key of path.split(".")) {
    if (isUnknown(cur)) return cur;
    if (cur === undefined || cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

export const str = (v: unknown): Known<string> => wrap(v, isString);

/** Numbers, also numeric strings (some provider fields are strings). */
export function num(v: unknown): Known<number> {
  if (typeof v === "string" && !isUnknown(v) && v.trim() !== "" && Number.isFinite(Number(v)))
    return { known: true, value: Number(v) };
  return wrap(v, isNumber);
}

/** Booleans, also the "true"/"false" strings launch templates use. */
export function bool(v: unknown): Known<boolean> {
  if (typeof v === "string" && !isUnknown(v)) {
    const s = v.trim().toLowerCase();
    if (s === "true") return { known: true, value: true };
    if (s === "false") return { known: true, value: false };
    return { known: true, value: undefined };
  }
  return wrap(v, (x): x is boolean => typeof x === "boolean");
}

/** Arrays: unknown stays unknown, absent is []. */
export function list(v: unknown): Known<unknown[]> {
  if (isUnknown(v)) return UNKNOWN_VALUE;
  if (Array.isArray(v)) return { known: true, value: v };
  return { known: true, value: [] };
}

/** Objects (maps): unknown stays unknown, absent is undefined. */
export function obj(v: unknown): Known<Props> {
  if (isUnknown(v)) return UNKNOWN_VALUE;
  if (v && typeof v === "object" && !Array.isArray(v)) return { known: true, value: v as Props };
  return { known: true, value: undefined };
}

/** Parses a JSON document given as a string or an object; unknown stays unknown, garbage is undefined. */
export function jsonDoc(v: unknown): Known<Props> {
  if (isUnknown(v)) return UNKNOWN_VALUE;
  if (typeof v === "string") {
    try {
      const parsed = JSON.parse(v);
      return { known: true, value: parsed && typeof parsed === "object" ? (parsed as Props) : undefined };
    } catch {
      return { known: true, value: undefined };
    }
  }
  return obj(v);
}

/** True when any value anywhere inside is unknown. */
export function containsUnknown(v: unknown): boolean {
  if (isUnknown(v)) return true;
  if (Array.isArray(v)) return v.some(containsUnknown);
  if (v && typeof v === "object") return Object.values(v as Props).some(containsUnknown);
  return false;
}

/** Normalises a string-or-array IAM field (Action, Resource, Principal.AWS...) to an array. */
export function asArray(v: unknown): unknown[] {
  if (v === undefined || v === null) return [];
  return Array.isArray(v) ? v : [v];
}
