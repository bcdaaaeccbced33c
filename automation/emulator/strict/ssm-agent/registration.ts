/**
 * Which instances Systems Manager knows (the agent registered once), and when each last pinged. An agent
 * registers the first time it reaches Systems Manager after its start-up delay (AWS: 30 s to minutes after
 * launch; settable here), and stays registered: an agent that loses access shows ConnectionLost, and
 * commands sent to it are accepted and wait. An instance never registered is not a managed node:
 * SendCommand refuses it (InvalidInstanceId).
 * https://docs.aws.amazon.com/systems-manager/latest/userguide/troubleshooting-managed-nodes.html
 */
import type { RuleContext } from "../types";
import type { Host } from "./host";
import { ssmAgentOptions } from "./options";
import type { Reach } from "./reach";

export interface Registration {
  registeredAt: number;
  lastPingAt: number;
}

const registrationsOf = (ctx: RuleContext): Map<string, Registration> =>
  ctx.state.of("ssm-agent/registrations", () => new Map());
const keyOf = (accountId: string, region: string, instanceId: string) =>
  `${accountId}/${region}/${instanceId}`;

/** Records what this poll saw of the instance's agent. */
export function observe(ctx: RuleContext, host: Host, reach: Reach): void {
  if (!reach.reachable || !reach.principal) return;
  const regs = registrationsOf(ctx);
  const key = keyOf(host.accountId, host.region, host.instanceId);
  const now = ctx.now();
  const known = regs.get(key);
  if (known) {
    known.lastPingAt = now;
    return;
  }
  if (now < reach.principal.issuedAt + ssmAgentOptions().registrationDelayMs) return;
  regs.set(key, { registeredAt: now, lastPingAt: now });
}

export function registrationOf(ctx: RuleContext, host: Pick<Host, "accountId" | "region" | "instanceId">) {
  return registrationsOf(ctx).get(keyOf(host.accountId, host.region, host.instanceId));
}
