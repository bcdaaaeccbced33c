/**
 * The calls a response makes on one instance's own resources (the instance, its network interfaces
 * and volumes, its role and profile, its Auto Scaling group, its VPC's isolation groups), each with the
 * tags the resource carries and the request keys the call sends. These decide whether that instance is
 * containable, capturable and preservable; steps and their calls: automation/playbooks/contain.ts.
 */
import { TAG } from "../../facts/tags";
import { arns, PROBE_CASE_ID, type ProbeEnv, requestTags } from "./probe-env";
import type { Probe, Purpose } from "./types";

export interface InstanceFacts {
  instanceId: string;
  vpcId?: string;
  instanceType: string;
  state?: string;
  tags: Record<string, string>;
  profileArn?: string;
  roleArn?: string;
  roleTags?: Record<string, string>;
  enis: { id: string; tags: Record<string, string>; requesterManaged: boolean }[];
  volumes: { id: string; tags: Record<string, string> }[];
  asg?: { name: string; arn: string; tags: Record<string, string> };
  rootDeviceType?: string;
  hypervisor?: string;
  /** SSM PingStatus, or "not registered". */
  ssm: string;
  /** Stands for "an instance of this account" when none runs: its probes count for the account. */
  synthetic?: boolean;
}

type Build = (env: ProbeEnv, i: InstanceFacts) => Probe[];

const on =
  (
    purpose: Purpose,
    pick: (env: ProbeEnv, i: InstanceFacts) => { resource: string; tags?: Record<string, string> }[],
  ) =>
  (action: string): Build =>
  (env, i) =>
    pick(env, i).map((r) => ({ action, purpose, ...r }));

const instance = (env: ProbeEnv, i: InstanceFacts) => ({
  resource: arns(env).ec2("instance", i.instanceId),
  tags: i.tags,
});
/** The instance once the case is open: it carries ir:case-id (destructive calls and Run Command require it). */
const caseInstance = (env: ProbeEnv, i: InstanceFacts) => ({
  resource: arns(env).ec2("instance", i.instanceId),
  tags: { ...i.tags, [TAG.caseId]: PROBE_CASE_ID, [TAG.status]: "contained" },
});
/** Contained: the case tag and the quarantine profile (termination requires both). */
const containedInstance = (env: ProbeEnv, i: InstanceFacts) => ({
  ...caseInstance(env, i),
  context: { "ec2:InstanceProfile": arns(env).iam("instance-profile", env.denyAllProfile) },
});
const role = (_env: ProbeEnv, i: InstanceFacts) =>
  i.roleArn ? [{ resource: i.roleArn, ...(i.roleTags ? { tags: i.roleTags } : {}) }] : [];
const asg = (_env: ProbeEnv, i: InstanceFacts) => (i.asg ? [{ resource: i.asg.arn, tags: i.asg.tags }] : []);
const groupsOf = (env: ProbeEnv, i: InstanceFacts, kinds: ("untrack" | "isolation" | "forensicEgress")[]) => {
  const g = i.vpcId ? env.groups.get(i.vpcId) : undefined;
  return kinds.flatMap((k) => {
    const x = g?.[k];
    return x ? [{ resource: arns(env).ec2("security-group", x.id), tags: x.tags }] : [];
  });
};

/** Per action: the probes on one instance's resources. */
export const INSTANCE_PROBES: Readonly<Record<string, Build>> = {
  // contain: out of service, untrack then isolate every ENI, revoke, swap the profile, protect, tag.
  "autoscaling:DetachInstances": on("contain", asg)("autoscaling:DetachInstances"),
  "autoscaling:EnterStandby": on("contain", asg)("autoscaling:EnterStandby"),
  "autoscaling:SetInstanceProtection": on("contain", asg)("autoscaling:SetInstanceProtection"),
  "autoscaling:RecordLifecycleActionHeartbeat": on(
    "contain",
    asg,
  )("autoscaling:RecordLifecycleActionHeartbeat"),
  "ec2:ModifyNetworkInterfaceAttribute": (env, i) => [
    ...i.enis.map((n) => ({
      action: "ec2:ModifyNetworkInterfaceAttribute",
      purpose: "contain" as const,
      resource: arns(env).ec2("network-interface", n.id),
      tags: n.tags,
    })),
    ...on("contain", (e, x) => groupsOf(e, x, ["untrack", "isolation"]))(
      "ec2:ModifyNetworkInterfaceAttribute",
    )(env, i),
    // While evidence uploads, the isolated ENIs also hold the forensic-egress group.
    ...on("capture", (e, x) => groupsOf(e, x, ["forensicEgress"]))("ec2:ModifyNetworkInterfaceAttribute")(
      env,
      i,
    ),
  ],
  "ec2:ModifyInstanceAttribute": on("contain", (e, x) => [instance(e, x)])("ec2:ModifyInstanceAttribute"),
  "ec2:ReplaceIamInstanceProfileAssociation": (env, i) =>
    i.profileArn
      ? on("contain", (e, x) => [instance(e, x)])("ec2:ReplaceIamInstanceProfileAssociation")(env, i)
      : [],
  "ec2:AssociateIamInstanceProfile": (env, i) =>
    i.profileArn ? [] : on("contain", (e, x) => [instance(e, x)])("ec2:AssociateIamInstanceProfile")(env, i),
  "ec2:CreateTags": (env, i) => [
    {
      action: "ec2:CreateTags",
      purpose: "contain",
      ...instance(env, i),
      context: requestTags({ [TAG.caseId]: PROBE_CASE_ID, [TAG.status]: "contained" }),
    },
  ],
  "iam:GetRolePolicy": on("contain", role)("iam:GetRolePolicy"),
  "iam:ListRolePolicies": on("contain", role)("iam:ListRolePolicies"),
  "iam:ListAttachedRolePolicies": on("contain", role)("iam:ListAttachedRolePolicies"),
  "iam:GetInstanceProfile": (_env, i) =>
    i.profileArn ? [{ action: "iam:GetInstanceProfile", purpose: "contain", resource: i.profileArn }] : [],
  // capture: memory and logs over Run Command, out through the forensic-egress group.
  // Sent once the instance carries its case id (tag-instance runs before ssm-reach).
  "ssm:SendCommand": on("capture", (e, x) => [caseInstance(e, x)])("ssm:SendCommand"),
  "ec2:AuthorizeSecurityGroupEgress": on("capture", (e, x) => groupsOf(e, x, ["forensicEgress"]))(
    "ec2:AuthorizeSecurityGroupEgress",
  ),
  "ec2:RevokeSecurityGroupEgress": on("capture", (e, x) => groupsOf(e, x, ["forensicEgress"]))(
    "ec2:RevokeSecurityGroupEgress",
  ),
  // Ingress rules go only on the project's own groups (the untrack group's all-open rules, when `ir`
  // makes or repairs it): the VPC's endpoint groups are never changed.
  "ec2:AuthorizeSecurityGroupIngress": on("contain", (e, x) => groupsOf(e, x, ["untrack"]))(
    "ec2:AuthorizeSecurityGroupIngress",
  ),
  // preserve: the crash-consistent snapshot set of every attached volume, the console output.
  "ec2:CreateSnapshots": (env, i) => [
    { action: "ec2:CreateSnapshots", purpose: "preserve", ...instance(env, i) },
    ...i.volumes.map((v) => ({
      action: "ec2:CreateSnapshots",
      purpose: "preserve" as const,
      resource: arns(env).ec2("volume", v.id),
      tags: v.tags,
    })),
  ],
  "ec2:GetConsoleOutput": on("preserve", (e, x) => [instance(e, x)])("ec2:GetConsoleOutput"),
  // release and recover.
  "ec2:DisassociateIamInstanceProfile": on("release", (e, x) => [caseInstance(e, x)])(
    "ec2:DisassociateIamInstanceProfile",
  ),
  "autoscaling:AttachInstances": on("release", asg)("autoscaling:AttachInstances"),
  "autoscaling:ExitStandby": on("release", asg)("autoscaling:ExitStandby"),
  "ec2:TerminateInstances": on("recover", (e, x) => [containedInstance(e, x)])("ec2:TerminateInstances"),
};

/**
 * Stand-ins for "an instance of this account" where no running instance shows a case (none runs, none
 * is in an Auto Scaling group, every one has a profile...): untagged, one ENI and one volume, in a
 * protected VPC; one with a profile and a group, one with neither.
 */
export function syntheticInstances(env: ProbeEnv): InstanceFacts[] {
  const vpcId = [...env.groups.keys()][0];
  const base = {
    ...(vpcId ? { vpcId } : {}),
    instanceType: "m5.large",
    tags: {},
    enis: [{ id: "eni-00000000000000000", tags: {}, requesterManaged: false }],
    volumes: [{ id: "vol-00000000000000000", tags: {} }],
    ssm: "not registered",
    synthetic: true,
  };
  return [
    {
      ...base,
      instanceId: "i-00000000000000000",
      profileArn: arns(env).iam("instance-profile", "workload-profile"),
      roleArn: arns(env).iam("role", "workload-role"),
      asg: { name: "workload-asg", arn: arns(env).asg("workload-asg"), tags: {} },
    },
    { ...base, instanceId: "i-00000000000000001" },
  ];
}

/** Every probe on one instance (the case tags of created snapshots are account-wide: probes-account.ts). */
export function instanceProbes(env: ProbeEnv, i: InstanceFacts, actions: ReadonlySet<string>): Probe[] {
  return Object.entries(INSTANCE_PROBES).flatMap(([action, build]) =>
    actions.has(action)
      ? build(env, i).map((p) => (i.synthetic ? p : { ...p, instanceId: i.instanceId }))
      : [],
  );
}

/**
 * Every probe of a response: the account-wide ones, each running instance's, and for an action no
 * running instance exercises (none in a group, none without a profile, none at all) the stand-ins',
 * so that every action of the list is asked about.
 */
export function probesFor(
  env: ProbeEnv,
  instances: InstanceFacts[],
  actions: ReadonlySet<string>,
  account: Probe[],
): Probe[] {
  const mine = instances.flatMap((i) => instanceProbes(env, i, actions));
  const asked = new Set([...account, ...mine].map((p) => p.action));
  const gaps = new Set([...actions].filter((a) => !asked.has(a)));
  const standIns = syntheticInstances(env).flatMap((i) => instanceProbes(env, i, gaps));
  return [...account, ...mine, ...standIns];
}
