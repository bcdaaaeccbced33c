import { expect } from "chai";
import { evidenceBucketPolicy, JOURNAL_WRITE_ACTIONS } from "../../components/evidence-policies";
import { EvidenceStore } from "../../components/evidence-store";
import {
  DEFAULT_EVIDENCE_RETENTION_DAYS,
  JOURNAL_KEYS,
  JOURNAL_TABLE_NAME,
  ROLE_TAG_VALUES,
  TAG,
} from "../../facts";
import { type DependencyMap, dependencyNames, recordDependencies } from "../helpers/dependencies";
import {
  ACCOUNT_ID,
  installMocks,
  ofType,
  outputValue,
  policyDoc,
  type RecordedResource,
  settle,
} from "../helpers/pulumi-mocks";

const KEY = `arn:aws:kms:us-east-1:${ACCOUNT_ID}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const RESPONDER = `arn:aws:iam::${ACCOUNT_ID}:role/ir-responder`;
const ANALYST = `arn:aws:iam::${ACCOUNT_ID}:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Analyst_*`;
/** The identity the mocks deploy as (getCallerIdentity): every configuration deny exempts it. */
const DEPLOYER = `arn:aws:iam::${ACCOUNT_ID}:user/test`;
const OTHER_ACCOUNT = "444455556666";
const REMOTE_ANALYST = `arn:aws:iam::${OTHER_ACCOUNT}:role/ForensicAnalysts`;

async function build(args: Partial<ConstructorParameters<typeof EvidenceStore>[1]> = {}) {
  const resources = await installMocks();
  const dependencies = recordDependencies();
  const store = new EvidenceStore("ev", { kmsKeyArn: KEY, ...args });
  await settle(resources);
  return { store, resources, dependencies };
}

const byName = (rs: RecordedResource[], type: string, name: string) => {
  const r = ofType(rs, type).find((x) => x.name === name);
  if (!r) throw new Error(`no ${type} named ${name}`);
  return r;
};

const statement = (doc: { Statement: any[] }, sid: string) => {
  const s = doc.Statement.find((x) => x.Sid === sid);
  if (!s) throw new Error(`no statement ${sid}`);
  return s;
};

describe("EvidenceStore", () => {
  describe("GIVEN defaults", () => {
    let resources: RecordedResource[];
    let store: EvidenceStore;
    let dependencies: DependencyMap;
    before(async () => {
      ({ store, resources, dependencies } = await build({ analystPrincipalArns: [ANALYST] }));
    });

    it("names the buckets and table from the shared facts", async () => {
      expect(await outputValue(store.evidenceBucketName)).to.equal(`ir-evidence-${ACCOUNT_ID}-us-east-1`);
      expect(await outputValue(store.toolsBucketName)).to.equal(`ir-tools-${ACCOUNT_ID}-us-east-1`);
      expect(await outputValue(store.journalTableName)).to.equal(JOURNAL_TABLE_NAME);
    });

    it("creates the evidence bucket with Object Lock enabled and tagged as evidence", () => {
      const bucket = byName(resources, "aws:s3/bucket:Bucket", "ev-evidence");
      expect(bucket.inputs.objectLockEnabled).to.equal(true);
      expect(bucket.inputs.forceDestroy).to.equal(false);
      expect(bucket.inputs.tags[TAG.role]).to.equal(ROLE_TAG_VALUES.evidenceBucket);
    });

    it("locks objects in COMPLIANCE mode for 365 days by default", () => {
      const lock = byName(
        resources,
        "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration",
        "ev-evidence-lock",
      );
      expect(lock.inputs.rule.defaultRetention).to.deep.equal({
        mode: "COMPLIANCE",
        days: DEFAULT_EVIDENCE_RETENTION_DAYS,
      });
    });

    it("aborts abandoned multipart uploads (memory captures nobody completed) after a week, expiring nothing", () => {
      const lc = byName(
        resources,
        "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
        "ev-evidence-lifecycle",
      );
      expect(lc.inputs.rules).to.have.length(1);
      expect(lc.inputs.rules[0].abortIncompleteMultipartUpload).to.deep.equal({ daysAfterInitiation: 7 });
      expect(lc.inputs.rules[0]).to.not.have.property("expiration");
      expect(lc.inputs.rules[0]).to.not.have.property("noncurrentVersionExpiration");
    });

    it("versions both buckets", () => {
      for (const n of ["ev-evidence-versioning", "ev-tools-versioning"])
        expect(
          byName(resources, "aws:s3/bucketVersioning:BucketVersioning", n).inputs.versioningConfiguration
            .status,
        ).to.equal("Enabled");
    });

    it("encrypts both buckets with the evidence CMK and blocks all public access", () => {
      for (const k of ["evidence", "tools"]) {
        const sse = byName(
          resources,
          "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
          `ev-${k}-sse`,
        );
        expect(sse.inputs.rules[0].applyServerSideEncryptionByDefault).to.deep.equal({
          sseAlgorithm: "aws:kms",
          kmsMasterKeyId: KEY,
        });
        const pab = byName(
          resources,
          "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
          `ev-${k}-public-access`,
        );
        for (const f of ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"])
          expect(pab.inputs[f], f).to.equal(true);
      }
    });

    it("denies non-TLS requests on the bucket and its objects", () => {
      const doc = policyDoc(
        byName(resources, "aws:s3/bucketPolicy:BucketPolicy", "ev-evidence-policy").inputs.policy,
      );
      const s = statement(doc, "DenyInsecureTransport");
      expect(s.Effect).to.equal("Deny");
      expect(s.Principal).to.equal("*");
      expect(s.Condition).to.deep.equal({ Bool: { "aws:SecureTransport": "false" } });
      const arn = `arn:aws:s3:::ir-evidence-${ACCOUNT_ID}-us-east-1`;
      expect(s.Resource).to.have.members([arn, `${arn}/*`]);
    });

    it("denies deleting evidence to every principal, the responder and the deployer included", () => {
      const doc = policyDoc(
        byName(resources, "aws:s3/bucketPolicy:BucketPolicy", "ev-evidence-policy").inputs.policy,
      );
      const s = statement(doc, "DenyEvidenceDestruction");
      expect(s.Effect).to.equal("Deny");
      expect(s.Principal).to.equal("*");
      expect(s.Condition).to.equal(undefined);
      expect(s.Action).to.include.members([
        "s3:DeleteObject",
        "s3:DeleteObjectVersion",
        "s3:DeleteBucket",
        "s3:BypassGovernanceRetention",
      ]);
    });

    it("reserves lifecycle, lock, versioning and policy changes to the deploying identity, so the stack can update them", () => {
      const doc = policyDoc(
        byName(resources, "aws:s3/bucketPolicy:BucketPolicy", "ev-evidence-policy").inputs.policy,
      );
      expect(statement(doc, "DenyEvidenceDestruction").Action).to.not.include.members([
        "s3:PutLifecycleConfiguration",
      ]);
      const s = statement(doc, "DenyConfigurationChangesExceptAdministrators");
      expect(s.Action).to.include.members([
        "s3:PutLifecycleConfiguration",
        "s3:PutBucketObjectLockConfiguration",
        "s3:PutBucketVersioning",
        "s3:PutBucketPolicy",
        "s3:DeleteBucketPolicy",
      ]);
      expect(s.Condition).to.deep.equal({ ArnNotLike: { "aws:PrincipalArn": [DEPLOYER] } });
    });

    it("writes each bucket policy after everything it protects (and removes it first)", () => {
      expect(dependencyNames(dependencies, "ev-evidence-policy")).to.include.members([
        "ev-evidence-versioning",
        "ev-evidence-lock",
        "ev-evidence-lifecycle",
        "ev-evidence-sse",
        "ev-evidence-public-access",
        "ev-evidence-ownership",
      ]);
      expect(dependencyNames(dependencies, "ev-tools-policy")).to.include.members([
        "ev-tools-versioning",
        "ev-tools-sse",
        "ev-tools-public-access",
        "ev-tools-ownership",
      ]);
    });

    it("lets only the responder write journal entries, and only the deployer and the root change the table", () => {
      const policy = ofType(resources, "aws:dynamodb/resourcePolicy:ResourcePolicy")[0]!;
      const tableArn = `arn:aws:dynamodb:us-east-1:${ACCOUNT_ID}:ev-journal`; // the mocks' ARN of the table
      expect(policy.inputs.resourceArn).to.equal(tableArn);
      expect(dependencyNames(dependencies, policy.name)).to.include("ev-journal");
      const doc = policyDoc(policy.inputs.policy);
      const writes = statement(doc, "DenyJournalWritesExceptResponder");
      expect(writes).to.include({ Effect: "Deny", Principal: "*", Resource: tableArn });
      expect(writes.Action).to.have.members(JOURNAL_WRITE_ACTIONS);
      expect(writes.Action).to.include.members([
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
        "dynamodb:DeleteItem",
      ]);
      expect(writes.Condition).to.deep.equal({ ArnNotEquals: { "aws:PrincipalArn": RESPONDER } });
      const admin = statement(doc, "DenyJournalChangesExceptAdministrators");
      expect(admin.Action).to.include.members([
        "dynamodb:PutResourcePolicy",
        "dynamodb:DeleteResourcePolicy",
      ]);
      expect(admin.Condition).to.deep.equal({
        ArnNotLike: { "aws:PrincipalArn": [DEPLOYER, `arn:aws:iam::${ACCOUNT_ID}:root`] },
      });
    });

    it("grants no other account anything by default", () => {
      const doc = policyDoc(
        byName(resources, "aws:s3/bucketPolicy:BucketPolicy", "ev-evidence-policy").inputs.policy,
      );
      expect(doc.Statement.filter((s) => s.Effect === "Allow")).to.deep.equal([]);
    });

    it("denies data access to every principal but the responder role and named analysts", () => {
      const doc = policyDoc(
        byName(resources, "aws:s3/bucketPolicy:BucketPolicy", "ev-evidence-policy").inputs.policy,
      );
      const s = statement(doc, "DenyDataAccessExceptResponderAndAnalysts");
      expect(s.Effect).to.equal("Deny");
      expect(s.Action).to.include.members(["s3:GetObject", "s3:PutObject", "s3:ListBucket"]);
      expect(s.Condition.ArnNotLike["aws:PrincipalArn"]).to.deep.equal([RESPONDER, ANALYST]);
      const writes = statement(doc, "DenyWritesByAnyoneButTheResponder");
      expect(writes.Condition.ArnNotEquals["aws:PrincipalArn"]).to.equal(RESPONDER);
    });

    it("refuses uploads that name another encryption than the evidence CMK, and only those", () => {
      const doc = policyDoc(
        byName(resources, "aws:s3/bucketPolicy:BucketPolicy", "ev-evidence-policy").inputs.policy,
      );
      // Null:false beside the comparison: UploadPart and presigned PUTs carry no SSE header, and an
      // IfExists deny would refuse them (default encryption covers them).
      expect(statement(doc, "DenyNonKmsEncryption").Condition).to.deep.equal({
        StringNotEquals: { "s3:x-amz-server-side-encryption": "aws:kms" },
        Null: { "s3:x-amz-server-side-encryption": "false" },
      });
      expect(statement(doc, "DenyOtherEncryptionKeys").Condition).to.deep.equal({
        StringNotEquals: { "s3:x-amz-server-side-encryption-aws-kms-key-id": KEY },
        Null: { "s3:x-amz-server-side-encryption-aws-kms-key-id": "false" },
      });
    });

    it("creates the journal with the shared key schema, KMS, PITR and deletion protection", () => {
      const t = ofType(resources, "aws:dynamodb/table:Table")[0]!;
      expect(t.inputs.hashKey).to.equal(JOURNAL_KEYS.partition);
      expect(t.inputs.rangeKey).to.equal(JOURNAL_KEYS.sort);
      expect(t.inputs.serverSideEncryption).to.deep.equal({ enabled: true, kmsKeyArn: KEY });
      expect(t.inputs.pointInTimeRecovery.enabled).to.equal(true);
      expect(t.inputs.deletionProtectionEnabled).to.equal(true);
      expect(t.inputs.tags[TAG.role]).to.equal(ROLE_TAG_VALUES.journalTable);
    });

    it("lets only the responder and administrators change the tools", () => {
      const doc = policyDoc(
        byName(resources, "aws:s3/bucketPolicy:BucketPolicy", "ev-tools-policy").inputs.policy,
      );
      const s = statement(doc, "DenyToolChangesExceptPublishers");
      expect(s.Action).to.include.members(["s3:PutObject", "s3:DeleteObject"]);
      expect(s.Condition.ArnNotLike["aws:PrincipalArn"]).to.deep.equal([RESPONDER, DEPLOYER]);
      expect(s.Action).to.include("s3:PutBucketVersioning");
      expect(statement(doc, "DenyInsecureTransport").Effect).to.equal("Deny");
    });
  });

  describe("GIVEN a retention of 30 days and an administrator", () => {
    it("THEN the lock uses 30 days and configuration changes are reserved to the administrator", async () => {
      const admin = `arn:aws:iam::${ACCOUNT_ID}:role/deployer`;
      const { resources } = await build({ retentionDays: 30, administratorPrincipalArns: [admin] });
      const lock = ofType(
        resources,
        "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration",
      )[0]!;
      expect(lock.inputs.rule.defaultRetention.days).to.equal(30);
      const doc = policyDoc(
        byName(resources, "aws:s3/bucketPolicy:BucketPolicy", "ev-evidence-policy").inputs.policy,
      );
      const s = statement(doc, "DenyConfigurationChangesExceptAdministrators");
      expect(s.Action).to.include("s3:PutBucketPolicy");
      expect(s.Condition.ArnNotLike["aws:PrincipalArn"]).to.deep.equal([DEPLOYER, admin]);
    });
  });

  describe("GIVEN analysts of another account, listed in analystAccountIds", () => {
    it("THEN the bucket policy allows them, and only them, to read evidence", async () => {
      const { resources } = await build({
        analystPrincipalArns: [ANALYST, REMOTE_ANALYST],
        analystAccountIds: [OTHER_ACCOUNT],
      });
      const doc = policyDoc(
        byName(resources, "aws:s3/bucketPolicy:BucketPolicy", "ev-evidence-policy").inputs.policy,
      );
      const s = statement(doc, "CrossAccountAnalystsReadEvidence");
      expect(s.Effect).to.equal("Allow");
      expect(s.Principal).to.deep.equal({ AWS: [`arn:aws:iam::${OTHER_ACCOUNT}:root`] });
      expect(s.Condition).to.deep.equal({ ArnLike: { "aws:PrincipalArn": [REMOTE_ANALYST] } });
      expect(s.Action).to.include.members(["s3:GetObject", "s3:GetObjectVersion", "s3:ListBucket"]);
      expect(s.Action.filter((a: string) => !/^s3:(Get|List)/.test(a))).to.deep.equal([]);
      // The data deny still admits them by name (and nobody else).
      expect(
        statement(doc, "DenyDataAccessExceptResponderAndAnalysts").Condition.ArnNotLike["aws:PrincipalArn"],
      ).to.include(REMOTE_ANALYST);
    });
  });

  describe("GIVEN an analyst of another account that analystAccountIds does not list", () => {
    it("THEN the evidence bucket policy is never written, with an error that says what to do", async () => {
      const errors: string[] = [];
      const onRejection = (e: unknown) => errors.push(String(e));
      process.on("unhandledRejection", onRejection);
      try {
        const { resources } = await build({ analystPrincipalArns: [REMOTE_ANALYST] });
        expect(resources.map((r) => r.name)).to.not.include("ev-evidence-policy");
      } finally {
        process.off("unhandledRejection", onRejection);
      }
      expect(errors.join("\n")).to.include(
        `analyst principal "${REMOTE_ANALYST}" is not in the deploying account ${ACCOUNT_ID} nor in analystAccountIds ([]): add the account to incident-ready:analystAccountIds`,
      );
    });
  });

  describe("evidenceBucketPolicy without administrators (ir bootstrap, the game day's account)", () => {
    it("denies the protection changes to everyone, as no deploying identity needs them", () => {
      const doc = evidenceBucketPolicy({
        bucketArn: "arn:aws:s3:::b",
        responderRoleArn: RESPONDER,
        analysts: [],
        admins: [],
        kmsKeyArn: KEY,
      });
      expect(statement(doc, "DenyEvidenceDestruction").Action).to.include.members([
        "s3:PutLifecycleConfiguration",
        "s3:PutBucketObjectLockConfiguration",
        "s3:PutBucketVersioning",
        "s3:DeleteBucketPolicy",
      ]);
      expect(doc.Statement.map((s) => s.Sid)).to.not.include("DenyConfigurationChangesExceptAdministrators");
    });
  });

  describe("GIVEN invalid arguments", () => {
    before(async () => {
      await installMocks();
    });
    it("refuses a retention of 0 days", () => {
      expect(() => new EvidenceStore("bad", { kmsKeyArn: KEY, retentionDays: 0 })).to.throw(
        "evidence retention days 0 is not valid: expected a whole number of days from 1 to 36500",
      );
    });
    it("refuses an analyst that is not an IAM principal ARN", () => {
      expect(
        () => new EvidenceStore("bad", { kmsKeyArn: KEY, analystPrincipalArns: ["alice@example.com"] }),
      ).to.throw(/analyst principal arn "alice@example.com" is not valid: expected arn:aws:iam::/);
    });
    it("refuses a KMS alias instead of a key ARN", () => {
      expect(() => new EvidenceStore("bad", { kmsKeyArn: "alias/evidence" })).to.throw(
        /evidence kms key arn "alias\/evidence" is not valid/,
      );
    });
  });
});
