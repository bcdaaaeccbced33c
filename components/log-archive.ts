import type * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { FLOW_LOG_PREFIX } from "../facts";
import { SecureBucket } from "./secure-bucket";

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
    this.bucket = new SecureBucket(
      name,
      {
        encryption: { kmsKeyArn: args.kmsKeyArn },
        objectLock: lockDays ? { mode: "GOVERNANCE", days: lockDays } : undefined,
        lifecycleRules: rules,
        policyStatements: (arn) =>
          pulumi
            .output(args.accountId)
            .apply((account) =>
              logDeliveryStatements(
                arn,
                account,
                `arn:aws:cloudtrail:${args.homeRegion}:${account}:trail/${args.trailName}`,
              ),
            ),
        tags: { Purpose: "log-archive" },
      },
      { parent: this },
    );
    this.name = this.bucket.name;
    this.arn = this.bucket.arn;
    this.registerOutputs({ name: this.name, arn: this.arn });
  }
}
