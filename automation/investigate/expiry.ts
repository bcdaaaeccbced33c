/**
 * The case's forensic workstations for `ir status`: who owns each, until when, and whether it is past
 * its `ir:expires-at` (a forgotten workstation keeps evidence volumes attached and costs money).
 */

import { TAG } from "../../facts/tags";
import type { AwsClients } from "../aws/clients";
import { findWorkstations, LIVE_STATES, tagValue } from "./lookup";

export interface WorkstationStatus {
  instanceId: string;
  state: string;
  owner?: string;
  expiresAt?: string;
  /** Past its expiry, or without a readable `ir:expires-at` tag. */
  expired: boolean;
}

export async function caseWorkstations(
  clients: AwsClients,
  caseId: string,
  now = Date.now(),
): Promise<WorkstationStatus[]> {
  const found = await findWorkstations(clients.ec2, caseId, LIVE_STATES);
  return found.map((w) => {
    const owner = tagValue(w.Tags, TAG.owner);
    const expiresAt = tagValue(w.Tags, TAG.expiresAt);
    const at = expiresAt ? Date.parse(expiresAt) : Number.NaN;
    return {
      instanceId: w.InstanceId!,
      state: w.State?.Name ?? "unknown",
      ...(owner ? { owner } : {}),
      ...(expiresAt ? { expiresAt } : {}),
      expired: Number.isNaN(at) || at <= now,
    };
  });
}

/** The `ir status` lines for a case's workstations (none when it has none). */
export function workstationLines(
  caseId: string,
  list: readonly WorkstationStatus[] | undefined,
  error?: string,
): string[] {
  if (error) return [`  workstations: could not be listed: ${error}`];
  return (list ?? []).map(
    (w) =>
      `  workstation ${w.instanceId} (${w.state}), owner ${w.owner ?? "unknown"}, ${
        w.expired
          ? `EXPIRED ${w.expiresAt ? `since ${w.expiresAt}` : "(no ir:expires-at tag)"}: tear it down with \`ir investigate ${caseId} --stop\``
          : `expires ${w.expiresAt}`
      }`,
  );
}
