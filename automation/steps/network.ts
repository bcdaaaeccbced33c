/** ENI helpers of the network steps: read the groups and tracking settings of the instance's ENIs. */
import { DescribeNetworkInterfacesCommand, type NetworkInterface } from "@aws-sdk/client-ec2";
import type { CaseContext } from "../case/context";
import { facts } from "../case/context";

/** The instance's ENIs as they are now (groups read from each ENI, never from the instance). */
export async function describeEnis(ctx: CaseContext, ids: string[]): Promise<Map<string, NetworkInterface>> {
  const res = await ctx.clients.ec2.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: ids }));
  return new Map((res.NetworkInterfaces ?? []).map((n) => [n.NetworkInterfaceId!, n]));
}

export const groupIds = (n: NetworkInterface | undefined) => (n?.Groups ?? []).map((g) => g.GroupId!);

/** Minimum connection-tracking timeouts (seconds): TCP established 60 instead of 432000 (5 days). */
export const MIN_TRACKING = { TcpEstablishedTimeout: 60, UdpStreamTimeout: 60, UdpTimeout: 30 } as const;

/**
 * An ENI a security group cannot contain: an AWS service created it on the instance for its own use
 * (an ECS awsvpc task's, for one) and EC2 refuses every change to it, its groups included.
 */
export interface UncontainableEni {
  id: string;
  /** Who manages it (the requester id EC2 reports: a service principal or account). */
  managedBy: string;
  description?: string;
}

/** A line a person can act on: the ENI, its owner, and what to do instead. */
export function describeUncontainable(e: UncontainableEni): string {
  return `${e.id} is requester-managed by ${e.managedBy} and cannot be contained by a security group (stop its task or service${e.description ? `; ${e.description}` : ""})`;
}

/**
 * The instance's ENIs as they are now, split into those security groups can contain and the
 * requester-managed ones (never modified: EC2 refuses, and a refused call must not fail containment).
 */
export async function containableEnis(ctx: CaseContext): Promise<{
  enis: string[];
  uncontainable: UncontainableEni[];
  now: Map<string, NetworkInterface>;
}> {
  const all = facts(ctx).enis.map((e) => e.id);
  const now = await describeEnis(ctx, all);
  const uncontainable = all
    .filter((id) => now.get(id)?.RequesterManaged)
    .map((id) => {
      const n = now.get(id)!;
      return {
        id,
        managedBy: n.RequesterId ?? "an AWS service",
        ...(n.Description ? { description: n.Description } : {}),
      };
    });
  const skip = new Set(uncontainable.map((u) => u.id));
  return { enis: all.filter((id) => !skip.has(id)), uncontainable, now };
}
