/**
 * The responder's world for the iam-authorize tests: roles created through the layer with the policy
 * the baseline generates (components/responder-policy.ts) for this test's real bucket and table names,
 * and sessions of them assumed through the layer (so the layer knows them).
 */
import { CreateRoleCommand, PutRolePolicyCommand } from "@aws-sdk/client-iam";
import { AssumeRoleCommand } from "@aws-sdk/client-sts";
import type { AwsClients } from "../../automation/aws/clients";
import { iamAuthorize } from "../../automation/emulator/strict/rules/iam-authorize";
import { stsSessions } from "../../automation/emulator/strict/rules/sts-sessions";
import { responderPolicyDocument } from "../../components/responder-policy";
import { RESPONDER_ACTIONS } from "../../facts/responder-actions";
import { type RuleLayer, startRuleLayer } from "./strict";

export const ACCOUNT = "123456789012";

export interface ResponderWorld {
  evidence: string;
  tools: string;
  table: string;
}

/** Bucket and table names for one test file (prefix keeps files apart on the shared moto). */
export const responderContext = (prefix: string): ResponderWorld => ({
  evidence: `${prefix}-evidence`,
  tools: `${prefix}-tools`,
  table: `${prefix}-case-journal`,
});

export function responderPolicy(w: ResponderWorld) {
  return responderPolicyDocument(RESPONDER_ACTIONS, {
    partition: "aws",
    accountId: ACCOUNT,
    regions: ["us-east-1"],
    evidenceBucketArn: `arn:aws:s3:::${w.evidence}`,
    toolsBucketArn: `arn:aws:s3:::${w.tools}`,
    journalTableArn: `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/${w.table}`,
    kmsKeyArns: [`arn:aws:kms:us-east-1:${ACCOUNT}:key/evidence`],
    passableRoleArns: [`arn:aws:iam::${ACCOUNT}:role/ir-deny-all`],
    responderRoleArn: `arn:aws:iam::${ACCOUNT}:role/ir-responder`,
    requireCaseTagForDestructive: true,
  });
}

/** A role trusted by `principal` (default: the account), with the responder policy when `world` is given. */
export async function createRole(
  admin: AwsClients,
  name: string,
  world?: ResponderWorld,
  principal: Record<string, string> = { AWS: `arn:aws:iam::${ACCOUNT}:root` },
): Promise<void> {
  await admin.iam.send(
    new CreateRoleCommand({
      RoleName: name,
      AssumeRolePolicyDocument: JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: principal, Action: "sts:AssumeRole" }],
      }),
    }),
  );
  if (world)
    await admin.iam.send(
      new PutRolePolicyCommand({
        RoleName: name,
        PolicyName: "ir-responder-actions",
        PolicyDocument: JSON.stringify(responderPolicy(world)),
      }),
    );
}

/** A session of the role, assumed through the layer (session name "t"). */
export async function sessionOf(admin: AwsClients, role: string) {
  const r = await admin.sts.send(
    new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ACCOUNT}:role/${role}`, RoleSessionName: "t" }),
  );
  const c = r.Credentials!;
  return { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! };
}

/** The error a call fails with (fails the test if it succeeds). */
export async function failure(p: Promise<unknown>): Promise<Error> {
  const r = await p.then(
    () => undefined,
    (e: Error) => e,
  );
  if (!r) throw new Error("expected the call to be refused, and it succeeded");
  return r;
}

/**
 * A layer with the session rule and iam-authorize (`rules` replaces them: run a test without the rule),
 * the responder role (baseline policy) and a role without permissions, each with a session.
 */
export async function responderLayer(
  world: ResponderWorld,
  rules = [stsSessions, iamAuthorize],
): Promise<{ l: RuleLayer; responder: AwsClients; nobody: AwsClients }> {
  const l = await startRuleLayer(rules);
  await createRole(l.admin, "ir-responder", world);
  await createRole(l.admin, "ir-nobody");
  return {
    l,
    responder: l.as(await sessionOf(l.admin, "ir-responder")),
    nobody: l.as(await sessionOf(l.admin, "ir-nobody")),
  };
}
