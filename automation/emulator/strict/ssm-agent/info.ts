/**
 * DescribeInstanceInformation: the managed instances (registered once) with their agent's PingStatus
 * as of this poll: Online when it reaches Systems Manager now, ConnectionLost when it does not (stopped,
 * no profile, its credentials denied). An instance that never registered is not listed.
 * https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_DescribeInstanceInformation.html
 */
import type { RuleContext, StrictRequest } from "../types";
import { advance, reachAll } from "./agent";
import { commandsOf } from "./commands";
import { SsmError, str, stringList } from "./errors";
import { registrationOf } from "./registration";

/** Filters as sent: `Filters` (Key, Values) and the older `InstanceInformationFilterList` (key, valueSet). */
function filtersOf(body: Record<string, unknown>): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const f of (Array.isArray(body.Filters) ? body.Filters : []) as { Key?: unknown; Values?: unknown }[])
    out.set(String(f.Key ?? ""), stringList(f.Values));
  const old = Array.isArray(body.InstanceInformationFilterList) ? body.InstanceInformationFilterList : [];
  for (const f of old as { key?: unknown; valueSet?: unknown }[])
    out.set(String(f.key ?? ""), stringList(f.valueSet));
  for (const key of out.keys())
    if (key !== "InstanceIds" && key !== "PingStatus")
      throw new SsmError("InvalidFilterKey", `The simulated SSM agent does not filter on ${key}.`);
  return out;
}

export async function describeInstanceInformation(ctx: RuleContext, req: StrictRequest) {
  const body = req.json ?? {};
  const filters = filtersOf(body);
  const ids = filters.get("InstanceIds");
  const seen = await reachAll(ctx, req.accountId, req.region, ids);
  // The agents that answer this poll also take and report their commands.
  const online = new Set(seen.filter((s) => s.reach.reachable).map((s) => s.host.instanceId));
  await advance(
    ctx,
    [...commandsOf(ctx).values()]
      .filter((c) => c.accountId === req.accountId && c.region === req.region)
      .flatMap((command) =>
        [...command.invocations.values()]
          .filter((inv) => online.has(inv.instanceId))
          .map((inv) => ({ command, inv })),
      ),
  );
  const ping = filters.get("PingStatus");
  const list = seen
    .map(({ host, reach }) => ({ host, reach, reg: registrationOf(ctx, host) }))
    .filter((x) => x.reg !== undefined)
    .map(({ host, reach, reg }) => ({
      InstanceId: host.instanceId,
      PingStatus: reach.reachable ? "Online" : "ConnectionLost",
      LastPingDateTime: reg!.lastPingAt / 1000,
      AgentVersion: "3.3.987.0",
      IsLatestVersion: true,
      PlatformType: "Linux",
      PlatformName: "Amazon Linux",
      PlatformVersion: "2023",
      ResourceType: "EC2Instance",
      ...(host.privateIp ? { IPAddress: host.privateIp } : {}),
      ComputerName: `ip-${(host.privateIp ?? "10.0.0.1").replace(/\./g, "-")}.ec2.internal`,
      SourceId: host.instanceId,
      SourceType: "AWS::EC2::Instance",
    }))
    .filter((i) => !ping || ping.includes(i.PingStatus))
    .sort((a, b) => a.InstanceId.localeCompare(b.InstanceId));
  const max = typeof body.MaxResults === "number" ? body.MaxResults : 50;
  const from = Number(str(body.NextToken) ?? "0") || 0;
  const next = from + max;
  return {
    InstanceInformationList: list.slice(from, next),
    ...(next < list.length ? { NextToken: String(next) } : {}),
  };
}
