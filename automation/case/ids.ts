/** Ids of cases (one per instance and incident) and of runs (one per process that holds a case). */
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { InputError } from "../input/targets";

export function newCaseId(now = new Date()): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z");
  return `c-${stamp}-${randomBytes(3).toString("hex")}`.toLowerCase();
}

export function newRunId(): string {
  return `${hostname()}:${process.pid}:${randomBytes(4).toString("hex")}`;
}

/** A case id as `ir respond` prints it. */
export const CASE_ID = /^c-\d{8}t\d{6}z-[0-9a-f]{6}$/;

export function checkCaseId(value: string): string {
  if (!CASE_ID.test(value)) {
    throw new InputError(
      `case id "${value}" is not valid: expected c-<yyyymmdd>t<hhmmss>z-<6 hex digits>, as \`ir respond\` prints`,
    );
  }
  return value;
}
