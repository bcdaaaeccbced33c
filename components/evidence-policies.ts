/**
 * Bucket policies of the evidence store, as pure functions of plain values (easy to read and test).
 */

/** Actions that destroy evidence: denied to every principal, the responder and administrators included. */
export const EVIDENCE_DESTRUCTIVE_ACTIONS = [
  "s3:BypassGovernanceRetention",
  "s3:DeleteBucket",
  "s3:DeleteObject",
  "s3:DeleteObjectTagging",
  "s3:DeleteObjectVersion",
  "s3:DeleteObjectVersionTagging",
];

/**
 * Configuration that protects evidence (versioning, the lock, the lifecycle, replication, the policy).
 * The stack itself declares versioning, the lock and the lifecycle, so with administrators named (the
 * deploying identity, the break-glass principal) only they may change it: denying it to everyone would
 * refuse the stack's own next update (a new retention, a lifecycle rule). Without administrators it is
 * denied to everyone, as before (`ir bootstrap`, the game day's account).
 */
export const EVIDENCE_PROTECTION_ACTIONS = [
  "s3:DeleteBucketPolicy",
  "s3:PutBucketObjectLockConfiguration",
  "s3:PutBucketVersioning",
  "s3:PutLifecycleConfiguration",
  "s3:PutReplicationConfiguration",
];

/** Bucket configuration changes reserved for administrators (when any are named). */
export const BUCKET_ADMIN_ACTIONS = [
  "s3:PutBucketAcl",
  "s3:PutBucketLogging",
  "s3:PutBucketNotification",
  "s3:PutBucketOwnershipControls",
  "s3:PutBucketPolicy",
  "s3:PutBucketPublicAccessBlock",
  "s3:PutBucketTagging",
  "s3:PutEncryptionConfiguration",
];

const partitionOf = (arn: string) => arn.split(":")[1] ?? "aws";

const denyInsecureTransport = (bucketArn: string) => ({
  Sid: "DenyInsecureTransport",
  Effect: "Deny",
  Principal: "*",
  Action: "s3:*",
  Resource: [bucketArn, `${bucketArn}/*`],
  Condition: { Bool: { "aws:SecureTransport": "false" } },
});

export interface EvidencePolicyInput {
  bucketArn: string;
  responderRoleArn: string;
  /** Analyst principal ARNs (wildcards allowed). */
  analysts: string[];
  /**
   * Administrator principal ARNs (wildcards allowed): the only principals that may change the bucket's
   * configuration. Empty: the protection actions are denied to everyone and the rest is left to IAM.
   */
  admins: string[];
  kmsKeyArn: string;
  /**
   * Analysts of other accounts: an explicit Allow to read (a cross-account principal needs one in the
   * bucket policy; the evidence key's policy admits them too). @default none
   */
  crossAccountAnalysts?: { accountIds: string[]; principalArns: string[] };
}

/** What an analyst reads: objects, their versions, locks and tags, and the listings. */
const EVIDENCE_DATA_READ_ACTIONS = [
  "s3:GetObject",
  "s3:GetObjectAttributes",
  "s3:GetObjectLegalHold",
  "s3:GetObjectRetention",
  "s3:GetObjectTagging",
  "s3:GetObjectVersion",
  "s3:GetObjectVersionAttributes",
  "s3:GetObjectVersionTagging",
  "s3:ListBucket",
  "s3:ListBucketVersions",
];

/** What an analyst of another account is allowed (where the bucket is, for the SDKs, besides the data). */
export const EVIDENCE_READ_ACTIONS = ["s3:GetBucketLocation", ...EVIDENCE_DATA_READ_ACTIONS];

/** Evidence bucket policy: TLS only, no deletion by anyone, data only for the responder and analysts. */
export function evidenceBucketPolicy(i: EvidencePolicyInput) {
  const readers = [i.responderRoleArn, ...i.analysts];
  const statements: Record<string, unknown>[] = [
    denyInsecureTransport(i.bucketArn),
    {
      Sid: "DenyEvidenceDestruction",
      Effect: "Deny",
      Principal: "*",
      Action:
        i.admins.length > 0
          ? EVIDENCE_DESTRUCTIVE_ACTIONS
          : [...EVIDENCE_DESTRUCTIVE_ACTIONS, ...EVIDENCE_PROTECTION_ACTIONS].sort(),
      Resource: [i.bucketArn, `${i.bucketArn}/*`],
    },
    {
      Sid: "DenyDataAccessExceptResponderAndAnalysts",
      Effect: "Deny",
      Principal: "*",
      Action: [
        ...EVIDENCE_DATA_READ_ACTIONS,
        "s3:AbortMultipartUpload",
        "s3:ListBucketMultipartUploads",
        "s3:ListMultipartUploadParts",
        "s3:PutObject",
        "s3:PutObjectLegalHold",
        "s3:PutObjectRetention",
        "s3:PutObjectTagging",
        "s3:PutObjectVersionTagging",
        "s3:RestoreObject",
      ].sort(),
      Resource: [i.bucketArn, `${i.bucketArn}/*`],
      Condition: { ArnNotLike: { "aws:PrincipalArn": readers } },
    },
    {
      Sid: "DenyWritesByAnyoneButTheResponder",
      Effect: "Deny",
      Principal: "*",
      Action: ["s3:PutObject", "s3:PutObjectLegalHold", "s3:PutObjectRetention"],
      Resource: `${i.bucketArn}/*`,
      Condition: { ArnNotEquals: { "aws:PrincipalArn": i.responderRoleArn } },
    },
    {
      Sid: "DenyNonKmsEncryption",
      Effect: "Deny",
      Principal: "*",
      Action: "s3:PutObject",
      Resource: `${i.bucketArn}/*`,
      // Only a present, wrong header: UploadPart, CompleteMultipartUpload and presigned PUTs never carry
      // it (an IfExists deny fires on those too and refuses every multipart or presigned upload); the
      // bucket's default encryption (this key, aws:kms) covers requests without it.
      Condition: {
        StringNotEquals: { "s3:x-amz-server-side-encryption": "aws:kms" },
        Null: { "s3:x-amz-server-side-encryption": "false" },
      },
    },
    {
      Sid: "DenyOtherEncryptionKeys",
      Effect: "Deny",
      Principal: "*",
      Action: "s3:PutObject",
      Resource: `${i.bucketArn}/*`,
      Condition: {
        StringNotEquals: { "s3:x-amz-server-side-encryption-aws-kms-key-id": i.kmsKeyArn },
        Null: { "s3:x-amz-server-side-encryption-aws-kms-key-id": "false" },
      },
    },
  ];
  if (i.admins.length > 0)
    statements.push({
      Sid: "DenyConfigurationChangesExceptAdministrators",
      Effect: "Deny",
      Principal: "*",
      Action: [...BUCKET_ADMIN_ACTIONS, ...EVIDENCE_PROTECTION_ACTIONS].sort(),
      Resource: i.bucketArn,
      Condition: { ArnNotLike: { "aws:PrincipalArn": i.admins } },
    });
  const cross = i.crossAccountAnalysts;
  if (cross && cross.accountIds.length > 0)
    statements.push({
      // A principal of another account is refused unless the bucket policy allows it (its own account's
      // IAM policy must allow it too). The principals are the accounts (a pattern cannot be a principal,
      // a named role must exist), narrowed to the configured analysts; the denies above still apply.
      Sid: "CrossAccountAnalystsReadEvidence",
      Effect: "Allow",
      Principal: { AWS: cross.accountIds.map((a) => `arn:${partitionOf(i.bucketArn)}:iam::${a}:root`) },
      Action: EVIDENCE_READ_ACTIONS,
      Resource: [i.bucketArn, `${i.bucketArn}/*`],
      Condition: { ArnLike: { "aws:PrincipalArn": cross.principalArns } },
    });
  return { Version: "2012-10-17", Statement: statements };
}

/** Tools bucket policy: TLS only; only publishers (responder, administrators) change its content. */
export function toolsBucketPolicy(i: { bucketArn: string; publishers: string[] }) {
  return {
    Version: "2012-10-17",
    Statement: [
      denyInsecureTransport(i.bucketArn),
      {
        Sid: "DenyToolChangesExceptPublishers",
        Effect: "Deny",
        Principal: "*",
        Action: [
          "s3:DeleteObject",
          "s3:DeleteObjectVersion",
          "s3:PutObject",
          "s3:PutObjectAcl",
          "s3:PutLifecycleConfiguration",
          "s3:PutBucketVersioning",
        ],
        Resource: [i.bucketArn, `${i.bucketArn}/*`],
        Condition: { ArnNotLike: { "aws:PrincipalArn": i.publishers } },
      },
    ],
  };
}

/** Data writes to the journal (a transaction is authorised per item action, so these cover it). */
export const JOURNAL_WRITE_ACTIONS = [
  "dynamodb:BatchWriteItem",
  "dynamodb:DeleteItem",
  "dynamodb:PartiQLDelete",
  "dynamodb:PartiQLInsert",
  "dynamodb:PartiQLUpdate",
  "dynamodb:PutItem",
  "dynamodb:UpdateItem",
];

/** Table changes that would unprotect the journal: its policy, deletion protection, backups, the table. */
export const JOURNAL_ADMIN_ACTIONS = [
  "dynamodb:DeleteResourcePolicy",
  "dynamodb:DeleteTable",
  "dynamodb:PutResourcePolicy",
  "dynamodb:UpdateContinuousBackups",
  "dynamodb:UpdateTable",
];

/**
 * The case journal's resource policy: only the responder role writes entries (every `ir` command and
 * the auto-containment function run as it), whatever IAM grants others (`dynamodb:*` on `*` included);
 * only administrators change the table or this policy. The account root stays exempt from the latter,
 * so a change of deploying identity can never leave the table's policy unmanageable.
 */
export function journalTablePolicy(i: {
  tableArn: string;
  responderRoleArn: string;
  admins: string[];
  accountRootArn: string;
}) {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "DenyJournalWritesExceptResponder",
        Effect: "Deny",
        Principal: "*",
        Action: JOURNAL_WRITE_ACTIONS,
        // The table only: indexes take no writes (the journal has none), and a table's policy may name
        // only the table, its indexes and its stream.
        Resource: i.tableArn,
        Condition: { ArnNotEquals: { "aws:PrincipalArn": i.responderRoleArn } },
      },
      {
        Sid: "DenyJournalChangesExceptAdministrators",
        Effect: "Deny",
        Principal: "*",
        Action: JOURNAL_ADMIN_ACTIONS,
        Resource: i.tableArn,
        Condition: { ArnNotLike: { "aws:PrincipalArn": [...i.admins, i.accountRootArn] } },
      },
    ],
  };
}
