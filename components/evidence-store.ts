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
  JOURNAL_TABLE_NAME,
  MANAGED_BY,
  RESPONDER_ROLE_NAME,
  ROLE_TAG_VALUES,
  TAG,
  toolsBucketName,
} from "../facts";
import { caseJournal } from "./case-journal";
import { evidenceBucketPolicy, toolsBucketPolicy } from "./evidence-policies";
import { analystsIn, checkAnalystAccounts, deployerPrincipalPatterns } from "./principals";
import {
  checkIfPlain,
  validateAccountId,
  validateKmsKeyArn,
  validatePrincipalArn,
  validateRetentionDays,
} from "./validation";

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
   * Accounts other than the deploying one whose analysts (in analystPrincipalArns) read evidence: the
   * bucket policy allows them explicitly (the evidence key's policy must admit them too). An analyst of
   * any other account is refused with an error at deployment.
   * @default []
   */
  analystAccountIds?: pulumi.Input<string[]>;
  /**
   * Principals allowed, besides the identity deploying the stack (always exempt, so the stack can
   * update what it declares), to change the buckets' and the journal's configuration (policy,
   * versioning, lock, lifecycle, encryption...) and to publish tools: typically a break-glass role.
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
    checkIfPlain(args.analystAccountIds, (v: string) => validateAccountId(v, "analyst account id"));

    const p = { parent: this };
    const caller = aws.getCallerIdentityOutput({}, p);
    const account = caller.accountId;
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
    // The deploying identity first: every configuration deny below exempts it, or the stack's own next
    // update of what it declares (versioning, lock, lifecycle, the policies) would be refused.
    const admins = pulumi
      .all([caller.arn, pulumi.output(args.administratorPrincipalArns ?? [])])
      .apply(([arn, extra]) => [...new Set([...deployerPrincipalPatterns(arn), ...extra])]);
    const analysts = pulumi.output(args.analystPrincipalArns ?? []);
    const analystAccounts = pulumi.output(args.analystAccountIds ?? []);

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
    const evidenceLock = new aws.s3.BucketObjectLockConfiguration(
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
    const evidenceLifecycle = new aws.s3.BucketLifecycleConfiguration(
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
    const toolsVersioning = new aws.s3.BucketVersioning(
      `${name}-tools-versioning`,
      { bucket: tools.id, versioningConfiguration: { status: "Enabled" } },
      p,
    );

    // What each bucket policy protects: the policy is written after all of it (and, on destroy, removed
    // before), so its configuration denies never race the stack's own configuration calls.
    const guarded: Record<"evidence" | "tools", pulumi.Resource[]> = {
      evidence: [evidenceVersioning, evidenceLock, evidenceLifecycle],
      tools: [toolsVersioning],
    };
    for (const [key, bucket] of [
      ["evidence", evidence],
      ["tools", tools],
    ] as const) {
      const sse = new aws.s3.BucketServerSideEncryptionConfiguration(
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
      const publicAccess = new aws.s3.BucketPublicAccessBlock(
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
      const ownership = new aws.s3.BucketOwnershipControls(
        `${name}-${key}-ownership`,
        { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } },
        p,
      );
      guarded[key].push(sse, publicAccess, ownership);
      if (args.accessLogBucket !== undefined)
        guarded[key].push(
          new aws.s3.BucketLogging(
            `${name}-${key}-logging`,
            {
              bucket: bucket.id,
              targetBucket: args.accessLogBucket,
              targetPrefix: pulumi.interpolate`s3-access/${bucket.id}/`,
            },
            p,
          ),
        );
    }

    new aws.s3.BucketPolicy(
      `${name}-evidence-policy`,
      {
        bucket: evidence.id,
        policy: pulumi
          .all([evidence.arn, responderRoleArn, analysts, admins, args.kmsKeyArn, account, analystAccounts])
          .apply(([bucketArn, responder, readers, adminArns, key, deploying, accounts]) => {
            // Checked here, where the deploying account is known: the policy is never written with an
            // analyst that both policies would refuse.
            checkAnalystAccounts(readers, accounts, deploying);
            return JSON.stringify(
              evidenceBucketPolicy({
                bucketArn,
                responderRoleArn: responder,
                analysts: readers,
                admins: adminArns,
                kmsKeyArn: key,
                crossAccountAnalysts: { accountIds: accounts, principalArns: analystsIn(readers, accounts) },
              }),
            );
          }),
      },
      { parent: this, dependsOn: guarded.evidence },
    );
    new aws.s3.BucketPolicy(
      `${name}-tools-policy`,
      {
        bucket: tools.id,
        policy: pulumi
          .all([tools.arn, responderRoleArn, admins])
          .apply(([bucketArn, responder, adminArns]) =>
            JSON.stringify(toolsBucketPolicy({ bucketArn, publishers: [responder, ...adminArns] })),
          ),
      },
      { parent: this, dependsOn: guarded.tools },
    );

    const journal = caseJournal(
      `${name}-journal`,
      {
        tableName: args.journalTableName ?? JOURNAL_TABLE_NAME,
        kmsKeyArn: args.kmsKeyArn,
        responderRoleArn,
        administratorPrincipalArns: admins,
        accountId: account,
        partition,
        tags: tags(ROLE_TAG_VALUES.journalTable),
      },
      this,
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
