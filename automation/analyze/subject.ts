/**
 * What an analysis is about: the instance (its addresses, interfaces and role) and the incident window.
 * Validated once here so every source (CloudTrail, the finding, flow logs, Config) sees the same,
 * normalised input and bad input fails before any AWS call.
 */
import type { Instance } from "@aws-sdk/client-ec2";
import { parseAddress } from "./ip";

export const INSTANCE_ID = /^i-(?:[0-9a-f]{8}|[0-9a-f]{17})$/;
const ROLE_ARN = /^arn:aws[\w-]*:iam::(\d{12}):role\/(?:[\w+=,.@-]+\/)*([\w+=,.@-]+)$/;

export class AnalyzeInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AnalyzeInputError";
  }
}

export interface InstanceSubject {
  instanceId: string;
  /** Private IPv4 addresses of all its ENIs (primary and secondary). */
  privateIpv4: string[];
  /** Public IPv4 addresses (auto-assigned or Elastic IPs) it had during the window. */
  publicIpv4: string[];
  ipv6: string[];
  /** Its network interfaces (flow-log records are matched by ENI as well as by instance id). */
  eniIds: string[];
  /** The instance role, whose sessions CloudTrail names after the instance id. */
  roleArn?: string;
  /**
   * Addresses the instance's own traffic leaves from although they are not on the instance: NAT
   * gateway Elastic IPs, egress proxies. Calls from them are the instance's own, not exfiltration.
   * @default []
   */
  egressAddresses?: string[];
}

export interface IncidentWindow {
  start: Date;
  end: Date;
}

/** A subject whose addresses are parsed and canonical. */
export interface CheckedSubject extends InstanceSubject {
  /** Canonical text of every address that is the instance's own (including egress addresses). */
  ownAddresses: Set<string>;
  roleName?: string;
  accountId?: string;
}

export function checkWindow(start: Date | string, end: Date | string): IncidentWindow {
  const s = start instanceof Date ? start : new Date(start);
  const e = end instanceof Date ? end : new Date(end);
  if (Number.isNaN(s.getTime()))
    throw new AnalyzeInputError(
      `window start "${String(start)}" is not a date: pass an ISO 8601 UTC time such as 2026-11-28T02:00:00Z`,
    );
  if (Number.isNaN(e.getTime()))
    throw new AnalyzeInputError(
      `window end "${String(end)}" is not a date: pass an ISO 8601 UTC time such as 2026-11-28T06:00:00Z`,
    );
  if (e.getTime() <= s.getTime()) {
    throw new AnalyzeInputError(
      `window end ${e.toISOString()} is not after its start ${s.toISOString()}: pass the start first, or widen the window`,
    );
  }
  return { start: s, end: e };
}

export function checkSubject(subject: InstanceSubject): CheckedSubject {
  if (!INSTANCE_ID.test(subject.instanceId ?? "")) {
    throw new AnalyzeInputError(
      `instance id "${subject.instanceId}" is not valid: expected i- followed by 8 or 17 hex digits`,
    );
  }
  const own = new Set<string>();
  const lists = {
    privateIpv4: subject.privateIpv4,
    publicIpv4: subject.publicIpv4,
    ipv6: subject.ipv6,
    egressAddresses: subject.egressAddresses ?? [],
  };
  for (const [field, list] of Object.entries(lists)) {
    for (const a of list ?? []) {
      const parsed = parseAddress(a);
      if (!parsed)
        throw new AnalyzeInputError(
          `${field} of instance ${subject.instanceId} holds "${a}", not an IP address: pass addresses only`,
        );
      own.add(parsed.text);
    }
  }
  if (own.size === 0) {
    throw new AnalyzeInputError(
      `instance ${subject.instanceId} has no addresses: without them no source can be told apart from the instance; pass its private and public addresses (from the case's DescribeInstances record, since a stopped or terminated instance no longer shows them)`,
    );
  }
  let roleName: string | undefined;
  let accountId: string | undefined;
  if (subject.roleArn !== undefined) {
    const m = ROLE_ARN.exec(subject.roleArn);
    if (!m)
      throw new AnalyzeInputError(
        `role arn "${subject.roleArn}" is not an IAM role ARN: expected arn:aws:iam::<account>:role/<name>`,
      );
    accountId = m[1];
    roleName = m[2];
  }
  return {
    ...subject,
    ownAddresses: own,
    ...(roleName ? { roleName } : {}),
    ...(accountId ? { accountId } : {}),
  };
}

/** Builds a subject from a DescribeInstances record (the case keeps one from before containment). */
export function subjectFromInstance(
  instance: Instance,
  roleArn?: string,
  egressAddresses: string[] = [],
): InstanceSubject {
  const enis = instance.NetworkInterfaces ?? [];
  const uniq = (xs: (string | undefined)[]) => [...new Set(xs.filter((x): x is string => !!x))];
  return {
    instanceId: instance.InstanceId ?? "",
    privateIpv4: uniq([
      instance.PrivateIpAddress,
      ...enis.flatMap((n) => (n.PrivateIpAddresses ?? []).map((p) => p.PrivateIpAddress)),
    ]),
    publicIpv4: uniq([
      instance.PublicIpAddress,
      ...enis.flatMap((n) => [
        n.Association?.PublicIp,
        ...(n.PrivateIpAddresses ?? []).map((p) => p.Association?.PublicIp),
      ]),
    ]),
    ipv6: uniq([
      instance.Ipv6Address,
      ...enis.flatMap((n) => (n.Ipv6Addresses ?? []).map((a) => a.Ipv6Address)),
    ]),
    eniIds: uniq(enis.map((n) => n.NetworkInterfaceId)),
    ...(roleArn ? { roleArn } : {}),
    egressAddresses,
  };
}
