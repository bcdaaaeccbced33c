import * as pulumi from "@pulumi/pulumi";
import { ELB_ACCOUNT_BY_REGION } from "../config/regions";
import { SecureBucket } from "./secure-bucket";

export interface ElbLogBucketArgs {
  accountId: pulumi.Input<string>;
  /** Region of the bucket: ELB delivers only to a bucket in the load balancer's own region. */
  region: string;
  /**
   * Key prefixes load balancers log under (their `access_logs.s3.prefix`), besides none at all: ELB
   * writes to `<prefix>/AWSLogs/<account>/...`, and checks at configuration time that it may.
   * @default [] (only load balancers without a prefix)
   */
  logPrefixes?: string[];
}

/** A prefix ELB accepts: no leading or trailing slash, never containing AWSLogs (ELB adds that part). */
export function validateElbLogPrefix(prefix: string): string {
  if (!/^[A-Za-z0-9!_.'()-]+(\/[A-Za-z0-9!_.'()-]+)*$/.test(prefix) || prefix.includes("AWSLogs"))
    throw new Error(
      `elb access-log prefix ${JSON.stringify(prefix)} is not valid: expected path segments of letters, digits and !_.'()- separated by /, without AWSLogs (ELB adds AWSLogs/<account>/ itself)`,
    );
  return prefix;
}

/**
 * Who writes ELB access logs in a region: the regional ELB account in regions opened before August
 * 2022, the log-delivery service principal in the others.
 */
export function elbLogWriterStatement(
  bucketArn: string,
  accountId: string,
  region: string,
  prefixes: readonly string[] = [],
) {
  const elbAccount = ELB_ACCOUNT_BY_REGION[region];
  return {
    Sid: "ElbWritesAccessLogs",
    Effect: "Allow",
    Principal: elbAccount
      ? { AWS: `arn:aws:iam::${elbAccount}:root` }
      : { Service: "logdelivery.elasticloadbalancing.amazonaws.com" },
    Action: "s3:PutObject",
    // Each prefix named, not `*/AWSLogs/...`: only the load balancers the baseline knows of log here.
    Resource: [
      `${bucketArn}/AWSLogs/${accountId}/*`,
      ...[...new Set(prefixes)].map((p) => `${bucketArn}/${p}/AWSLogs/${accountId}/*`),
    ],
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
    const prefixes = (args.logPrefixes ?? []).map(validateElbLogPrefix);
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
            .apply((account) => [elbLogWriterStatement(arn, account, args.region, prefixes)]),
        tags: { Purpose: "elb-access-logs" },
      },
      { parent: this },
    );
    this.name = bucket.name;
    this.arn = bucket.arn;
    this.registerOutputs({ name: this.name, arn: this.arn });
  }
}
