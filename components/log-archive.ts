import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { FLOW_LOG_PREFIX } from "../facts";
import { deployerPrincipalPatterns } from "./principals";
import { SecureBucket } from "./secure-bucket";
import { validatePrincipalArn } from "./validation";

/** Key prefixes inside the log archive, one per delivering service. */
export const ARCHIVE_PREFIX = {
  cloudtrail: "cloudtrail",
  config: "config",
  flowLogs: FLOW_LOG_PREFIX,
} as const;

export interface LogArchiveArgs {
  accountId: pulumi.Input<string>;
  /** The audit CMK (its policy admits CloudTrail, Config and log delivery). */
  kmsKeyArn: pulumi.Input<string>;
  /** Name of the trail that writes here (its ARN bounds CloudTrail's write permission). */
  trailName: string;
  homeRegion: string;
  /** @default 90 */
  transitionDays?: number;
  /** 0 keeps objects forever. @default 0 */
  expirationDays?: number;
  /** Governance-mode Object Lock retention (days); 0 = no Object Lock. @default 0 */
  objectLockDays?: number;
  /**
   * The only principal (role or user ARN of this account) that may bypass governance retention, delete
   * object versions, and (besides the deploying identity) change the bucket policy.
   * @default none: nobody may bypass retention or delete a version
   */
  breakGlassPrincipalArn?: string;
}

/**
 * What keeps the archive's history: governance retention can be bypassed, and versions deleted, by any
 * principal IAM allows (`s3:BypassGovernanceRetention`, which administrators hold), so the bucket policy
 * denies both to every principal but the break-glass one, and denies changing or deleting the policy
 * itself to every principal but the break-glass one and the deploying identity. The deployer stays
 * exempt because the stack declares this policy: denying it would refuse the stack's own next update;
 * an alert fires on every policy change of the archive instead (event-patterns.ts). The account root
 * can always change a bucket policy (S3 never lets a policy lock the owner out of it).
 */
export function archiveProtectionStatements(
  bucketArn: string,
  deployer: string[],
  breakGlass: string | undefined,
) {
  return [
    {
      Sid: "DenyRetentionBypassAndVersionDeletesExceptBreakGlass",
      Effect: "Deny",
      Principal: "*",
      Action: ["s3:BypassGovernanceRetention", "s3:DeleteObjectVersion"],
      Resource: `${bucketArn}/*`,
      ...(breakGlass ? { Condition: { ArnNotEquals: { "aws:PrincipalArn": breakGlass } } } : {}),
    },
    {
      Sid: "DenyPolicyChangesExceptBreakGlassAndDeployer",
      Effect: "Deny",
      Principal: "*",
      Action: ["s3:DeleteBucketPolicy", "s3:PutBucketPolicy"],
      Resource: bucketArn,
      Condition: { ArnNotLike: { "aws:PrincipalArn": breakGlass ? [...deployer, breakGlass] : deployer } },
    },
  ];
}

/** Bucket policy statements letting CloudTrail, Config and VPC flow logs deliver into their own prefixes. */
export function logDeliveryStatements(bucketArn: string, accountId: string, trailArn: string) {
  const sourceAccount = { "aws:SourceAccount": accountId };
  return [
    {
      Sid: "LogDeliveryChecksAcl",
      Effect: "Allow",
      Principal: {
        Service: ["cloudtrail.amazonaws.com", "config.amazonaws.com", "delivery.logs.amazonaws.com"],
      },
      Action: ["s3:GetBucketAcl", "s3:ListBucket"],
      Resource: bucketArn,
      Condition: { StringEquals: sourceAccount },
    },
    {
      Sid: "CloudTrailWrites",
      Effect: "Allow",
      Principal: { Service: "cloudtrail.amazonaws.com" },
      Action: "s3:PutObject",
      Resource: `${bucketArn}/${ARCHIVE_PREFIX.cloudtrail}/AWSLogs/${accountId}/*`,
      Condition: { StringEquals: { "aws:SourceArn": trailArn, "s3:x-amz-acl": "bucket-owner-full-control" } },
    },
    {
      Sid: "ConfigWrites",
      Effect: "Allow",
      Principal: { Service: "config.amazonaws.com" },
      Action: "s3:PutObject",
      Resource: `${bucketArn}/${ARCHIVE_PREFIX.config}/AWSLogs/${accountId}/Config/*`,
      Condition: { StringEquals: { ...sourceAccount, "s3:x-amz-acl": "bucket-owner-full-control" } },
    },
    {
      Sid: "FlowLogsWrite",
      Effect: "Allow",
      Principal: { Service: "delivery.logs.amazonaws.com" },
      Action: "s3:PutObject",
      Resource: `${bucketArn}/${ARCHIVE_PREFIX.flowLogs}/AWSLogs/${accountId}/*`,
      Condition: { StringEquals: { ...sourceAccount, "s3:x-amz-acl": "bucket-owner-full-control" } },
    },
  ];
}

/**
 * The log archive: CloudTrail, Config snapshots and VPC flow logs, KMS-encrypted, versioned, TLS-only,
 * never public, aging to Glacier Instant Retrieval, optionally under Object Lock.
 */
export class LogArchive extends pulumi.ComponentResource {
  readonly bucket: SecureBucket;
  readonly name: pulumi.Output<string>;
  readonly arn: pulumi.Output<string>;

  constructor(name: string, args: LogArchiveArgs, opts?: pulumi.ComponentResourceOptions) {
    super("incident-ready:logging:LogArchive", name, {}, opts);
    const transition = args.transitionDays ?? 90;
    const expiration = args.expirationDays ?? 0;
    if (expiration && expiration <= transition)
      throw new Error(
        `log archive expiration ${expiration} days is not after the transition at ${transition} days: expire later, or set expiration to 0 (keep forever)`,
      );
    const rules: aws.types.input.s3.BucketLifecycleConfigurationRule[] = [
      {
        id: "archive-logs",
        status: "Enabled",
        filter: { prefix: "" },
        transitions: [{ days: transition, storageClass: "GLACIER_IR" }],
        noncurrentVersionTransitions: [{ noncurrentDays: 30, storageClass: "GLACIER_IR" }],
        abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
        ...(expiration
          ? { expiration: { days: expiration }, noncurrentVersionExpiration: { noncurrentDays: expiration } }
          : {}),
      },
    ];
    const lockDays = args.objectLockDays ?? 0;
    if (args.breakGlassPrincipalArn)
      validatePrincipalArn(args.breakGlassPrincipalArn, { what: "break-glass principal arn" });
    const deployer = aws.getCallerIdentityOutput({}, { parent: this }).arn.apply(deployerPrincipalPatterns);
    this.bucket = new SecureBucket(
      name,
      {
        encryption: { kmsKeyArn: args.kmsKeyArn },
        objectLock: lockDays ? { mode: "GOVERNANCE", days: lockDays } : undefined,
        lifecycleRules: rules,
        policyStatements: (arn) =>
          pulumi
            .all([args.accountId, deployer])
            .apply(([account, deployerArns]) => [
              ...logDeliveryStatements(
                arn,
                account,
                `arn:aws:cloudtrail:${args.homeRegion}:${account}:trail/${args.trailName}`,
              ),
              ...archiveProtectionStatements(arn, deployerArns, args.breakGlassPrincipalArn),
            ]),
        tags: { Purpose: "log-archive" },
      },
      { parent: this },
    );
    this.name = this.bucket.name;
    this.arn = this.bucket.arn;
    this.registerOutputs({ name: this.name, arn: this.arn });
  }
}
