/** ENI helpers of the network steps: read the groups and tracking settings of the instance's ENIs. */
import { DescribeNetworkInterfacesCommand, type NetworkInterface } from "@aws-sdk/client-ec2";
import type { CaseContext } from "../case/context";

/** The instance's ENIs as they are now (groups read from each ENI, never from the instance). */
export async function describeEnis(ctx: CaseContext, ids: string[]): Promise<Map<string, NetworkInterface>> {
  const res = await ctx.clients.ec2.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: ids }));
  return new Map((res.NetworkInterfaces ?? []).map((n) => [n.NetworkInterfaceId!, n]));
}

export const groupIds = (n: NetworkInterface | undefined) => (n?.Groups ?? []).map((g) => g.GroupId!);

/** Minimum connection-tracking timeouts (seconds): TCP established 60 instead of 432000 (5 days). */
export const MIN_TRACKING = { TcpEstablishedTimeout: 60, UdpStreamTimeout: 60, UdpTimeout: 30 } as const;
