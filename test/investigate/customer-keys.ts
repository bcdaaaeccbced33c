/**
 * Customer-managed KMS keys as workloads have them, for the tests of EBS encryption: an open key (the
 * default policy: the account's IAM decides) and the key policy a workload team writes in the console
 * (administrators through the account; use of the key only by the workload's own role), which does not
 * admit the responder.
 */
import { CreateKeyCommand, PutKeyPolicyCommand } from "@aws-sdk/client-kms";
import type { AwsClients } from "../../automation/aws/clients";

export const WORKLOAD_ROLE = "web-instance";

/** The console's key policy with key users: only the workload's role may use the key. */
export function lockedKeyPolicy(accountId: string): string {
  const workload = { AWS: `arn:aws:iam::${accountId}:role/${WORKLOAD_ROLE}` };
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "KeyAdministrators",
        Effect: "Allow",
        Principal: { AWS: `arn:aws:iam::${accountId}:root` },
        Action: [
          "kms:Create*",
          "kms:Describe*",
          "kms:Enable*",
          "kms:List*",
          "kms:Put*",
          "kms:Update*",
          "kms:Revoke*",
          "kms:Disable*",
          "kms:Get*",
          "kms:Delete*",
          "kms:TagResource",
          "kms:UntagResource",
          "kms:ScheduleKeyDeletion",
          "kms:CancelKeyDeletion",
        ],
        Resource: "*",
      },
      {
        Sid: "WorkloadUsesKey",
        Effect: "Allow",
        Principal: workload,
        Action: ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"],
        Resource: "*",
      },
      {
        Sid: "WorkloadAttachesVolumes",
        Effect: "Allow",
        Principal: workload,
        Action: ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"],
        Resource: "*",
        Condition: { Bool: { "kms:GrantIsForAWSResource": "true" } },
      },
    ],
  });
}

/** A symmetric key (the default policy unless `policy`), its ARN. */
export async function createKey(c: AwsClients, description: string, policy?: string): Promise<string> {
  const r = await c.kms.send(
    new CreateKeyCommand({ Description: description, ...(policy ? { Policy: policy } : {}) }),
  );
  return r.KeyMetadata!.Arn!;
}

/** Replaces a key's policy (through the layer, so its decisions follow at once). */
export async function putKeyPolicy(c: AwsClients, keyArn: string, policy: string): Promise<void> {
  await c.kms.send(new PutKeyPolicyCommand({ KeyId: keyArn, PolicyName: "default", Policy: policy }));
}
