/** Small helpers shared by the steps: case tags, EC2 DryRun answers, error names. */
import type { Tag } from "@aws-sdk/client-ec2";
import { MANAGED_BY, TAG } from "../../facts/tags";
import { errorName } from "../aws/errors";
import type { RunAttempt } from "../engine/types";

export { errorName };

export function caseTags(caseId: string, step: string, extra: Record<string, string> = {}): Tag[] {
  return Object.entries({
    [TAG.caseId]: caseId,
    [TAG.step]: step,
    [TAG.managedBy]: MANAGED_BY,
    ...extra,
  }).map(([Key, Value]) => ({ Key, Value }));
}

/**
 * Asks EC2 whether a call would succeed without making it (DryRun=true): "allowed" when EC2 answers
 * DryRunOperation, "denied: ..." when not authorised, the error otherwise.
 */
export async function dryRun(call: () => Promise<unknown>): Promise<string> {
  try {
    await call();
    return "allowed (the API has no dry run answer)";
  } catch (err) {
    const name = errorName(err);
    if (name === "DryRunOperation") return "allowed";
    if (name === "UnauthorizedOperation") return `denied: ${(err as Error).message}`;
    return `error: ${name}: ${(err as Error).message}`;
  }
}

export const sameSet = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && [...a].sort().join(",") === [...b].sort().join(",");

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * True when this step's change may already exist: the case is resumed (a crashed or faulted run), or an
 * earlier attempt of this run failed, possibly after AWS made the change (a reset after the call).
 * A step then looks before it acts instead of trusting the facts gathered at the start.
 */
export const mayHaveRun = (ctx: { resumed: boolean }, attempt?: RunAttempt) =>
  ctx.resumed || (attempt?.attempt ?? 1) > 1;
