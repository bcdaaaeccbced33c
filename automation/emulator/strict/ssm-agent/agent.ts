/**
 * The agent's side of each poll: for every invocation looked at, the instance's agent either reaches
 * Systems Manager (it takes a Pending command and starts it; it reports a finished one) or does not (the
 * command stays where it is). A command not started by its delivery timeout never runs, and every
 * invocation still Pending or InProgress at the total timeout becomes DeliveryTimedOut.
 */
import type { RuleContext } from "../types";
import { deliverBy, end, expiresAt, type Invocation, type StoredCommand, TERMINAL } from "./commands";
import { prepareHost } from "./emulated-host";
import { type Host, hostsOf } from "./host";
import { type Reach, reachOf } from "./reach";
import { observe } from "./registration";
import { runScript } from "./run-script";

/** Reachability of each instance at this poll (one evaluation per instance, whatever it holds). */
export async function reachAll(
  ctx: RuleContext,
  accountId: string,
  region: string,
  ids?: readonly string[],
): Promise<{ host: Host; reach: Reach }[]> {
  const hosts = await hostsOf(ctx, accountId, region, ids);
  return Promise.all(
    hosts.map(async (host) => {
      const reach = await reachOf(ctx, host);
      observe(ctx, host, reach);
      return { host, reach };
    }),
  );
}

function start(ctx: RuleContext, c: StoredCommand, inv: Invocation): void {
  inv.status = "InProgress";
  inv.details = "InProgress";
  inv.startedAt = ctx.now();
  const running = runScript({
    instanceId: inv.instanceId,
    region: c.region,
    commandId: c.commandId,
    commands: c.parameters.commands ?? [],
    executionTimeoutMs: c.executionTimeoutSeconds * 1000,
    workingDirectory: c.parameters.workingDirectory?.[0] || undefined,
    prepare: (sandbox) => prepareHost(ctx, c.accountId, c.region, inv.instanceId, sandbox),
  });
  inv.running = running;
  void running.done.then((result) => {
    // Cancelled or expired meanwhile: the record already says how it ended.
    if (inv.running === running) inv.result = result;
  });
}

/** Reports what the host's script did (the agent's SendReply). */
function report(ctx: RuleContext, inv: Invocation, r: NonNullable<Invocation["result"]>): void {
  inv.stdout = r.stdout;
  inv.stderr = r.stderr;
  inv.responseCode = r.exitCode;
  inv.result = undefined;
  if (r.timedOut) end(inv, "TimedOut", "ExecutionTimedOut", ctx.now());
  else if (r.exitCode === 0) end(inv, "Success", "Success", ctx.now());
  else end(inv, "Failed", "Failed", ctx.now());
}

/** Moves one invocation as far as this poll lets it go. */
export function tick(ctx: RuleContext, c: StoredCommand, inv: Invocation, reach: Reach | undefined): void {
  if (TERMINAL.has(inv.status)) return;
  const now = ctx.now();
  if (now >= expiresAt(c)) {
    inv.running?.kill("timeout");
    inv.result = undefined;
    end(inv, "TimedOut", "DeliveryTimedOut", now);
    return;
  }
  if (!reach?.reachable) return;
  if (inv.status === "Pending") {
    if (now < deliverBy(c)) start(ctx, c, inv);
    return;
  }
  // The layer's clock may run ahead of the host's (tests move it): the agent enforces the bound too.
  if (inv.startedAt !== undefined && now >= inv.startedAt + c.executionTimeoutSeconds * 1000 && !inv.result) {
    inv.running?.kill("timeout");
    inv.running = undefined;
    end(inv, "TimedOut", "ExecutionTimedOut", now);
    return;
  }
  if (inv.result) report(ctx, inv, inv.result);
}

/** Ticks the given invocations, reaching each instance once. */
export async function advance(ctx: RuleContext, items: { command: StoredCommand; inv: Invocation }[]) {
  const open = items.filter((x) => !TERMINAL.has(x.inv.status));
  const groups = new Map<string, { accountId: string; region: string; ids: Set<string> }>();
  for (const { command, inv } of open) {
    const key = `${command.accountId}/${command.region}`;
    const g = groups.get(key) ?? { accountId: command.accountId, region: command.region, ids: new Set() };
    g.ids.add(inv.instanceId);
    groups.set(key, g);
  }
  const reaches = new Map<string, Reach>();
  for (const g of groups.values())
    for (const { host, reach } of await reachAll(ctx, g.accountId, g.region, [...g.ids]))
      reaches.set(`${g.accountId}/${g.region}/${host.instanceId}`, reach);
  for (const { command, inv } of open)
    tick(ctx, command, inv, reaches.get(`${command.accountId}/${command.region}/${inv.instanceId}`));
}
