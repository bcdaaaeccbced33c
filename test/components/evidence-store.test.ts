import { expect } from "chai";
import { EvidenceStore } from "../../components/evidence-store";
import {
  DEFAULT_EVIDENCE_RETENTION_DAYS,
  JOURNAL_KEYS,
  JOURNAL_TABLE_NAME,
  ROLE_TAG_VALUES,
  TAG,
} from "../../facts";
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

async function build(args: Partial<ConstructorParameters<typeof EvidenceStore>[1]> = {}) {
  const resources = await installMocks();
  const store = new EvidenceStore("ev", { kmsKeyArn: KEY, ...args });
  await settle(resources);
  return { store, resources };
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
    before(async () => {
      ({ store, resources } = await build({ analystPrincipalArns: [ANALYST] }));
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

    it("denies deletes, lifecycle and lock changes to every principal, the responder included", () => {
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
        "s3:PutLifecycleConfiguration",
        "s3:PutBucketObjectLockConfiguration",
        "s3:BypassGovernanceRetention",
      ]);
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
      expect(s.Condition.ArnNotLike["aws:PrincipalArn"]).to.deep.equal([RESPONDER]);
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
      expect(s.Condition.ArnNotLike["aws:PrincipalArn"]).to.deep.equal([admin]);
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
