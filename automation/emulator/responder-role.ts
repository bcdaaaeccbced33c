/**
 * The responder role in an emulated account, as the baseline deploys it: its policy generated from
 * facts/responder-actions.ts by the responder policy component (components/responder-policy.ts), its
 * trust admitting the account's automation, then assumed through the strict layer so that every call of
 * `ir` is authorised as that role. Used by the tests and the game day; never by a real deployment.
 */
import { CreateRoleCommand, GetRoleCommand, PutRolePolicyCommand } from "@aws-sdk/client-iam";
import { AssumeRoleCommand } from "@aws-sdk/client-sts";
import {
  type ResponderPolicyContext,
  responderPolicyDocument,
  responderTrustPolicy,
} from "../../components/responder-policy";
import { DENY_ALL_PROFILE_NAME, RESPONDER_ACTIONS, RESPONDER_ROLE_NAME } from "../../facts";
import { FORENSIC_WORKSTATION_ROLE_NAME } from "../../facts/forensic";
import { evidenceBucketName, JOURNAL_TABLE_NAME, toolsBucketName } from "../../facts/names";
import type { AwsClients } from "../aws/clients";

/** Name of the generated inline policy (the same name the baseline gives it). */
export const RESPONDER_POLICY_NAME = "ir-responder-actions";

export interface EmulatedResponder {
  accountId: string;
  region: string;
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
    regions: [r.region],
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

/** Creates (or updates) the responder role with the generated policy; `admin` acts in the account. */
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
              mfa: true,
              automation: [`arn:aws:iam::${r.accountId}:root`],
              lambda: true,
              accountId: r.accountId,
            }),
          ),
        }),
      )
    ).Role!.Arn!;
  await admin.iam.send(
    new PutRolePolicyCommand({
      RoleName: RESPONDER_ROLE_NAME,
      PolicyName: RESPONDER_POLICY_NAME,
      PolicyDocument: JSON.stringify(responderPolicyDocument(RESPONDER_ACTIONS, emulatedPolicyContext(r))),
    }),
  );
  return arn;
}

/** Assumes the responder role (through the strict layer, which then evaluates every call as that role). */
export async function assumeResponderRole(
  admin: AwsClients,
  r: EmulatedResponder,
  sessionName = "ir-responder-test",
): Promise<ResponderCredentials> {
  const roleArn = await provisionResponderRole(admin, r);
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
