/**
 * The responder role in an emulated account, as the baseline deploys it: its policy generated from
 * facts/responder-actions.ts by the responder policy component (components/responder-policy.ts), the
 * permissions boundary of the roles it creates (facts/role-boundary.ts), its trust admitting the
 * account's automation (no Lambda function: auto-containment is off in the emulated baseline), then assumed through the strict layer so that every call of
 * `ir` is authorised as that role. Used by the tests and the game day; never by a real deployment.
 */
import {
  AttachRolePolicyCommand,
  CreatePolicyCommand,
  CreatePolicyVersionCommand,
  CreateRoleCommand,
  GetRoleCommand,
} from "@aws-sdk/client-iam";
import { AssumeRoleCommand } from "@aws-sdk/client-sts";
import {
  type ResponderPolicyContext,
  responderPolicyDocuments,
  responderTrustPolicy,
} from "../../components/responder-policy";
import { DENY_ALL_PROFILE_NAME, RESPONDER_ACTIONS, RESPONDER_ROLE_NAME } from "../../facts";
import { FORENSIC_WORKSTATION_ROLE_NAME } from "../../facts/forensic";
import { evidenceBucketName, JOURNAL_TABLE_NAME, toolsBucketName } from "../../facts/names";
import { ROLE_BOUNDARY_NAME, roleBoundaryPolicy } from "../../facts/role-boundary";
import type { AwsClients } from "../aws/clients";
import { provisionRoleWriter } from "./role-writer";

export interface EmulatedResponder {
  accountId: string;
  region: string;
  /** Every Region the responder acts in (the baseline's configured Regions). @default [region] */
  regions?: string[];
  evidenceBucket?: string;
  toolsBucket?: string;
  journalTable?: string;
  /** Keys the responder may use. @default a key ARN of the account (the emulated buckets use SSE-S3) */
  kmsKeyArns?: string[];
  /** Roles of workload launch templates (`recover --via asg` passes them). @default [] */
  workloadRoleArns?: string[];
  logArchiveBucket?: string;
}

export interface ResponderCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: Date;
}

/** The policy context the baseline would compute for this account (components/responder-access.ts). */
export function emulatedPolicyContext(r: EmulatedResponder): ResponderPolicyContext {
  const iam = (name: string) => `arn:aws:iam::${r.accountId}:role/${name}`;
  return {
    partition: "aws",
    accountId: r.accountId,
    regions: r.regions ?? [r.region],
    evidenceBucketArn: `arn:aws:s3:::${r.evidenceBucket ?? evidenceBucketName(r.accountId, r.region)}`,
    toolsBucketArn: `arn:aws:s3:::${r.toolsBucket ?? toolsBucketName(r.accountId, r.region)}`,
    journalTableArn: `arn:aws:dynamodb:${r.region}:${r.accountId}:table/${r.journalTable ?? JOURNAL_TABLE_NAME}`,
    kmsKeyArns: r.kmsKeyArns ?? [`arn:aws:kms:${r.region}:${r.accountId}:key/ir-evidence`],
    passableRoleArns: [
      iam(DENY_ALL_PROFILE_NAME),
      iam(FORENSIC_WORKSTATION_ROLE_NAME),
      ...(r.workloadRoleArns ?? []),
    ],
    responderRoleArn: iam(RESPONDER_ROLE_NAME),
    requireCaseTagForDestructive: true,
    ...(r.logArchiveBucket ? { logArchiveBucketArn: `arn:aws:s3:::${r.logArchiveBucket}` } : {}),
  };
}

/** Creates (or updates) the responder role with the generated policies; `admin` acts in the account. */
export async function provisionResponderRole(admin: AwsClients, r: EmulatedResponder): Promise<string> {
  const exists = await admin.iam
    .send(new GetRoleCommand({ RoleName: RESPONDER_ROLE_NAME }))
    .then((x) => x.Role?.Arn)
    .catch(() => undefined);
  const arn =
    exists ??
    (
      await admin.iam.send(
        new CreateRoleCommand({
          RoleName: RESPONDER_ROLE_NAME,
          MaxSessionDuration: 14_400,
          AssumeRolePolicyDocument: JSON.stringify(
            responderTrustPolicy({
              humans: [],
              mfa: "required",
              automation: [`arn:aws:iam::${r.accountId}:root`],
              accountId: r.accountId,
            }),
          ),
        }),
      )
    ).Role!.Arn!;
  // The permissions boundary the responder must give every role it creates (iam:CreateRole requires it).
  await admin.iam
    .send(
      new CreatePolicyCommand({
        PolicyName: ROLE_BOUNDARY_NAME,
        PolicyDocument: JSON.stringify(roleBoundaryPolicy()),
      }),
    )
    .catch((err: Error) => {
      if (err.name !== "EntityAlreadyExistsException" && err.name !== "EntityAlreadyExists") throw err;
    });
  // The same managed policies the baseline attaches (one per group of services: see
  // RESPONDER_POLICY_GROUPS); created once per account, a new version when they exist.
  for (const { name, document } of responderPolicyDocuments(RESPONDER_ACTIONS, emulatedPolicyContext(r))) {
    const policyArn = `arn:aws:iam::${r.accountId}:policy/${name}`;
    const text = JSON.stringify(document);
    const created = await admin.iam
      .send(new CreatePolicyCommand({ PolicyName: name, PolicyDocument: text }))
      .then(() => true)
      .catch((err: Error) => {
        if (err.name !== "EntityAlreadyExistsException" && err.name !== "EntityAlreadyExists") throw err;
        return false;
      });
    if (!created)
      await admin.iam.send(
        new CreatePolicyVersionCommand({ PolicyArn: policyArn, PolicyDocument: text, SetAsDefault: true }),
      );
    await admin.iam.send(
      new AttachRolePolicyCommand({ RoleName: RESPONDER_ROLE_NAME, PolicyArn: policyArn }),
    );
  }
  return arn;
}

/** Assumes the responder role (through the strict layer, which then evaluates every call as that role). */
export async function assumeResponderRole(
  admin: AwsClients,
  r: EmulatedResponder,
  sessionName = "ir-responder-test",
): Promise<ResponderCredentials> {
  const roleArn = await provisionResponderRole(admin, r);
  // The only writer of role policies, as the baseline deploys it: the responder invokes it.
  await provisionRoleWriter(admin, r.accountId);
  const c = (
    await admin.sts.send(
      new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: sessionName, DurationSeconds: 14_400 }),
    )
  ).Credentials!;
  return {
    accessKeyId: c.AccessKeyId!,
    secretAccessKey: c.SecretAccessKey!,
    sessionToken: c.SessionToken!,
    expiration: c.Expiration!,
  };
}
