/**
 * EC2 calls that do not depend on which instance is hit: the reads (no resource-level permissions),
 * Elastic IPs, and what a case creates (snapshots, the workstation, its volumes, the snapshot copies),
 * each with the case's request tags and, when tagged on creation, ec2:CreateTags with
 * ec2:CreateAction; and what bootstrap creates (isolation groups, the forensic VPC). The calls on an
 * instance's own resources: probes-instance.ts.
 */
import { ROLE_TAG_VALUES, TAG } from "../../facts/tags";
import {
  arns,
  type Build,
  caseTags,
  one,
  PROBE_CASE_ID,
  type ProbeEnv,
  requestTags,
  star,
  WORKLOAD,
} from "./probe-env";
import type { Probe, Purpose } from "./types";

const CASE = { [TAG.caseId]: PROBE_CASE_ID };
export const SNAPSHOT_TAGS = caseTags("snapshot", {
  [TAG.role]: ROLE_TAG_VALUES.evidenceSnapshot,
  "ir:instance-id": "i-00000000000000000",
});
const FORENSIC_ROLE = { [TAG.role]: "forensic" };
const firstVpc = (env: ProbeEnv) => [...env.groups.keys()][0] ?? "vpc-00000000000000000";

/** Created on a case: `<type>/*` with the request tags, and CreateTags with ec2:CreateAction. */
function created(
  env: ProbeEnv,
  purpose: Purpose,
  createAction: string,
  types: string[],
  tags: Record<string, string>,
) {
  return types.flatMap((type): Probe[] => {
    const resource = arns(env).ec2(type, "*");
    return [
      { action: `ec2:${createAction}`, purpose, resource, context: requestTags(tags) },
      {
        action: "ec2:CreateTags",
        purpose,
        resource,
        context: requestTags(tags, { "ec2:CreateAction": createAction }),
      },
    ];
  });
}

export const EC2_PROBES: Readonly<Record<string, Build>> = {
  "ec2:AssociateAddress": one("release", (e) => arns(e).ec2("elastic-ip", "eipalloc-00000000000000000"))(
    "ec2:AssociateAddress",
  ),
  "ec2:DisassociateAddress": one("contain", (e) => arns(e).ec2("elastic-ip", "eipalloc-00000000000000000"))(
    "ec2:DisassociateAddress",
  ),
  "ec2:AttachVolume": (env) =>
    ["instance", "volume"].map((type) => ({
      action: "ec2:AttachVolume",
      purpose: "investigate" as const,
      resource: arns(env).ec2(type, type === "instance" ? "i-00000000000000000" : "vol-00000000000000000"),
      tags: CASE,
    })),
  "ec2:DeleteVolume": one("investigate", (e) => arns(e).ec2("volume", "vol-00000000000000000"), {
    tags: CASE,
  })("ec2:DeleteVolume"),
  "ec2:CreateLaunchTemplateVersion": one(
    "recover",
    (e) => arns(e).ec2("launch-template", "lt-00000000000000000"),
    {
      tags: WORKLOAD,
    },
  )("ec2:CreateLaunchTemplateVersion"),
  "ec2:CopySnapshot": (env) => [
    ...created(
      env,
      "investigate",
      "CopySnapshot",
      ["snapshot"],
      caseTags("volumes", { [TAG.role]: ROLE_TAG_VALUES.evidenceSnapshot }),
    ),
    {
      action: "ec2:CopySnapshot",
      purpose: "investigate",
      resource: arns(env).ec2("snapshot", "snap-00000000000000000"),
      tags: SNAPSHOT_TAGS,
    },
  ],
  "ec2:CreateSnapshots": (env) => created(env, "preserve", "CreateSnapshots", ["snapshot"], SNAPSHOT_TAGS),
  "ec2:CreateSecurityGroup": (env) => [
    ...created(env, "bootstrap", "CreateSecurityGroup", ["security-group"], {
      Name: `ir-isolation-${firstVpc(env)}`,
      [TAG.role]: ROLE_TAG_VALUES.isolationGroup,
      [TAG.vpc]: firstVpc(env),
      [TAG.managedBy]: "ec2-incident-ready",
    }),
    {
      action: "ec2:CreateSecurityGroup",
      purpose: "bootstrap",
      resource: arns(env).ec2("vpc", firstVpc(env)),
    },
  ],
  "ec2:CreateVpc": (env) => created(env, "bootstrap", "CreateVpc", ["vpc"], FORENSIC_ROLE),
  "ec2:CreateSubnet": (env) => [
    ...created(env, "bootstrap", "CreateSubnet", ["subnet"], FORENSIC_ROLE),
    {
      action: "ec2:CreateSubnet",
      purpose: "bootstrap",
      resource: arns(env).ec2("vpc", "vpc-00000000000000000"),
      tags: FORENSIC_ROLE,
    },
  ],
  "ec2:CreateVpcEndpoint": (env) => [
    ...created(env, "bootstrap", "CreateVpcEndpoint", ["vpc-endpoint"], FORENSIC_ROLE),
    {
      action: "ec2:CreateVpcEndpoint",
      purpose: "bootstrap",
      resource: arns(env).ec2("vpc", "vpc-00000000000000000"),
      tags: FORENSIC_ROLE,
    },
    ...["subnet", "security-group", "route-table"].map((type) => ({
      action: "ec2:CreateVpcEndpoint",
      purpose: "bootstrap" as const,
      resource: arns(env).ec2(
        type,
        `${type === "route-table" ? "rtb" : type === "subnet" ? "subnet" : "sg"}-00000000000000000`,
      ),
    })),
  ],
  "ec2:ModifyVpcAttribute": one("bootstrap", (e) => arns(e).ec2("vpc", "vpc-00000000000000000"), {
    tags: FORENSIC_ROLE,
  })("ec2:ModifyVpcAttribute"),
  "ec2:CreateVolume": (env) => [
    ...created(
      env,
      "investigate",
      "CreateVolume",
      ["volume"],
      caseTags("volumes", { [TAG.role]: ROLE_TAG_VALUES.evidenceVolume }),
    ),
    {
      action: "ec2:CreateVolume",
      purpose: "investigate",
      resource: arns(env).ec2("snapshot", "snap-00000000000000000"),
      tags: SNAPSHOT_TAGS,
    },
  ],
  "ec2:RunInstances": (env) => [
    ...created(
      env,
      "investigate",
      "RunInstances",
      ["instance", "volume", "network-interface"],
      caseTags("launch"),
    ),
    ...[
      arns(env).ec2("subnet", "subnet-00000000000000000"),
      arns(env).ec2("security-group", "sg-00000000000000000"),
      arns(env).ec2("image", "ami-00000000000000000"),
    ].map((resource) => ({ action: "ec2:RunInstances", purpose: "investigate" as const, resource })),
  ],
  // CreateTags on what a response creates is listed with each create call above; on the instance: per instance.
  "ec2:CreateTags": () => [],
  ...Object.fromEntries(
    (
      [
        [
          "contain",
          [
            "DescribeAddresses",
            "DescribeIamInstanceProfileAssociations",
            "DescribeInstanceAttribute",
            "DescribeInstanceTypes",
            "DescribeInstances",
            "DescribeManagedPrefixLists",
            "DescribeNetworkInterfaces",
            "DescribeSecurityGroups",
            "DescribeTags",
            "DescribeVpcEndpoints",
          ],
        ],
        ["preserve", ["DescribeSnapshots", "DescribeVolumes"]],
        ["recover", ["DescribeImages", "DescribeLaunchTemplateVersions"]],
        ["investigate", ["DescribeAvailabilityZones", "DescribeSubnets", "DescribeVpcs"]],
        ["analyze", ["DescribeFlowLogs", "DescribeNatGateways"]],
      ] as const
    ).flatMap(([purpose, actions]) => actions.map((a) => [`ec2:${a}`, star(purpose)(`ec2:${a}`)])),
  ),
};
