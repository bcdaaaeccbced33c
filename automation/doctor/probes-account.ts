/**
 * The calls a response makes that do not depend on which instance is hit, beyond EC2's
 * (probes-ec2.ts): Auto Scaling and load-balancer calls, the journal table, the evidence and tools
 * buckets, the project's keys (through S3 for evidence, through EC2 for ir investigate's copies), Run
 * Command's reads and document, parameters, what bootstrap creates in IAM, and analysis reads.
 */

import { FORENSIC_WORKSTATION_ROLE_NAME } from "../../facts/forensic";
import { knownGoodAmiParameter } from "../../facts/names";
import { roleBoundaryArn } from "../../facts/role-boundary";
import { arns, type Build, evidenceKey, one, type ProbeEnv, star, WORKLOAD } from "./probe-env";
import { EC2_PROBES } from "./probes-ec2";
import type { Context, Probe } from "./types";

/** A workload's key (a case snapshot may be encrypted under any key of the account). */
const workloadKey = (env: ProbeEnv) =>
  `arn:${env.partition}:kms:${env.region}:${env.accountId}:key/00000000-0000-0000-0000-000000000000`;

/** S3 condition keys a direct evidence write carries (automation/evidence/store.ts). */
const lockedWrite = (env: ProbeEnv): Context => ({
  "s3:object-lock-mode": "COMPLIANCE",
  "s3:object-lock-retain-until-date": new Date(Date.now() + 365 * 86_400_000).toISOString(),
  ...(env.keyArns[0]
    ? {
        "s3:x-amz-server-side-encryption": "aws:kms",
        "s3:x-amz-server-side-encryption-aws-kms-key-id": env.keyArns[0],
      }
    : {}),
});

const contain = star("contain");
const analyze = star("analyze");

export const ACCOUNT_PROBES: Readonly<Record<string, Build>> = {
  ...EC2_PROBES,
  "autoscaling:DescribeAutoScalingGroups": contain("autoscaling:DescribeAutoScalingGroups"),
  "autoscaling:DescribeAutoScalingInstances": contain("autoscaling:DescribeAutoScalingInstances"),
  "autoscaling:DescribeLifecycleHooks": contain("autoscaling:DescribeLifecycleHooks"),
  "autoscaling:UpdateAutoScalingGroup": one("recover", (e) => arns(e).asg("workload-asg"), {
    tags: WORKLOAD,
  })("autoscaling:UpdateAutoScalingGroup"),
  "autoscaling:DescribeInstanceRefreshes": star("recover")("autoscaling:DescribeInstanceRefreshes"),
  "autoscaling:StartInstanceRefresh": one("recover", (e) => arns(e).asg("workload-asg"), { tags: WORKLOAD })(
    "autoscaling:StartInstanceRefresh",
  ),
  "cloudtrail:LookupEvents": analyze("cloudtrail:LookupEvents"),
  "config:GetResourceConfigHistory": analyze("config:GetResourceConfigHistory"),
  "config:ListDiscoveredResources": analyze("config:ListDiscoveredResources"),
  ...Object.fromEntries(
    ["ConditionCheckItem", "DeleteItem", "DescribeTable", "GetItem", "PutItem", "Query"].map((a) => [
      `dynamodb:${a}`,
      one("preserve", (e) => arns(e).table())(`dynamodb:${a}`),
    ]),
  ),
  // Only an instance's lock is ever updated (its partition key instance#<id>): entries are put once.
  "dynamodb:UpdateItem": one("preserve", (e) => arns(e).table(), {
    context: () => ({ "dynamodb:LeadingKeys": ["instance#i-00000000000000000"] }),
  })("dynamodb:UpdateItem"),
  "dynamodb:CreateTable": one("bootstrap", (e) => arns(e).table())("dynamodb:CreateTable"),
  "dynamodb:TagResource": one("bootstrap", (e) => arns(e).table())("dynamodb:TagResource"),
  "elasticloadbalancing:DeregisterInstancesFromLoadBalancer": one("contain", (e) =>
    arns(e).elb("loadbalancer/workload-elb"),
  )("elasticloadbalancing:DeregisterInstancesFromLoadBalancer"),
  "elasticloadbalancing:RegisterInstancesWithLoadBalancer": one("release", (e) =>
    arns(e).elb("loadbalancer/workload-elb"),
  )("elasticloadbalancing:RegisterInstancesWithLoadBalancer"),
  "elasticloadbalancing:DeregisterTargets": one("contain", (e) =>
    arns(e).elb("targetgroup/workload-tg/0123456789abcdef"),
  )("elasticloadbalancing:DeregisterTargets"),
  "elasticloadbalancing:RegisterTargets": one("release", (e) =>
    arns(e).elb("targetgroup/workload-tg/0123456789abcdef"),
  )("elasticloadbalancing:RegisterTargets"),
  "elasticloadbalancing:DescribeLoadBalancers": contain("elasticloadbalancing:DescribeLoadBalancers"),
  "elasticloadbalancing:DescribeTargetGroups": contain("elasticloadbalancing:DescribeTargetGroups"),
  "elasticloadbalancing:DescribeTargetHealth": contain("elasticloadbalancing:DescribeTargetHealth"),
  // The deny-all profile (and its role) bootstrap makes; the workstation role bootstrap --forensic makes.
  "iam:CreateInstanceProfile": one("bootstrap", (e) => arns(e).iam("instance-profile", e.denyAllProfile))(
    "iam:CreateInstanceProfile",
  ),
  "iam:TagInstanceProfile": one("bootstrap", (e) => arns(e).iam("instance-profile", e.denyAllProfile))(
    "iam:TagInstanceProfile",
  ),
  "iam:AddRoleToInstanceProfile": one("bootstrap", (e) => arns(e).iam("instance-profile", e.denyAllProfile))(
    "iam:AddRoleToInstanceProfile",
  ),
  // Only with the baseline's permissions boundary (components/responder-policy.ts).
  "iam:CreateRole": one("bootstrap", (e) => arns(e).denyAllRole(), {
    context: (e) => ({ "iam:PermissionsBoundary": roleBoundaryArn(e.partition, e.accountId) }),
  })("iam:CreateRole"),
  "iam:TagRole": one("bootstrap", (e) => arns(e).denyAllRole())("iam:TagRole"),
  "iam:AttachRolePolicy": one("bootstrap", (e) => arns(e).iam("role", FORENSIC_WORKSTATION_ROLE_NAME), {
    context: (e) => ({ "iam:PolicyARN": `arn:${e.partition}:iam::aws:policy/AmazonSSMManagedInstanceCore` }),
  })("iam:AttachRolePolicy"),
  "iam:GetInstanceProfile": one("contain", (e) => arns(e).iam("instance-profile", e.denyAllProfile))(
    "iam:GetInstanceProfile",
  ),
  "iam:PassRole": (env) =>
    (
      [
        ["contain", arns(env).denyAllRole()],
        ["investigate", arns(env).workstationRole()],
      ] as const
    ).map(([purpose, resource]) => ({
      action: "iam:PassRole",
      purpose,
      resource,
      context: { "iam:PassedToService": "ec2.amazonaws.com" },
    })),
  // Evidence uploaded through S3 is encrypted and read back under the project's keys, through S3 only.
  "kms:GenerateDataKey": (env) => viaS3(env, "kms:GenerateDataKey"),
  // ir investigate copies a case snapshot (under a workload's key) to the project's key through EBS.
  "kms:Decrypt": (env) => [
    ...viaS3(env, "kms:Decrypt"),
    ...viaEc2(env, "kms:Decrypt", [...env.keyArns, workloadKey(env)]),
  ],
  "kms:CreateGrant": (env) =>
    viaEc2(env, "kms:CreateGrant", [...env.keyArns, workloadKey(env)], {
      "kms:GrantIsForAWSResource": "true",
    }),
  "kms:ReEncryptFrom": (env) => viaEc2(env, "kms:ReEncryptFrom", [workloadKey(env)]),
  "kms:ReEncryptTo": (env) => viaEc2(env, "kms:ReEncryptTo", env.keyArns),
  "kms:GenerateDataKeyWithoutPlaintext": (env) =>
    viaEc2(env, "kms:GenerateDataKeyWithoutPlaintext", env.keyArns),
  "kms:DescribeKey": one("investigate", workloadKey)("kms:DescribeKey"),
  "kms:GetKeyPolicy": one("investigate", workloadKey)("kms:GetKeyPolicy"),
  "s3:AbortMultipartUpload": one("capture", (e) => arns(e).s3(e.evidenceBucket, evidenceKey("memory.lime")))(
    "s3:AbortMultipartUpload",
  ),
  "s3:ListMultipartUploadParts": one("capture", (e) =>
    arns(e).s3(e.evidenceBucket, evidenceKey("memory.lime")),
  )("s3:ListMultipartUploadParts"),
  "s3:ListBucketMultipartUploads": one("capture", (e) => arns(e).s3(e.evidenceBucket))(
    "s3:ListBucketMultipartUploads",
  ),
  ...Object.fromEntries(
    [
      "CreateBucket",
      "PutBucketObjectLockConfiguration",
      "PutBucketPublicAccessBlock",
      "PutBucketTagging",
      "PutBucketVersioning",
    ].map((a) => [`s3:${a}`, one("bootstrap", (e) => arns(e).s3(e.evidenceBucket))(`s3:${a}`)]),
  ),
  "s3:GetBucketObjectLockConfiguration": one("preserve", (e) => arns(e).s3(e.evidenceBucket))(
    "s3:GetBucketObjectLockConfiguration",
  ),
  "s3:ListBucket": one("preserve", (e) => arns(e).s3(e.evidenceBucket))("s3:ListBucket"),
  "s3:ListBucketVersions": one("preserve", (e) => arns(e).s3(e.evidenceBucket))("s3:ListBucketVersions"),
  "s3:GetObjectVersion": one("preserve", (e) => arns(e).s3(e.evidenceBucket, evidenceKey("manifest.json")))(
    "s3:GetObjectVersion",
  ),
  "s3:GetObject": (env) => [
    {
      action: "s3:GetObject",
      purpose: "preserve",
      resource: arns(env).s3(env.evidenceBucket, evidenceKey("manifest.json")),
    },
    // The pinned capture tool the host downloads through a URL the responder signs.
    { action: "s3:GetObject", purpose: "capture", resource: arns(env).s3(env.toolsBucket, "avml/avml") },
  ],
  "s3:PutObject": (env) => [
    {
      action: "s3:PutObject",
      purpose: "preserve",
      resource: arns(env).s3(env.evidenceBucket, evidenceKey("manifest.json")),
      context: lockedWrite(env),
    },
    // Memory and logs go up through presigned URLs: no lock or encryption headers, the bucket's defaults apply.
    {
      action: "s3:PutObject",
      purpose: "capture",
      resource: arns(env).s3(env.evidenceBucket, evidenceKey("memory.lime")),
    },
  ],
  "s3:PutObjectRetention": (env) => [
    {
      action: "s3:PutObjectRetention",
      purpose: "preserve",
      resource: arns(env).s3(env.evidenceBucket, evidenceKey("manifest.json")),
      context: lockedWrite(env),
    },
  ],
  // Revocation and release: the responder asks the role writer, the only writer of role policies.
  "lambda:InvokeFunction": one("contain", (e) => arns(e).roleWriter())("lambda:InvokeFunction"),
  "sns:Publish": one(
    "notify",
    (e) => `arn:${e.partition}:sns:${e.region}:${e.accountId}:ir-alerts`,
  )("sns:Publish"),
  "ssm:DescribeInstanceInformation": star("capture")("ssm:DescribeInstanceInformation"),
  "ssm:GetCommandInvocation": star("capture")("ssm:GetCommandInvocation"),
  "ssm:ListCommands": star("capture")("ssm:ListCommands"),
  "ssm:SendCommand": one("capture", (e) => arns(e).ssm("document/AWS-RunShellScript", false))(
    "ssm:SendCommand",
  ),
  "ssm:GetParameter": (env) => parameterProbes(env, "ssm:GetParameter"),
  "ssm:GetParameterHistory": (env) => parameterProbes(env, "ssm:GetParameterHistory"),
  "ssm:PutParameter": one("bootstrap", (e) => arns(e).ssm(`parameter${e.forensicAmiParameter}`))(
    "ssm:PutParameter",
  ),
  "sts:GetCallerIdentity": contain("sts:GetCallerIdentity"),
};

function viaS3(env: ProbeEnv, action: string): Probe[] {
  return env.keyArns.map((resource) => ({
    action,
    purpose: "preserve" as const,
    resource,
    context: { "kms:ViaService": `s3.${env.region}.amazonaws.com` },
  }));
}

function viaEc2(env: ProbeEnv, action: string, keys: string[], extra: Context = {}): Probe[] {
  return keys.map((resource) => ({
    action,
    purpose: "investigate" as const,
    resource,
    context: { "kms:ViaService": `ec2.${env.region}.amazonaws.com`, ...extra },
  }));
}

function parameterProbes(env: ProbeEnv, action: string): Probe[] {
  return [
    { action, purpose: "recover", resource: arns(env).ssm(`parameter${knownGoodAmiParameter("workload")}`) },
    { action, purpose: "investigate", resource: arns(env).ssm(`parameter${env.forensicAmiParameter}`) },
  ];
}

/** The account-wide probes of the given actions (the responder's: facts/responder-actions.ts). */
export function accountProbes(env: ProbeEnv, actions: ReadonlySet<string>): Probe[] {
  return Object.entries(ACCOUNT_PROBES).flatMap(([action, build]) => (actions.has(action) ? build(env) : []));
}
