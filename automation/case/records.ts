/** The records of a case's steps, read back from its journal entries (what a later command starts from). */
import { stepStates } from "../engine/runner";
import type { Json } from "../engine/types";

/** Records of every step of a case so far. */
export function recordsOf(entries: Parameters<typeof stepStates>[0]): Map<string, Json | undefined> {
  const out = new Map<string, Json | undefined>();
  for (const [id, s] of stepStates(entries)) if (s.record !== undefined) out.set(id, s.record);
  return out;
}
