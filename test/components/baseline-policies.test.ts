/**
 * Baseline policies that do not lock out their own stack or their own readers: the log archive's
 * break-glass denies, bucket policies written after what they protect, the ELB log bucket's prefixes,
 * the alerts and evidence key statements, and the alert rules on policy and key changes.
 */
import { expect } from "chai";
import { AlertForwarding } from "../../components/alert-forwarding";
import { Alerting } from "../../components/alerting";
import { ElbLogBucket } from "../../components/elb-log-bucket";
import { keyPolicy } from "../../components/key-policies";
import { LogArchive } from "../../components/log-archive";
import {
  accountOfPrincipal,
  checkAnalystAccounts,
  deployerPrincipalPatterns,
} from "../../components/principals";
import { type DependencyMap, recordDependencies } from "../helpers/dependencies";
import {
  ACCOUNT_ID,
  installMocks,
  ofType,
  policyDoc,
  type RecordedResource,
  settle,
} from "../helpers/pulumi-mocks";

const DEPLOYER = `arn:aws:iam::${ACCOUNT_ID}:user/test`; // what the mocks' getCallerIdentity answers
const BREAK_GLASS = `arn:aws:iam::${ACCOUNT_ID}:role/BreakGlass`;
const KEY = `arn:aws:kms:us-east-1:${ACCOUNT_ID}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;

const statement = (doc: { Statement: any[] }, sid: string) => {
  const s = doc.Statement.find((x) => x.Sid === sid);
  if (!s) throw new Error(`no statement ${sid} in ${doc.Statement.map((x) => x.Sid).join(", ")}`);
  return s;
};

async function declare(make: () => void): Promise<{ resources: RecordedResource[]; deps: DependencyMap }> {
  const resources = await installMocks();
  const deps = recordDependencies();
  make();
  await settle(resources);
  return { resources, deps };
}

const archiveArgs = {
  accountId: ACCOUNT_ID,
  kmsKeyArn: KEY,
  trailName: "ir-trail",
  homeRegion: "us-east-1",
  objectLockDays: 365,
};
const bucketPolicy = (rs: RecordedResource[]) =>
  policyDoc(ofType(rs, "aws:s3/bucketPolicy:BucketPolicy")[0]!.inputs.policy);

describe("log archive policy", () => {
  describe("GIVEN no break-glass principal", () => {
    let resources: RecordedResource[];
    let deps: DependencyMap;
    before(async () => {
      ({ resources, deps } = await declare(() => new LogArchive("archive", archiveArgs)));
    });

    it("denies bypassing governance retention and deleting versions to every principal", () => {
      const s = statement(bucketPolicy(resources), "DenyRetentionBypassAndVersionDeletesExceptBreakGlass");
      expect(s).to.include({ Effect: "Deny", Principal: "*", Resource: "arn:aws:s3:::archive/*" });
      expect(s.Action).to.have.members(["s3:BypassGovernanceRetention", "s3:DeleteObjectVersion"]);
      expect(s.Condition).to.equal(undefined);
    });

    it("denies policy changes to all but the deploying identity, so the stack can still update its policy", () => {
      const s = statement(bucketPolicy(resources), "DenyPolicyChangesExceptBreakGlassAndDeployer");
      expect(s).to.include({ Effect: "Deny", Principal: "*", Resource: "arn:aws:s3:::archive" });
      expect(s.Action).to.have.members(["s3:PutBucketPolicy", "s3:DeleteBucketPolicy"]);
      expect(s.Condition).to.deep.equal({ ArnNotLike: { "aws:PrincipalArn": [DEPLOYER] } });
    });

    it("keeps the log delivery statements", () => {
      expect(statement(bucketPolicy(resources), "CloudTrailWrites").Effect).to.equal("Allow");
    });

    it("writes the policy after the lock, the lifecycle, versioning, encryption and the public access block", () => {
      const policy = ofType(resources, "aws:s3/bucketPolicy:BucketPolicy")[0]!;
      expect((deps.get(policy.name) ?? []).map((d) => d.type)).to.include.members([
        "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration",
        "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
        "aws:s3/bucketVersioning:BucketVersioning",
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
        "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
      ]);
    });
  });

  describe("GIVEN a break-glass principal", () => {
    it("exempts it, and only it, from the retention bypass, and it and the deployer from policy changes", async () => {
      const { resources } = await declare(
        () => new LogArchive("archive", { ...archiveArgs, breakGlassPrincipalArn: BREAK_GLASS }),
      );
      const doc = bucketPolicy(resources);
      expect(statement(doc, "DenyRetentionBypassAndVersionDeletesExceptBreakGlass").Condition).to.deep.equal({
        ArnNotEquals: { "aws:PrincipalArn": BREAK_GLASS },
      });
      expect(statement(doc, "DenyPolicyChangesExceptBreakGlassAndDeployer").Condition).to.deep.equal({
        ArnNotLike: { "aws:PrincipalArn": [DEPLOYER, BREAK_GLASS] },
      });
    });

    it("refuses one that is not a principal ARN", async () => {
      await installMocks();
      expect(
        () => new LogArchive("bad", { ...archiveArgs, breakGlassPrincipalArn: "arn:aws:iam::1:role/x" }),
      ).to.throw(/break-glass principal arn "arn:aws:iam::1:role\/x" is not valid/);
    });
  });
});

describe("deploying identity", () => {
  it("is matched by its role, with or without a path, when it is a role session", () => {
    expect(
      deployerPrincipalPatterns(
        `arn:aws:sts::${ACCOUNT_ID}:assumed-role/AWSReservedSSO_Admin_0a1b/alice@example.com`,
      ),
    ).to.deep.equal([
      `arn:aws:iam::${ACCOUNT_ID}:role/AWSReservedSSO_Admin_0a1b`,
      `arn:aws:iam::${ACCOUNT_ID}:role/*/AWSReservedSSO_Admin_0a1b`,
    ]);
  });
  it("is itself when it is a user or the root", () => {
    expect(deployerPrincipalPatterns(DEPLOYER)).to.deep.equal([DEPLOYER]);
    expect(deployerPrincipalPatterns(`arn:aws:iam::${ACCOUNT_ID}:root`)).to.deep.equal([
      `arn:aws:iam::${ACCOUNT_ID}:root`,
    ]);
  });
  it("refuses anything else with a specific error", () => {
    expect(() => deployerPrincipalPatterns("alice")).to.throw(
      /deploying identity "alice" is not an IAM user, role session, federated user or root ARN/,
    );
  });
});

describe("analysts' accounts", () => {
  it("reads the account of a principal", () => {
    expect(accountOfPrincipal("arn:aws:iam::444455556666:role/A")).to.equal("444455556666");
    expect(accountOfPrincipal("arn:aws:sts::444455556666:assumed-role/A/s")).to.equal("444455556666");
  });
  it("accepts analysts of the deploying account and of listed accounts", () => {
    checkAnalystAccounts(
      [`arn:aws:iam::${ACCOUNT_ID}:role/A`, "arn:aws:iam::444455556666:role/B"],
      ["444455556666"],
      ACCOUNT_ID,
    );
  });
  it("refuses an analyst of an unlisted other account, naming it and the fix", () => {
    expect(() => checkAnalystAccounts(["arn:aws:iam::444455556666:role/B"], [], ACCOUNT_ID)).to.throw(
      /analyst principal "arn:aws:iam::444455556666:role\/B" is not in the deploying account 111122223333 nor in analystAccountIds \(\[\]\): add the account to incident-ready:analystAccountIds/,
    );
  });
});

describe("ELB log bucket", () => {
  it("admits load balancers without a prefix and under each configured prefix, in this account only", async () => {
    const { resources } = await declare(
      () => new ElbLogBucket("elb", { accountId: ACCOUNT_ID, region: "eu-central-1", logPrefixes: ["web"] }),
    );
    const s = statement(bucketPolicy(resources), "ElbWritesAccessLogs");
    expect(s.Resource).to.deep.equal([
      `arn:aws:s3:::elb/AWSLogs/${ACCOUNT_ID}/*`,
      `arn:aws:s3:::elb/web/AWSLogs/${ACCOUNT_ID}/*`,
    ]);
  });
  it("uses the log-delivery service principal in regions opened since August 2022", async () => {
    const { resources } = await declare(
      () => new ElbLogBucket("elb", { accountId: ACCOUNT_ID, region: "eu-central-2", logPrefixes: ["web"] }),
    );
    expect(statement(bucketPolicy(resources), "ElbWritesAccessLogs").Principal).to.deep.equal({
      Service: "logdelivery.elasticloadbalancing.amazonaws.com",
    });
  });
  it("refuses a prefix ELB would refuse", async () => {
    await installMocks();
    for (const bad of ["/web", "web/", "logs/AWSLogs", "we*b"])
      expect(
        () => new ElbLogBucket("elb", { accountId: ACCOUNT_ID, region: "us-east-1", logPrefixes: [bad] }),
        bad,
      ).to.throw(/elb access-log prefix .* is not valid: expected path segments/);
  });
});

describe("key policies that work in a fresh account", () => {
  const ctx = { accountId: ACCOUNT_ID, region: "eu-west-1" };
  const imageBuilderRole = `arn:aws:iam::${ACCOUNT_ID}:role/aws-service-role/imagebuilder.amazonaws.com/AWSServiceRoleForImageBuilder`;

  it("alerts key: admits Image Builder's service-linked role to publish build notifications, when asked", () => {
    const s = statement(
      keyPolicy("alerts", { ...ctx, imageBuilderNotifications: true }),
      "ImageBuilderPublishesBuildNotifications",
    );
    expect(s.Effect).to.equal("Allow");
    expect(s.Action).to.have.members(["kms:GenerateDataKey*", "kms:Decrypt"]);
    expect(s.Condition).to.deep.equal({
      StringEquals: { "kms:CallerAccount": ACCOUNT_ID },
      ArnEquals: { "aws:PrincipalArn": imageBuilderRole },
    });
    expect(keyPolicy("alerts", ctx).Statement.map((x) => x.Sid)).to.not.include(
      "ImageBuilderPublishesBuildNotifications",
    );
  });

  it("never names a service-linked role as a principal (KMS refuses a key whose principal does not exist yet)", () => {
    for (const purpose of ["alerts", "ebs", "evidence"] as const)
      for (const s of keyPolicy(purpose, { ...ctx, imageBuilderNotifications: true }).Statement)
        expect(JSON.stringify(s.Principal), `${purpose} ${s.Sid}`).to.not.include("aws-service-role");
  });

  it("evidence key: lets listed analysts of other accounts decrypt evidence objects through S3, nothing else", () => {
    const readers = {
      accountIds: ["444455556666"],
      principalArns: ["arn:aws:iam::444455556666:role/ForensicAnalysts"],
      bucketArn: "arn:aws:s3:::ir-evidence-111122223333-eu-west-1",
    };
    const s = statement(
      keyPolicy("evidence", { ...ctx, crossAccountReaders: readers }),
      "CrossAccountAnalystsDecryptEvidenceThroughS3",
    );
    expect(s.Principal).to.deep.equal({ AWS: ["arn:aws:iam::444455556666:root"] });
    expect(s.Action).to.equal("kms:Decrypt");
    expect(s.Condition).to.deep.equal({
      StringEquals: { "kms:ViaService": "s3.eu-west-1.amazonaws.com" },
      StringLike: { "kms:EncryptionContext:aws:s3:arn": [readers.bucketArn, `${readers.bucketArn}/*`] },
      ArnLike: { "aws:PrincipalArn": readers.principalArns },
    });
    expect(keyPolicy("evidence", ctx).Statement.map((x) => x.Sid)).to.not.include(
      "CrossAccountAnalystsDecryptEvidenceThroughS3",
    );
  });
});

describe("alerts on policy and key changes", () => {
  const rule = (rs: RecordedResource[], name: string) => {
    const r = ofType(rs, "aws:cloudwatch/eventRule:EventRule").find((x) => x.name === name);
    if (!r) throw new Error(`no rule ${name}`);
    return { rule: r, pattern: JSON.parse(r.inputs.eventPattern) };
  };

  it("the home region alerts on the archive's and evidence bucket's policy, and on its keys disabled or deleted", async () => {
    const { resources } = await declare(
      () =>
        new Alerting("alerting", {
          accountId: ACCOUNT_ID,
          kmsKeyArn: KEY,
          minSeverity: 7,
          watchedBucketNames: ["archive-bucket", "evidence-bucket"],
          watchedKeys: [{ arn: KEY, keyId: "1234abcd-12ab-34cd-56ef-1234567890ab" }],
        }),
    );
    const buckets = rule(resources, "alerting-bucket-policy-changed");
    expect(buckets.pattern).to.deep.equal({
      source: ["aws.s3"],
      "detail-type": ["AWS API Call via CloudTrail"],
      detail: {
        eventSource: ["s3.amazonaws.com"],
        eventName: ["PutBucketPolicy", "DeleteBucketPolicy"],
        requestParameters: { bucketName: ["archive-bucket", "evidence-bucket"] },
      },
    });
    const keys = rule(resources, "alerting-key-disabled");
    expect(keys.pattern.detail).to.deep.equal({
      eventSource: ["kms.amazonaws.com"],
      eventName: ["DisableKey", "ScheduleKeyDeletion"],
      requestParameters: { keyId: ["1234abcd-12ab-34cd-56ef-1234567890ab", KEY] },
    });
    const targets = ofType(resources, "aws:cloudwatch/eventTarget:EventTarget").map((t) => t.name);
    expect(targets).to.include.members(["alerting-bucket-policy-changed", "alerting-key-disabled"]);
  });

  it("another region forwards its own keys' disabling to the home region", async () => {
    const { resources } = await declare(
      () =>
        new AlertForwarding("fwd", {
          homeBusArn: "arn:aws:events:us-east-1:111122223333:event-bus/default",
          roleArn: "arn:aws:iam::111122223333:role/fwd",
          minSeverity: 7,
          watchedKeys: [{ arn: "arn:aws:kms:eu-west-1:111122223333:key/k", keyId: "k" }],
        }),
    );
    const r = rule(resources, "fwd-key-disabled");
    expect(r.pattern.detail.requestParameters.keyId).to.deep.equal([
      "arn:aws:kms:eu-west-1:111122223333:key/k",
      "k",
    ]);
    expect(ofType(resources, "aws:cloudwatch/eventTarget:EventTarget").map((t) => t.name)).to.include(
      "fwd-key-disabled",
    );
  });
});
