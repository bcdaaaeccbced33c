/**
 * What the permission probes are built from: the account's real resources where doctor found them
 * (evidence bucket, journal table, keys, isolation groups, instances), and names in the right ARN shape
 * for what does not exist before an incident (the snapshot a response will create, the case's objects);
 * and the small builders the probe tables are written with.
 * ARN formats: https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html
 */

import { FORENSIC_WORKSTATION_ROLE_NAME } from "../../facts/forensic";
import {
  DENY_ALL_PROFILE_NAME,
  evidenceBucketName,
  ROLE_WRITER_FUNCTION_NAME,
  SSM,
  toolsBucketName,
} from "../../facts/names";
import { MANAGED_BY, TAG } from "../../facts/tags";
import type { Context, Probe, Purpose } from "./types";

/** A case id of the right shape: request tags and object keys carry one. */
export const PROBE_CASE_ID = "c-20000101t000000z-000000";

export interface VpcGroups {
  vpcId: string;
  untrack?: { id: string; tags: Record<string, string> };
  isolation?: { id: string; tags: Record<string, string> };
  forensicEgress?: { id: string; tags: Record<string, string> };
  /** Security groups of the VPC's SSM interface endpoints (forensic egress opens HTTPS to them). */
  ssmEndpointGroups: string[];
}

export interface ProbeEnv {
  partition: string;
  accountId: string;
  region: string;
  evidenceBucket: string;
  toolsBucket: string;
  journalTable: string;
  /** The project's KMS keys (ARNs) the responder encrypts and decrypts evidence with. */
  keyArns: string[];
  denyAllProfile: string;
  forensicAmiParameter: string;
  /** Isolation groups by VPC id. */
  groups: Map<string, VpcGroups>;
}

export function probeEnv(e: {
  partition: string;
  accountId: string;
  region: string;
  evidenceBucket?: string;
  toolsBucket?: string;
  journalTable: string;
  keyArns: string[];
  denyAllProfile?: string;
  forensicAmiParameter?: string;
  groups: Map<string, VpcGroups>;
}): ProbeEnv {
  return {
    ...e,
    evidenceBucket: e.evidenceBucket ?? evidenceBucketName(e.accountId, e.region),
    toolsBucket: e.toolsBucket ?? toolsBucketName(e.accountId, e.region),
    denyAllProfile: e.denyAllProfile ?? DENY_ALL_PROFILE_NAME,
    forensicAmiParameter: e.forensicAmiParameter ?? SSM.forensicAmi,
  };
}

/** ARN builders of one account and Region. */
export const arns = (env: ProbeEnv) => {
  const { partition: p, accountId: a, region: r } = env;
  return {
    ec2: (type: string, id: string) =>
      // Snapshots and images name no account.
      `arn:${p}:ec2:${r}:${type === "snapshot" || type === "image" ? "" : a}:${type}/${id}`,
    iam: (kind: "role" | "instance-profile", name: string) => `arn:${p}:iam::${a}:${kind}/${name}`,
    s3: (bucket: string, key?: string) => `arn:${p}:s3:::${bucket}${key === undefined ? "" : `/${key}`}`,
    table: () => `arn:${p}:dynamodb:${r}:${a}:table/${env.journalTable}`,
    ssm: (suffix: string, owned = true) => `arn:${p}:ssm:${r}:${owned ? a : ""}:${suffix}`,
    asg: (name: string) =>
      `arn:${p}:autoscaling:${r}:${a}:autoScalingGroup:00000000-0000-0000-0000-000000000000:autoScalingGroupName/${name}`,
    elb: (suffix: string) => `arn:${p}:elasticloadbalancing:${r}:${a}:${suffix}`,
    denyAllRole: () => `arn:${p}:iam::${a}:role/${env.denyAllProfile}`,
    workstationRole: () => `arn:${p}:iam::${a}:role/${FORENSIC_WORKSTATION_ROLE_NAME}`,
    roleWriter: () => `arn:${p}:lambda:${r}:${a}:function:${ROLE_WRITER_FUNCTION_NAME}`,
  };
};

/** Request tags as AWS puts them in the context: aws:RequestTag/<key> and aws:TagKeys. */
export function requestTags(tags: Record<string, string>, extra: Context = {}): Context {
  const c: Context = { "aws:TagKeys": Object.keys(tags), ...extra };
  for (const [k, v] of Object.entries(tags)) c[`aws:RequestTag/${k}`] = v;
  return c;
}

/** The tags the responder puts on what it creates for a case (automation/steps/util.ts caseTags). */
export const caseTags = (step: string, extra: Record<string, string> = {}) => ({
  [TAG.caseId]: PROBE_CASE_ID,
  [TAG.step]: step,
  [TAG.managedBy]: MANAGED_BY,
  ...extra,
});

/** The key of a case's evidence object. */
export const evidenceKey = (name: string) => `cases/${PROBE_CASE_ID}/${name}`;

/** Probe builders: a read without resource-level permissions ("*"), or one resource. */
export type Build = (env: ProbeEnv) => Probe[];

export const star =
  (purpose: Purpose): ((action: string) => Build) =>
  (action) =>
  () => [{ action, purpose, resource: "*" }];

export const one =
  (
    purpose: Purpose,
    resource: (env: ProbeEnv) => string,
    extra: { tags?: Record<string, string>; context?: (env: ProbeEnv) => Context } = {},
  ) =>
  (action: string): Build =>
  (env) => [
    {
      action,
      purpose,
      resource: resource(env),
      ...(extra.tags ? { tags: extra.tags } : {}),
      ...(extra.context ? { context: extra.context(env) } : {}),
    },
  ];

/** A workload's resources carry its name (recovery may only touch those). */
export const WORKLOAD = { [TAG.workload]: "workload" };
