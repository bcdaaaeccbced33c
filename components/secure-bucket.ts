import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { baseTags } from "./tags";

type Statement = Record<string, unknown>;

/** Denies every request that does not use TLS (CIS 2.1.1, Config rule s3-bucket-ssl-requests-only). */
export const denyInsecureTransport = (bucketArn: string): Statement => ({
  Sid: "DenyInsecureTransport",
  Effect: "Deny",
  Principal: "*",
  Action: "s3:*",
  Resource: [bucketArn, `${bucketArn}/*`],
  Condition: { Bool: { "aws:SecureTransport": "false" } },
});

export interface SecureBucketArgs {
  /** Physical bucket name; a unique name derived from the resource name when omitted. */
  bucketName?: pulumi.Input<string>;
  /** SSE-KMS with this key, or "s3" for SSE-S3 (the only encryption some log deliveries, like ELB, support). */
  encryption: { kmsKeyArn: pulumi.Input<string> } | "s3";
  /**
   * Object Lock default retention. Object Lock can only be turned on when the bucket is created.
   * @default none
   */
  objectLock?: { mode: "GOVERNANCE" | "COMPLIANCE"; days: number };
  /** Statements added to the bucket policy, given the bucket ARN; TLS-only is always included. */
  policyStatements?: (bucketArn: string) => pulumi.Input<Statement[]>;
  /** Lifecycle rules (already in the v7 `BucketLifecycleConfiguration` rule shape). */
  lifecycleRules?: aws.types.input.s3.BucketLifecycleConfigurationRule[];
  tags?: Record<string, string>;
}

/**
 * An S3 bucket with the settings every bucket of ours has: versioning, encryption at rest, every public
 * access block on, bucket-owner-enforced ownership (no ACLs), a TLS-only policy, and optional Object
 * Lock and lifecycle rules.
 */
export class SecureBucket extends pulumi.ComponentResource {
  readonly bucket: aws.s3.Bucket;
  readonly name: pulumi.Output<string>;
  readonly arn: pulumi.Output<string>;
  readonly policy: aws.s3.BucketPolicy;

  constructor(name: string, args: SecureBucketArgs, opts?: pulumi.ComponentResourceOptions) {
    super("incident-ready:storage:SecureBucket", name, {}, opts);
    const parent = { parent: this };
    this.bucket = new aws.s3.Bucket(
      name,
      {
        bucket: args.bucketName,
        objectLockEnabled: args.objectLock ? true : undefined,
        forceDestroy: false,
        tags: baseTags(args.tags),
      },
      parent,
    );
    this.name = this.bucket.bucket;
    this.arn = this.bucket.arn;
    const publicAccess = new aws.s3.BucketPublicAccessBlock(
      name,
      {
        bucket: this.bucket.id,
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
      },
      parent,
    );
    const ownership = new aws.s3.BucketOwnershipControls(
      name,
      { bucket: this.bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } },
      parent,
    );
    const versioning = new aws.s3.BucketVersioning(
      name,
      { bucket: this.bucket.id, versioningConfiguration: { status: "Enabled" } },
      parent,
    );
    const encryption = new aws.s3.BucketServerSideEncryptionConfiguration(
      name,
      {
        bucket: this.bucket.id,
        rules: [
          args.encryption === "s3"
            ? { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }
            : {
                applyServerSideEncryptionByDefault: {
                  sseAlgorithm: "aws:kms",
                  kmsMasterKeyId: args.encryption.kmsKeyArn,
                },
                bucketKeyEnabled: true,
              },
        ],
      },
      parent,
    );
    // Everything the policy protects: it is written after all of it (and removed first on destroy), so
    // a deny it holds never races the stack's own configuration calls.
    const guarded: pulumi.Resource[] = [publicAccess, ownership, versioning, encryption];
    if (args.objectLock) {
      const { mode, days } = args.objectLock;
      if (!Number.isInteger(days) || days < 1)
        throw new Error(`object lock retention ${days} is not allowed: expected whole days from 1`);
      guarded.push(
        new aws.s3.BucketObjectLockConfiguration(
          name,
          {
            bucket: this.bucket.id,
            objectLockEnabled: "Enabled",
            rule: { defaultRetention: { mode, days } },
          },
          { parent: this, dependsOn: [versioning] },
        ),
      );
    }
    if (args.lifecycleRules?.length)
      guarded.push(
        new aws.s3.BucketLifecycleConfiguration(
          name,
          { bucket: this.bucket.id, rules: args.lifecycleRules },
          { parent: this, dependsOn: [versioning] },
        ),
      );
    this.policy = new aws.s3.BucketPolicy(
      name,
      {
        bucket: this.bucket.id,
        policy: this.bucket.arn.apply((arn) =>
          pulumi
            .output(args.policyStatements?.(arn) ?? [])
            .apply((extra) =>
              JSON.stringify({ Version: "2012-10-17", Statement: [denyInsecureTransport(arn), ...extra] }),
            ),
        ),
      },
      // The public access block must exist first, or a policy with service principals can be refused.
      { parent: this, dependsOn: guarded },
    );
    this.registerOutputs({ name: this.name, arn: this.arn });
  }
}
