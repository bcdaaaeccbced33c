import * as pulumi from "@pulumi/pulumi";
import { ELB_ACCOUNT_BY_REGION } from "../config/regions";
import { SecureBucket } from "./secure-bucket";

export interface ElbLogBucketArgs {
  accountId: pulumi.Input<string>;
  /** Region of the bucket: ELB delivers only to a bucket in the load balancer's own region. */
  region: string;
}

/**
 * Who writes ELB access logs in a region: the regional ELB account in regions opened before August
 * 2022, the log-delivery service principal in the others.
 */
export function elbLogWriterStatement(bucketArn: string, accountId: string, region: string) {
  const elbAccount = ELB_ACCOUNT_BY_REGION[region];
  return {
    Sid: "ElbWritesAccessLogs",
    Effect: "Allow",
    Principal: elbAccount
      ? { AWS: `arn:aws:iam::${elbAccount}:root` }
      : { Service: "logdelivery.elasticloadbalancing.amazonaws.com" },
    Action: "s3:PutObject",
    Resource: `${bucketArn}/AWSLogs/${accountId}/*`,
  };
}

/**
 * The bucket workloads point their load balancers' access logs at. ELB supports only SSE-S3 for
 * access logs, so this bucket uses it; everything else matches our other buckets.
 */
export class ElbLogBucket extends pulumi.ComponentResource {
  readonly name: pulumi.Output<string>;
  readonly arn: pulumi.Output<string>;

  constructor(name: string, args: ElbLogBucketArgs, opts?: pulumi.ComponentResourceOptions) {
    super("incident-ready:logging:ElbLogBucket", name, {}, opts);
    const bucket = new SecureBucket(
      name,
      {
        encryption: "s3",
        lifecycleRules: [
          {
            id: "age-access-logs",
            status: "Enabled",
            filter: { prefix: "" },
            transitions: [{ days: 30, storageClass: "STANDARD_IA" }],
            expiration: { days: 400 },
            noncurrentVersionExpiration: { noncurrentDays: 30 },
          },
        ],
        policyStatements: (arn) =>
          pulumi
            .output(args.accountId)
            .apply((account) => [elbLogWriterStatement(arn, account, args.region)]),
        tags: { Purpose: "elb-access-logs" },
      },
      { parent: this },
    );
    this.name = bucket.name;
    this.arn = bucket.arn;
    this.registerOutputs({ name: this.name, arn: this.arn });
  }
}
