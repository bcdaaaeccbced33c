/**
 * Least privilege, proven (issue 7): the responder policy the baseline generates from the shared facts
 * module must grant exactly what the automation calls. The game day records every IAM action its
 * responder clients needed; `leastPrivilegeGaps` compares them with the generated policy. The few
 * actions a game day on the emulator cannot reach are listed here WITH the path that needs them and the
 * reason the emulator cannot exercise it; each of those paths has its own recorded-calls test.
 */
import { allowedActions, responderPolicyDocument } from "../../components/responder-policy";
import { RESPONDER_ACTIONS } from "../../facts/responder-actions";

/** EBS's own KMS calls when it copies a snapshot under the incident key or makes a volume of the copy. */
const EBS_IN_OUR_NAME =
  "EBS asks KMS in the responder's name (kms:ViaService ec2) when investigate copies a snapshot under the incident key: never a call of ir's clients, and the game day has no incident key (test/investigate/customer-key.test.ts, test/strict/ec2-ebs-key-access.test.ts)";
/** investigate's check of a snapshot's key before it copies. */
const KEY_CHECK =
  "investigate reads a case snapshot's key before copying it under the incident key: the game day has no incident key (test/investigate/customer-key.test.ts)";

/** Granted but out of the game day's reach: action → (the path that calls it; why moto cannot play it). */
export const NOT_REACHED_BY_GAMEDAY: Readonly<Record<string, string>> = {
  "elasticloadbalancing:DeregisterInstancesFromLoadBalancer":
    "respond, classic ELB members: the game day's workload sits behind an ALB (test/integration/respond.test.ts mocks a classic ELB)",
  "elasticloadbalancing:RegisterInstancesWithLoadBalancer":
    "release, classic ELB members: the game day never releases (it terminates)",
  "ec2:CopySnapshot":
    "investigate copies the case snapshots under the incident key (evidenceKmsKeyArn): the game day publishes none, so its volumes come from the snapshots themselves (test/investigate/customer-key.test.ts copies)",
  "kms:CreateGrant": EBS_IN_OUR_NAME,
  "kms:GenerateDataKeyWithoutPlaintext": EBS_IN_OUR_NAME,
  "kms:ReEncryptFrom": EBS_IN_OUR_NAME,
  "kms:ReEncryptTo": EBS_IN_OUR_NAME,
  "kms:DescribeKey": KEY_CHECK,
  "kms:GetKeyPolicy": KEY_CHECK,
  "kms:Decrypt":
    "reading evidence or flow logs encrypted with a KMS key: the emulated buckets use SSE-S3 (the policy scopes it to S3 as the calling service)",
  "kms:GenerateDataKey":
    "evidence written with the baseline's KMS key: the game day's bootstrap bucket uses SSE-S3 (no KMS key in the emulated account)",
  "s3:AbortMultipartUpload":
    "memory capture over SSM: moto runs no SSM agent (test/automation/memory.test.ts)",
  "s3:ListBucketMultipartUploads":
    "memory capture run again (transient error, resumed case) finds the capture already running: moto runs no SSM agent (test/automation/memory.test.ts)",
  "ssm:ListCommands":
    "memory capture or log collection run again finds its earlier command: moto runs no SSM agent (test/automation/memory.test.ts, test/integration/collect-logs.test.ts)",
};

export interface LeastPrivilegeGaps {
  /** Called by the automation but not granted: the responder would be denied in production. */
  missing: string[];
  /** Granted, never called by the game day, and not explained above: remove it, or explain it. */
  unused: string[];
  /** Explained above as out of reach, yet the game day called it: the explanation is stale. */
  staleExplanations: string[];
  /** The generated policy allows exactly the shared action list (no more, no less). */
  policyMatchesFacts: boolean;
}

const CONTEXT = {
  partition: "aws",
  accountId: "123456789012",
  regions: ["us-east-1"],
  evidenceBucketArn: "arn:aws:s3:::ir-evidence",
  toolsBucketArn: "arn:aws:s3:::ir-tools",
  journalTableArn: "arn:aws:dynamodb:us-east-1:123456789012:table/ir-case-journal",
  kmsKeyArns: ["arn:aws:kms:us-east-1:123456789012:key/evidence"],
  passableRoleArns: ["arn:aws:iam::123456789012:role/ir-deny-all"],
  responderRoleArn: "arn:aws:iam::123456789012:role/ir-responder",
  requireCaseTagForDestructive: true,
  logArchiveBucketArn: "arn:aws:s3:::log-archive",
  logArchiveKmsKeyArns: ["arn:aws:kms:us-east-1:123456789012:key/audit"],
};

export function leastPrivilegeGaps(used: Iterable<string>): LeastPrivilegeGaps {
  const called = new Set(used);
  const granted = new Set(allowedActions(responderPolicyDocument(RESPONDER_ACTIONS, CONTEXT)));
  return {
    missing: [...called].filter((a) => !granted.has(a)).sort(),
    unused: [...granted].filter((a) => !called.has(a) && !(a in NOT_REACHED_BY_GAMEDAY)).sort(),
    staleExplanations: Object.keys(NOT_REACHED_BY_GAMEDAY)
      .filter((a) => called.has(a))
      .sort(),
    policyMatchesFacts:
      granted.size === new Set(RESPONDER_ACTIONS).size && RESPONDER_ACTIONS.every((a) => granted.has(a)),
  };
}
