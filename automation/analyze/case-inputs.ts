/**
 * What `ir analyze` needs from a case, read from its journal: the incident window, the instance as it
 * was before containment (its addresses, interfaces, groups and role), the finding that opened it; and
 * from EC2 the VPC's NAT gateway addresses (the instance's own egress) and where its flow logs go.
 */

import type { Instance } from "@aws-sdk/client-ec2";
import { DescribeFlowLogsCommand, DescribeNatGatewaysCommand } from "@aws-sdk/client-ec2";
import type { AwsClients } from "../aws/clients";
import type { InstanceFacts } from "../case/context";
import type { CaseMeta } from "../journal/journal";
import { windowFromFinding } from "./finding-window";
import type { FlowLogLocation } from "./flow-log-keys";
import { checkWindow, type InstanceSubject, subjectFromInstance } from "./subject";

/** How far before the first sighting (or the case, without a finding) the default window starts. */
export const DEFAULT_LOOKBACK_MS = 24 * 3_600_000;

export interface CaseWindow {
  start: string;
  end: string;
  /** Where the bounds came from, for the report. */
  source: string;
}

interface CaseSource {
  kind?: string;
  firstSeen?: string;
  finding?: unknown;
}

export const sourceOf = (meta: CaseMeta): CaseSource => (meta.source ?? {}) as CaseSource;

/**
 * The incident window: --since/--until when given; else from a day before the finding's first sighting
 * (or before the case opened, when it started from an instance id) to now.
 */
export function caseWindow(
  meta: CaseMeta,
  given: { since?: string; until?: string },
  now = new Date(),
): CaseWindow {
  const end = given.until ?? now.toISOString();
  const endWhy = given.until ? "--until" : "now";
  if (given.since) {
    const w = checkWindow(given.since, end);
    return { start: w.start.toISOString(), end: w.end.toISOString(), source: `--since to ${endWhy}` };
  }
  const src = sourceOf(meta);
  const endDate = checkWindow(new Date(0), end).end;
  if (src.finding !== undefined || src.firstSeen) {
    try {
      const w = windowFromFinding(src.finding ?? { createdAt: src.firstSeen }, {
        marginBeforeMs: DEFAULT_LOOKBACK_MS,
        end: endDate,
      });
      return {
        start: w.start.toISOString(),
        end: w.end.toISOString(),
        source: `24 h before the finding's first sighting, to ${endWhy}`,
      };
    } catch {
      // A finding without times: fall back to the case's opening below.
    }
  }
  const w = checkWindow(new Date(Date.parse(meta.createdAt) - DEFAULT_LOOKBACK_MS), endDate);
  return {
    start: w.start.toISOString(),
    end: w.end.toISOString(),
    source: `24 h before the case opened (no finding times), to ${endWhy}`,
  };
}

/** The instance's own addresses and interfaces, from the case's discover record (before containment). */
export function subjectOfCase(f: InstanceFacts, roleArn?: string, egress: string[] = []): InstanceSubject {
  const fromRaw = f.raw ? subjectFromInstance(f.raw as Instance, roleArn, egress) : undefined;
  const uniq = (xs: (string | undefined)[]) => [...new Set(xs.filter((x): x is string => !!x))];
  return {
    instanceId: f.instanceId,
    privateIpv4: uniq([...(fromRaw?.privateIpv4 ?? []), ...f.enis.flatMap((e) => e.privateIps)]),
    publicIpv4: uniq([...(fromRaw?.publicIpv4 ?? []), ...f.addresses.map((a) => a.publicIp)]),
    ipv6: uniq([...(fromRaw?.ipv6 ?? []), ...f.enis.flatMap((e) => e.ipv6)]),
    eniIds: uniq([...(fromRaw?.eniIds ?? []), ...f.enis.map((e) => e.id)]),
    ...(roleArn ? { roleArn } : {}),
    egressAddresses: egress,
  };
}

/** Public addresses of the VPC's NAT gateways: the instance's traffic through them is its own. */
export async function natGatewayAddresses(clients: AwsClients, vpcId: string): Promise<string[]> {
  const res = await clients.ec2.send(
    new DescribeNatGatewaysCommand({ Filter: [{ Name: "vpc-id", Values: [vpcId] }] }),
  );
  return [
    ...new Set(
      (res.NatGateways ?? [])
        .filter((n) => n.State !== "deleted" && n.State !== "failed")
        .flatMap((n) => (n.NatGatewayAddresses ?? []).map((a) => a.PublicIp))
        .filter((ip): ip is string => !!ip),
    ),
  ];
}

/**
 * Where the flow logs of the instance's VPC, subnet or interfaces go, when that is S3 in the plain
 * (non-Hive) layout; otherwise the reason they cannot be read from here.
 */
export async function flowLogLocation(
  clients: AwsClients,
  f: InstanceFacts,
): Promise<{ location?: FlowLogLocation; reason?: string }> {
  const ids = [f.vpcId, ...(f.subnetId ? [f.subnetId] : []), ...f.enis.map((e) => e.id)];
  const res = await clients.ec2.send(
    new DescribeFlowLogsCommand({ Filter: [{ Name: "resource-id", Values: ids }] }),
  );
  const logs = (res.FlowLogs ?? []).filter((l) => l.FlowLogStatus !== "DELETED");
  const s3 = logs.find((l) => l.LogDestinationType === "s3" && l.LogDestination);
  if (!s3) {
    return {
      reason: logs.length
        ? `the flow logs of ${f.vpcId} go to ${logs.map((l) => l.LogDestinationType ?? "cloud-watch-logs").join(", ")}, not S3: query them there`
        : `no flow log covers ${f.vpcId}, its subnet or its interfaces: the baseline's flow logs cover protected VPCs`,
    };
  }
  if (s3.DestinationOptions?.HiveCompatiblePartitions) {
    return {
      reason: `flow log ${s3.FlowLogId} uses Hive-compatible S3 partitions, which this reader does not list`,
    };
  }
  const m = /^arn:aws[\w-]*:s3:::([^/]+)\/?(.*)$/.exec(s3.LogDestination!);
  if (!m)
    return { reason: `flow log ${s3.FlowLogId} names destination "${s3.LogDestination}", not an S3 ARN` };
  return {
    location: { bucket: m[1]!, accountId: f.accountId, region: f.region, prefix: m[2]!.replace(/\/+$/, "") },
  };
}
