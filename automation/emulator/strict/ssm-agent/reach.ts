/**
 * Can the agent on this instance reach Systems Manager right now? It can when the instance is running
 * and its profile's credentials may call what the agent calls to register and to receive commands
 * (the AmazonSSMManagedInstanceCore actions): an explicit Deny on those credentials, a deny-all profile
 * or no profile at all silences it.
 * https://docs.aws.amazon.com/systems-manager/latest/userguide/setup-instance-permissions.html
 */

import { decide } from "../iam/decide";
import type { RoleSession } from "../identity";
import type { RuleContext } from "../types";
import { agentPrincipal } from "./credentials";
import type { Host } from "./host";

export interface Reach {
  reachable: boolean;
  /** Why not (or "online"). */
  reason: string;
  principal?: RoleSession;
}

/** The calls an agent cannot do without: registration, message delivery, the control channel. */
const AGENT_CALLS = (h: Host) => [
  {
    action: "ssm:UpdateInstanceInformation",
    resource: `arn:aws:ec2:${h.region}:${h.accountId}:instance/${h.instanceId}`,
  },
  { action: "ec2messages:GetMessages", resource: "*" },
  { action: "ssmmessages:OpenControlChannel", resource: "*" },
];

export async function reachOf(ctx: RuleContext, h: Host): Promise<Reach> {
  if (h.state !== "running") return { reachable: false, reason: `the instance is ${h.state}` };
  if (!h.roleArn) return { reachable: false, reason: "the instance has no instance profile with a role" };
  const principal = agentPrincipal(ctx, { ...h, roleArn: h.roleArn });
  // The evaluator adds what every request with these credentials carries (aws:TokenIssueTime,
  // ec2:SourceInstanceARN...); the rest is what a call from the instance itself adds.
  const context: Record<string, string> = {
    "aws:RequestedRegion": h.region,
    ...(h.privateIp ? { "aws:EC2InstanceSourcePrivateIPv4": h.privateIp } : {}),
    ...(h.vpcId ? { "aws:EC2InstanceSourceVPC": h.vpcId } : {}),
  };
  for (const call of AGENT_CALLS(h)) {
    const d = await decide(ctx, { principal, ...call, context });
    if (!d.allowed) return { reachable: false, reason: `${call.action} denied: ${d.reason}`, principal };
  }
  return { reachable: true, reason: "online", principal };
}
