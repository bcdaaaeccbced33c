/**
 * Key policies for the baseline's customer-managed keys. Each key serves one purpose, and each policy
 * grants the services of that purpose exactly the calls they make, bound to this account (and, where
 * AWS supports it, to the resource through an encryption-context condition). Only the account root gets
 * `kms:*`, which is what keeps the key manageable through IAM; nothing else does.
 */
export type KeyPurpose = "audit" | "alerts" | "ebs" | "evidence";

export interface KeyPolicyContext {
  accountId: string;
  region: string;
  partition?: string;
}

type Statement = Record<string, unknown>;

const rootStatement = (c: KeyPolicyContext): Statement => ({
  Sid: "AccountRootManagesKey",
  Effect: "Allow",
  Principal: { AWS: `arn:${c.partition ?? "aws"}:iam::${c.accountId}:root` },
  Action: "kms:*",
  Resource: "*",
});

const service = (
  sid: string,
  principal: string,
  actions: string[],
  condition: Record<string, Record<string, string | string[]>>,
): Statement => ({
  Sid: sid,
  Effect: "Allow",
  Principal: { Service: principal },
  Action: actions,
  Resource: "*",
  Condition: condition,
});

function auditStatements(c: KeyPolicyContext): Statement[] {
  const p = c.partition ?? "aws";
  const sourceAccount = { "aws:SourceAccount": c.accountId };
  return [
    service("CloudTrailEncryptsLogs", "cloudtrail.amazonaws.com", ["kms:GenerateDataKey*"], {
      StringEquals: sourceAccount,
      StringLike: {
        "kms:EncryptionContext:aws:cloudtrail:arn": `arn:${p}:cloudtrail:*:${c.accountId}:trail/*`,
      },
    }),
    service("CloudTrailDescribesKey", "cloudtrail.amazonaws.com", ["kms:DescribeKey"], {
      StringEquals: sourceAccount,
    }),
    service(
      "CloudWatchLogsEncryptsLogGroups",
      `logs.${c.region}.amazonaws.com`,
      ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
      { ArnLike: { "kms:EncryptionContext:aws:logs:arn": `arn:${p}:logs:*:${c.accountId}:log-group:*` } },
    ),
    service("ConfigDeliversToArchive", "config.amazonaws.com", ["kms:GenerateDataKey", "kms:Decrypt"], {
      StringEquals: sourceAccount,
    }),
    service(
      "FlowLogsDeliverToArchive",
      "delivery.logs.amazonaws.com",
      ["kms:GenerateDataKey*", "kms:Decrypt"],
      {
        StringEquals: sourceAccount,
      },
    ),
    {
      // Readers of the archive (auditors, `ir analyze`) decrypt through S3 only, never directly.
      Sid: "AccountDecryptsThroughS3",
      Effect: "Allow",
      Principal: { AWS: `arn:${p}:iam::${c.accountId}:root` },
      Action: ["kms:Decrypt", "kms:DescribeKey"],
      Resource: "*",
      Condition: {
        StringEquals: { "kms:CallerAccount": c.accountId, "kms:ViaService": `s3.${c.region}.amazonaws.com` },
      },
    },
  ];
}

function alertStatements(c: KeyPolicyContext): Statement[] {
  const sourceAccount = { StringEquals: { "aws:SourceAccount": c.accountId } };
  return [
    service(
      "EventBridgePublishesAlerts",
      "events.amazonaws.com",
      ["kms:GenerateDataKey*", "kms:Decrypt"],
      sourceAccount,
    ),
    service(
      "SnsDeliversEncryptedMessages",
      "sns.amazonaws.com",
      ["kms:GenerateDataKey*", "kms:Decrypt"],
      sourceAccount,
    ),
    service(
      "CloudWatchAlarmsPublish",
      "cloudwatch.amazonaws.com",
      ["kms:GenerateDataKey*", "kms:Decrypt"],
      sourceAccount,
    ),
  ];
}

/** What a principal needs to use a key for EBS/S3/DynamoDB encryption (grants: for attached volumes). */
const USE_KEY_ACTIONS = [
  "kms:Encrypt",
  "kms:Decrypt",
  "kms:ReEncrypt*",
  "kms:GenerateDataKey*",
  "kms:DescribeKey",
  "kms:CreateGrant",
];

function viaServiceStatement(c: KeyPolicyContext, sid: string, services: string[]): Statement {
  return {
    Sid: sid,
    Effect: "Allow",
    Principal: { AWS: "*" },
    Action: USE_KEY_ACTIONS,
    Resource: "*",
    Condition: {
      StringEquals: {
        "kms:CallerAccount": c.accountId,
        "kms:ViaService": services.map((s) => `${s}.${c.region}.amazonaws.com`),
      },
    },
  };
}

/** A service-linked role that uses the key directly (outside kms:ViaService), e.g. for encrypted launches. */
function serviceLinkedRoleStatement(
  c: KeyPolicyContext,
  sid: string,
  service: string,
  roleName: string,
): Statement {
  return {
    Sid: sid,
    Effect: "Allow",
    Principal: {
      AWS: `arn:${c.partition ?? "aws"}:iam::${c.accountId}:role/aws-service-role/${service}/${roleName}`,
    },
    Action: USE_KEY_ACTIONS,
    Resource: "*",
  };
}

const autoScalingRole = (c: KeyPolicyContext) =>
  serviceLinkedRoleStatement(
    c,
    "AutoScalingLaunchesEncryptedVolumes",
    "autoscaling.amazonaws.com",
    "AWSServiceRoleForAutoScaling",
  );
const imageBuilderRole = (c: KeyPolicyContext) =>
  serviceLinkedRoleStatement(
    c,
    "ImageBuilderEncryptsImages",
    "imagebuilder.amazonaws.com",
    "AWSServiceRoleForImageBuilder",
  );

function ebsStatements(c: KeyPolicyContext): Statement[] {
  // Principals of this account use the key only through EC2 (volumes, snapshots, AMIs); Auto Scaling
  // and Image Builder (golden AMIs) use it through their service-linked roles.
  return [
    viaServiceStatement(c, "AccountUsesKeyThroughEc2", ["ec2"]),
    autoScalingRole(c),
    imageBuilderRole(c),
  ];
}

function evidenceStatements(c: KeyPolicyContext): Statement[] {
  // The incident key: evidence objects (S3), the journal (DynamoDB), the forensic AMI that Image Builder
  // encrypts with it, and the copies of case snapshots `ir investigate` re-encrypts under it. Through S3
  // and DynamoDB any principal of the account may use it (their bucket and table policies decide who
  // reads); through EC2 only the principals IAM allows (the root statement): a copy of a compromised
  // disk holds its secrets, and "any principal that may call ec2:CreateVolume" would read them. The
  // responder role's policy grants exactly what EBS needs (components/responder-policy.ts).
  return [
    viaServiceStatement(c, "AccountUsesKeyThroughEvidenceServices", ["s3", "dynamodb"]),
    imageBuilderRole(c),
  ];
}

const BUILDERS: Record<KeyPurpose, (c: KeyPolicyContext) => Statement[]> = {
  audit: auditStatements,
  alerts: alertStatements,
  ebs: ebsStatements,
  evidence: evidenceStatements,
};

/** The key policy document for a purpose. */
export function keyPolicy(
  purpose: KeyPurpose,
  c: KeyPolicyContext,
): { Version: string; Statement: Statement[] } {
  return { Version: "2012-10-17", Statement: [rootStatement(c), ...BUILDERS[purpose](c)] };
}
