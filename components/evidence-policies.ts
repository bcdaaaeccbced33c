/**
 * Bucket policies of the evidence store, as pure functions of plain values (easy to read and test).
 */

/** Actions that destroy or weaken evidence: denied to every principal, the responder included. */
export const EVIDENCE_DESTRUCTIVE_ACTIONS = [
  "s3:BypassGovernanceRetention",
  "s3:DeleteBucket",
  "s3:DeleteBucketPolicy",
  "s3:DeleteObject",
  "s3:DeleteObjectTagging",
  "s3:DeleteObjectVersion",
  "s3:DeleteObjectVersionTagging",
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
  /** Administrator principal ARNs (wildcards allowed); empty: no administrator statement. */
  admins: string[];
  kmsKeyArn: string;
}

/** Evidence bucket policy: TLS only, no deletion by anyone, data only for the responder and analysts. */
export function evidenceBucketPolicy(i: EvidencePolicyInput) {
  const readers = [i.responderRoleArn, ...i.analysts];
  const statements: Record<string, unknown>[] = [
    denyInsecureTransport(i.bucketArn),
    {
      Sid: "DenyEvidenceDestruction",
      Effect: "Deny",
      Principal: "*",
      Action: EVIDENCE_DESTRUCTIVE_ACTIONS,
      Resource: [i.bucketArn, `${i.bucketArn}/*`],
    },
    {
      Sid: "DenyDataAccessExceptResponderAndAnalysts",
      Effect: "Deny",
      Principal: "*",
      Action: [
        "s3:AbortMultipartUpload",
        "s3:GetObject",
        "s3:GetObjectAttributes",
        "s3:GetObjectLegalHold",
        "s3:GetObjectRetention",
        "s3:GetObjectTagging",
        "s3:GetObjectVersion",
        "s3:GetObjectVersionAttributes",
        "s3:GetObjectVersionTagging",
        "s3:ListBucket",
        "s3:ListBucketMultipartUploads",
        "s3:ListBucketVersions",
        "s3:ListMultipartUploadParts",
        "s3:PutObject",
        "s3:PutObjectLegalHold",
        "s3:PutObjectRetention",
        "s3:PutObjectTagging",
        "s3:PutObjectVersionTagging",
        "s3:RestoreObject",
      ],
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
      Action: BUCKET_ADMIN_ACTIONS,
      Resource: i.bucketArn,
      Condition: { ArnNotLike: { "aws:PrincipalArn": i.admins } },
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
