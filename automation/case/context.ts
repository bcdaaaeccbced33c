/** What the contain, preserve and release steps share: the case, the clients, the facts of the instance. */
import type { AwsClients } from "../aws/clients";
import type { EngineContext } from "../engine/runner";
import type { ResolvedSettings } from "../settings/settings";

/** One network interface of the instance, as it was before containment. */
export interface EniFacts {
  id: string;
  deviceIndex: number;
  groups: string[];
  privateIps: string[];
  ipv6: string[];
}

export interface AddressFacts {
  allocationId?: string;
  associationId?: string;
  publicIp?: string;
  networkInterfaceId?: string;
  privateIp?: string;
}

/** Everything containment needs to know about the instance, read once before any change. */
export interface InstanceFacts {
  instanceId: string;
  accountId: string;
  partition: string;
  region: string;
  arn: string;
  state: string;
  vpcId: string;
  subnetId?: string;
  availabilityZone?: string;
  instanceType?: string;
  imageId?: string;
  spot: boolean;
  launchTime?: string;
  tags: Record<string, string>;
  enis: EniFacts[];
  volumes: { volumeId: string; deviceName: string; deleteOnTermination: boolean }[];
  asg?: { name: string; lifecycleState?: string | undefined; protectedFromScaleIn?: boolean | undefined };
  profile?: { associationId: string; arn: string; state?: string };
  addresses: AddressFacts[];
  /** Target groups of the instance's VPC (membership is resolved next). */
  targetGroupArns: string[];
  /** The instance as DescribeInstances returned it (evidence: metadata before). */
  raw: unknown;
}

/** Options a case is opened with; kept in its header so a resume behaves the same. */
export interface CaseOptions {
  /** Deny every session of the role issued before now, not only this instance's. @default false */
  wholeRole: boolean;
  /** Detach and decrement desired capacity (no replacement is launched). @default false */
  decrementCapacity: boolean;
  /** "detach" (default) or "standby". */
  asgAction: "detach" | "standby";
  /** Dwell in the untrack group before the isolation group, ms. @default 2000 */
  dwellMs: number;
  /** Try a memory capture over SSM. @default true */
  memory: boolean;
}

export interface CaseContext extends EngineContext {
  clients: AwsClients;
  settings: ResolvedSettings;
  instanceId: string;
  options: CaseOptions;
  /** What this run read before starting (current state; the original state is the discover record). */
  preflight: InstanceFacts;
  /** The caller identity ARN (manifest). */
  operator?: string;
  caseStartedAt: string;
}

/** The original facts (journaled by the discover step; survive crashes). */
export function facts(ctx: CaseContext): InstanceFacts {
  return (ctx.records.get("discover") as unknown as InstanceFacts | undefined) ?? ctx.preflight;
}

/** Record of the resolve step. */
export interface ResolvedDeps {
  targets: { targetGroupArn: string; id: string; port?: number; availabilityZone?: string }[];
  role?: { name: string; arn: string; profileName: string };
  /** Classic load balancers that list the instance. */
  classicElbs: string[];
  /** Set when the classic ELB API could not be read (the step says so instead of guessing). */
  classicElbError?: string;
}

export function resolved(ctx: CaseContext): ResolvedDeps {
  return (
    (ctx.records.get("resolve") as unknown as ResolvedDeps | undefined) ?? { targets: [], classicElbs: [] }
  );
}

export interface IsolationGroups {
  untrack: string;
  isolation: string;
  forensicEgress?: string;
  created: string[];
  /** Where the forensic-egress group lets an isolated host go (absent in records of older versions). */
  forensicReach?: ForensicReach;
}

/**
 * What the forensic-egress group allows, never the internet: HTTPS to the Region's S3 prefix list and to
 * the security groups of the VPC's Session Manager interface endpoints.
 */
export interface ForensicReach {
  /** The Region's AWS-managed S3 prefix list (com.amazonaws.<region>.s3), when found. */
  s3PrefixListId?: string;
  /** Security groups of the VPC's ssm, ssmmessages and ec2messages interface endpoints. */
  ssmEndpointGroups: string[];
  /** Every Session Manager service has a usable interface endpoint: an isolated host can reach SSM. */
  ssm: boolean;
  /** What an isolated host cannot reach, and what to do about it; absent when it reaches S3 and SSM. */
  problem?: string;
}

export function groups(ctx: CaseContext): IsolationGroups {
  const g = ctx.records.get("isolation-groups") as unknown as IsolationGroups | undefined;
  if (!g) throw new Error("isolation groups are not known: the isolation-groups step did not run");
  return g;
}
