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
  /**
   * Alerts key: Image Builder publishes build notifications to the encrypted alert topic (the forensic
   * AMI pipeline). @default false
   */
  imageBuilderNotifications?: boolean;
  /**
   * Evidence key: analysts of other accounts who read evidence objects (through S3 only, and only the
   * evidence bucket's). @default none
   */
  crossAccountReaders?: CrossAccountReaders;
}

/** Analysts of other accounts, admitted by the evidence bucket policy and the evidence key policy. */
export interface CrossAccountReaders {
  /** Their accounts (the statements' principals: each account's root, so the account must exist). */
  accountIds: string[];
  /** The analysts' principal ARNs or patterns (`aws:PrincipalArn`), all in those accounts. */
  principalArns: string[];
  /** The evidence bucket (the S3 encryption context of its objects). */
  bucketArn: string;
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
    // Image Builder publishes each build's outcome to the topic as its service-linked role, which needs
    // exactly these two actions on the topic's key (Image Builder user guide, "Encrypted SNS Topics").
    ...(c.imageBuilderNotifications
      ? [
          serviceLinkedRoleStatement(
            c,
            "ImageBuilderPublishesBuildNotifications",
            "imagebuilder.amazonaws.com",
            "AWSServiceRoleForImageBuilder",
            ["kms:GenerateDataKey*", "kms:Decrypt"],
          ),
        ]
      : []),
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

/**
 * A service-linked role that uses the key directly (outside kms:ViaService), e.g. for encrypted launches.
 * KMS refuses a key policy whose principal does not exist yet ("the principals in the key policy must
 * exist"), and a service-linked role exists only once its service was first used in the account: naming
 * the role as the principal would make `pulumi up` fail in a fresh account. So the principal is any
 * caller of this account, narrowed to exactly that role by `aws:PrincipalArn` (a direct grant, not a
 * delegation to IAM, with no existence check).
 */
function serviceLinkedRoleStatement(
  c: KeyPolicyContext,
  sid: string,
  service: string,
  roleName: string,
  actions: string[] = USE_KEY_ACTIONS,
): Statement {
  return {
    Sid: sid,
    Effect: "Allow",
    Principal: { AWS: "*" },
    Action: actions,
    Resource: "*",
    Condition: {
      StringEquals: { "kms:CallerAccount": c.accountId },
      ArnEquals: {
        "aws:PrincipalArn": `arn:${c.partition ?? "aws"}:iam::${c.accountId}:role/aws-service-role/${service}/${roleName}`,
      },
    },
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
    ...(c.crossAccountReaders ? [crossAccountReadersStatement(c, c.crossAccountReaders)] : []),
  ];
}

/**
 * Analysts of other accounts decrypt evidence objects, and nothing else: through S3 in the key's region,
 * for objects of the evidence bucket (its ARN is the encryption context with S3 Bucket Keys, the object's
 * ARN without), and only the configured principals of those accounts. The principals are the accounts'
 * roots (a pattern cannot be a principal, and a named role must exist): each account's own IAM policies
 * must grant its analysts the key too, as every cross-account grant needs both sides.
 */
function crossAccountReadersStatement(c: KeyPolicyContext, r: CrossAccountReaders): Statement {
  const p = c.partition ?? "aws";
  return {
    Sid: "CrossAccountAnalystsDecryptEvidenceThroughS3",
    Effect: "Allow",
    Principal: { AWS: r.accountIds.map((a) => `arn:${p}:iam::${a}:root`) },
    // Decrypt only: reading an SSE-KMS object needs nothing else, and DescribeKey carries no encryption
    // context, so the condition below would refuse it anyway.
    Action: "kms:Decrypt",
    Resource: "*",
    Condition: {
      StringEquals: { "kms:ViaService": `s3.${c.region}.amazonaws.com` },
      StringLike: { "kms:EncryptionContext:aws:s3:arn": [r.bucketArn, `${r.bucketArn}/*`] },
      ArnLike: { "aws:PrincipalArn": r.principalArns },
    },
  };
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
