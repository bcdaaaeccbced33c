/**
 * What `ir doctor` finds: checks (one line each, with what to fix), the responder's simulated
 * permissions, the running instances and the readiness score. Plain data: the CLI prints it as a table
 * or as JSON.
 */

/** ok: as expected; warn: works, but weaker than the baseline intends; fail: a response would fail. */
export type Status = "ok" | "warn" | "fail";

export interface Check {
  /** "account", "responder role", "evidence bucket", "journal table", "key", "isolation groups", "permissions". */
  area: string;
  /** What was checked: a bucket name, a key ARN, a VPC id, a purpose... */
  item: string;
  status: Status;
  detail: string;
  /** What to do about a warn or a fail. */
  fix?: string;
}

/** Which command needs a permission (the first that calls it). */
export type Purpose =
  | "contain"
  | "capture"
  | "preserve"
  | "release"
  | "recover"
  | "investigate"
  | "analyze"
  | "notify"
  | "bootstrap";

export type Context = Record<string, string | string[]>;

/** One (action, resource) the responder will be authorised on, with the context the real call carries. */
export interface Probe {
  action: string;
  purpose: Purpose;
  /** ARN, or "*" for actions without resource-level permissions. */
  resource: string;
  /** Tags of the resource as the call will find them (aws:ResourceTag/...); filtered before simulating. */
  tags?: Record<string, string>;
  /** Request-specific keys: aws:RequestTag/..., aws:TagKeys, ec2:CreateAction, iam:PassedToService... */
  context?: Context;
  /** The instance whose readiness this decides; undefined: every instance's (an account-wide call). */
  instanceId?: string;
}

export type Decision = "allowed" | "implicitDeny" | "explicitDeny" | "error";

export interface ProbeResult {
  action: string;
  purpose: Purpose;
  resource: string;
  instanceId?: string;
  decision: Decision;
  /** Policies that decided (an explicit deny names its policy). */
  matched?: string[];
  /** Context keys the policies test that the simulation did not carry (AWS's MissingContextValues). */
  missing?: string[];
  /** Why the simulation could not answer. */
  error?: string;
}

export interface InstanceReadiness {
  instanceId: string;
  vpcId?: string;
  instanceType: string;
  /** DescribeInstanceTypes' Hypervisor: "nitro", "xen", or undefined when EC2 did not say. */
  hypervisor?: string;
  /** SSM agent status: "Online", "ConnectionLost"..., or "not registered". */
  ssm: string;
  /** Instance profile ARN, if any. */
  instanceProfile?: string;
  rootDeviceType?: string;
  containable: boolean;
  capturable: boolean;
  preservable: boolean;
  /** Why not, per dimension (empty when it is). */
  why: { containable: string[]; capturable: string[]; preservable: string[] };
}

export interface Share {
  count: number;
  of: number;
  /** Percent, rounded; 100 when there are no running instances. */
  percent: number;
}

export interface DoctorReport {
  accountId: string;
  region: string;
  /** Who ran the doctor (sts:GetCallerIdentity). */
  caller: string;
  responderRoleArn: string;
  checks: Check[];
  permissions: ProbeResult[];
  instances: InstanceReadiness[];
  score: { containable: Share; capturable: Share; preservable: Share; all: Share };
  /** No check failed. */
  ready: boolean;
}
