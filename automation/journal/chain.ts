/**
 * Hash chain of a case journal: every entry's hash covers the previous entry's hash and the entry's
 * own canonical content, so removing, reordering or editing an entry breaks every hash after it.
 */
import { createHash } from "node:crypto";
import type { Json } from "../engine/types";

export const GENESIS_HASH = "0".repeat(64);

/** A journal entry as stored (DynamoDB item or JSON line). */
export interface JournalEntry {
  caseId: string;
  seq: number;
  /** ISO-8601 UTC. */
  at: string;
  /** Step id, or "case" for case-level events. */
  stepId: string;
  /** "opened", "started", "ran", "skipped", "verified", "failed", "blocked", "refused", "released"... */
  event: string;
  data?: Json;
  prevHash: string;
  hash: string;
}

/** JSON with sorted keys: the same content always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(",")}}`;
}

export function entryHash(e: Omit<JournalEntry, "hash">): string {
  const body = canonicalJson({
    caseId: e.caseId,
    seq: e.seq,
    at: e.at,
    stepId: e.stepId,
    event: e.event,
    data: e.data ?? null,
    prevHash: e.prevHash,
  });
  return createHash("sha256").update(body).digest("hex");
}

export function sealEntry(e: Omit<JournalEntry, "hash">): JournalEntry {
  return { ...e, hash: entryHash(e) };
}

export interface ChainCheck {
  ok: boolean;
  /** First bad sequence number and what is wrong with it. */
  problem?: string;
}

/** Checks a case's entries (sorted by seq): contiguous, linked and un-edited. */
export function verifyChain(entries: readonly JournalEntry[]): ChainCheck {
  let prev = GENESIS_HASH;
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i]!;
    if (e.seq !== i) return { ok: false, problem: `entry ${i} is missing (found seq ${e.seq} in its place)` };
    if (e.prevHash !== prev)
      return { ok: false, problem: `entry ${e.seq} does not link to entry ${e.seq - 1}` };
    if (entryHash(e) !== e.hash)
      return { ok: false, problem: `entry ${e.seq} was modified after it was written` };
    prev = e.hash;
  }
  return { ok: true };
}
