/**
 * Evidence store: the Object-Lock (compliance mode) evidence bucket, the tools bucket holding pinned
 * capture binaries, and the DynamoDB case journal. Names, lock mode and key schema come from the
 * shared facts module, so `ir bootstrap` and the baseline create the same things.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import {
  DEFAULT_EVIDENCE_RETENTION_DAYS,
  EVIDENCE_LOCK_MODE,
  evidenceBucketName,
  JOURNAL_KEYS,
  JOURNAL_TABLE_NAME,
  MANAGED_BY,
  RESPONDER_ROLE_NAME,
  ROLE_TAG_VALUES,
  TAG,
  toolsBucketName,
} from "../facts";
import { evidenceBucketPolicy, toolsBucketPolicy } from "./evidence-policies";
import { checkIfPlain, validateKmsKeyArn, validatePrincipalArn, validateRetentionDays } from "./validation";

export interface EvidenceStoreArgs {
  /** KMS key (ARN) that encrypts evidence objects, tools and the journal. */
  kmsKeyArn: pulumi.Input<string>;
  /**
   * Default Object Lock retention of every evidence object, in days (compliance mode: nobody,
   * not even the root user, can shorten it or delete a locked version before it ends).
   * @default 365 (DEFAULT_EVIDENCE_RETENTION_DAYS)
   */
  retentionDays?: pulumi.Input<number>;
  /**
   * IAM principals (users or roles, `*` wildcards allowed in names) who may read evidence besides the
   * responder role, e.g. analysts' IAM Identity Center roles.
   * @default []
   */
  analystPrincipalArns?: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * Principals allowed to change the buckets' configuration (policy, encryption...) and to publish
   * tools, typically the deployment role. When empty, bucket configuration is governed by IAM alone.
   * @default []
   */
  administratorPrincipalArns?: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * Responder role ARN allowed to read and write evidence.
   * @default arn:<partition>:iam::<account>:role/ir-responder (RESPONDER_ROLE_NAME; deterministic, so no cycle)
   */
  responderRoleArn?: pulumi.Input<string>;
  /** @default ir-evidence-<account>-<region> */
  evidenceBucketName?: pulumi.Input<string>;
  /** @default ir-tools-<account>-<region> */
  toolsBucketName?: pulumi.Input<string>;
  /** @default ir-case-journal (JOURNAL_TABLE_NAME) */
  journalTableName?: pulumi.Input<string>;
  /**
   * Bucket receiving S3 server access logs of both buckets (e.g. the log archive). Omit to rely on
   * CloudTrail S3 data events instead.
   * @default no access logging
   */
  accessLogBucket?: pulumi.Input<string>;
  /** Extra tags on every resource. @default {} */
  tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

export class EvidenceStore extends pulumi.ComponentResource {
  public readonly evidenceBucketName: pulumi.Output<string>;
  public readonly evidenceBucketArn: pulumi.Output<string>;
  public readonly toolsBucketName: pulumi.Output<string>;
  public readonly toolsBucketArn: pulumi.Output<string>;
  public readonly journalTableName: pulumi.Output<string>;
  public readonly journalTableArn: pulumi.Output<string>;
  /** Effective default retention in days. */
  public readonly retentionDays: pulumi.Output<number>;
  /** The responder role ARN the bucket policy admits. */
  public readonly responderRoleArn: pulumi.Output<string>;

  constructor(name: string, args: EvidenceStoreArgs, opts?: pulumi.ComponentResourceOptions) {
    super("incident-ready:forensics:EvidenceStore", name, {}, opts);
    checkIfPlain(args.kmsKeyArn, (v: string) => validateKmsKeyArn(v, "evidence kms key arn"));
    checkIfPlain(args.retentionDays, (v: number) => validateRetentionDays(v));
    checkIfPlain(args.analystPrincipalArns, (v: string) =>
      validatePrincipalArn(v, { allowWildcards: true, what: "analyst principal arn" }),
    );
    checkIfPlain(args.administratorPrincipalArns, (v: string) =>
      validatePrincipalArn(v, { allowWildcards: true, what: "administrator principal arn" }),
    );
    checkIfPlain(args.responderRoleArn, (v: string) =>
      validatePrincipalArn(v, { what: "responder role arn" }),
    );

    const p = { parent: this };
    const account = aws.getCallerIdentityOutput({}, p).accountId;
    const region = aws.getRegionOutput({}, p).region;
    const partition = aws.getPartitionOutput({}, p).partition;
    const retention = pulumi
      .output(args.retentionDays ?? DEFAULT_EVIDENCE_RETENTION_DAYS)
      .apply(validateRetentionDays);
    const responderRoleArn = pulumi.output(
      args.responderRoleArn ??
        pulumi.interpolate`arn:${partition}:iam::${account}:role/${RESPONDER_ROLE_NAME}`,
    );
    const tags = (role: string) =>
      pulumi.output(args.tags ?? {}).apply((t) => ({ ...t, [TAG.role]: role, [TAG.managedBy]: MANAGED_BY }));

    // Evidence bucket: Object Lock can only be enabled at creation.
    const evidence = new aws.s3.Bucket(
      `${name}-evidence`,
      {
        bucket:
          args.evidenceBucketName ??
          pulumi.all([account, region]).apply(([a, r]) => evidenceBucketName(a, r)),
        objectLockEnabled: true,
        forceDestroy: false,
        tags: tags(ROLE_TAG_VALUES.evidenceBucket),
      },
      p,
    );
    const evidenceVersioning = new aws.s3.BucketVersioning(
      `${name}-evidence-versioning`,
      { bucket: evidence.id, versioningConfiguration: { status: "Enabled" } },
      p,
    );
    new aws.s3.BucketObjectLockConfiguration(
      `${name}-evidence-lock`,
      {
        bucket: evidence.id,
        objectLockEnabled: "Enabled",
        rule: { defaultRetention: { mode: EVIDENCE_LOCK_MODE, days: retention } },
      },
      { parent: this, dependsOn: [evidenceVersioning] },
    );

    // A memory capture left running by a failed attempt is waited for by the next one; one nobody
    // completes (the case was abandoned) would hold parts forever: S3 aborts it after a week. Locked
    // versions are untouched (the rule has no expiration).
    new aws.s3.BucketLifecycleConfiguration(
      `${name}-evidence-lifecycle`,
      {
        bucket: evidence.id,
        rules: [
          {
            id: "abort-abandoned-captures",
            status: "Enabled",
            filter: { prefix: "" },
            abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
          },
        ],
      },
      { parent: this, dependsOn: [evidenceVersioning] },
    );

    const tools = new aws.s3.Bucket(
      `${name}-tools`,
      {
        bucket:
          args.toolsBucketName ?? pulumi.all([account, region]).apply(([a, r]) => toolsBucketName(a, r)),
        forceDestroy: false,
        tags: tags(ROLE_TAG_VALUES.toolsBucket),
      },
      p,
    );
    new aws.s3.BucketVersioning(
      `${name}-tools-versioning`,
      { bucket: tools.id, versioningConfiguration: { status: "Enabled" } },
      p,
    );

    for (const [key, bucket] of [
      ["evidence", evidence],
      ["tools", tools],
    ] as const) {
      new aws.s3.BucketServerSideEncryptionConfiguration(
        `${name}-${key}-sse`,
        {
          bucket: bucket.id,
          rules: [
            {
              applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: args.kmsKeyArn },
              bucketKeyEnabled: true,
            },
          ],
        },
        p,
      );
      new aws.s3.BucketPublicAccessBlock(
        `${name}-${key}-public-access`,
        {
          bucket: bucket.id,
          blockPublicAcls: true,
          blockPublicPolicy: true,
          ignorePublicAcls: true,
          restrictPublicBuckets: true,
        },
        p,
      );
      new aws.s3.BucketOwnershipControls(
        `${name}-${key}-ownership`,
        { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } },
        p,
      );
      if (args.accessLogBucket !== undefined)
        new aws.s3.BucketLogging(
          `${name}-${key}-logging`,
          {
            bucket: bucket.id,
            targetBucket: args.accessLogBucket,
            targetPrefix: pulumi.interpolate`s3-access/${bucket.id}/`,
          },
          p,
        );
    }

    new aws.s3.BucketPolicy(
      `${name}-evidence-policy`,
      {
        bucket: evidence.id,
        policy: pulumi
          .all([
            evidence.arn,
            responderRoleArn,
            pulumi.output(args.analystPrincipalArns ?? []),
            pulumi.output(args.administratorPrincipalArns ?? []),
            pulumi.output(args.kmsKeyArn),
          ])
          .apply(([bucketArn, responder, analysts, admins, key]) =>
            JSON.stringify(
              evidenceBucketPolicy({
                bucketArn,
                responderRoleArn: responder,
                analysts,
                admins,
                kmsKeyArn: key,
              }),
            ),
          ),
      },
      p,
    );
    new aws.s3.BucketPolicy(
      `${name}-tools-policy`,
      {
        bucket: tools.id,
        policy: pulumi
          .all([tools.arn, responderRoleArn, pulumi.output(args.administratorPrincipalArns ?? [])])
          .apply(([bucketArn, responder, admins]) =>
            JSON.stringify(toolsBucketPolicy({ bucketArn, publishers: [responder, ...admins] })),
          ),
      },
      p,
    );

    const journal = new aws.dynamodb.Table(
      `${name}-journal`,
      {
        name: args.journalTableName ?? JOURNAL_TABLE_NAME,
        billingMode: "PAY_PER_REQUEST",
        hashKey: JOURNAL_KEYS.partition,
        rangeKey: JOURNAL_KEYS.sort,
        attributes: [
          { name: JOURNAL_KEYS.partition, type: "S" },
          { name: JOURNAL_KEYS.sort, type: "S" },
        ],
        serverSideEncryption: { enabled: true, kmsKeyArn: args.kmsKeyArn },
        pointInTimeRecovery: { enabled: true },
        deletionProtectionEnabled: true,
        tags: tags(ROLE_TAG_VALUES.journalTable),
      },
      p,
    );

    this.evidenceBucketName = evidence.bucket;
    this.evidenceBucketArn = evidence.arn;
    this.toolsBucketName = tools.bucket;
    this.toolsBucketArn = tools.arn;
    this.journalTableName = journal.name;
    this.journalTableArn = journal.arn;
    this.retentionDays = retention;
    this.responderRoleArn = responderRoleArn;
    this.registerOutputs({
      evidenceBucketName: this.evidenceBucketName,
      evidenceBucketArn: this.evidenceBucketArn,
      toolsBucketName: this.toolsBucketName,
      toolsBucketArn: this.toolsBucketArn,
      journalTableName: this.journalTableName,
      journalTableArn: this.journalTableArn,
      retentionDays: this.retentionDays,
    });
  }
}
