/**
 * The responder policy the baseline generates grants `ir analyze` its reads and no more: the service
 * reads without resource-level permissions, the log archive's flow-log prefix only, its key through
 * S3 only; without an archive, the evidence and tools buckets stay the only buckets.
 */
import { expect } from "chai";
import {
  type ResponderPolicyContext,
  responderPolicyDocument,
  scopeFor,
} from "../../components/responder-policy";
import { RESPONDER_ACTIONS } from "../../facts/responder-actions";

const ACCOUNT = "111122223333";
const BASE: ResponderPolicyContext = {
  partition: "aws",
  accountId: ACCOUNT,
  regions: ["eu-central-1", "eu-west-1"],
  evidenceBucketArn: "arn:aws:s3:::ir-evidence",
  toolsBucketArn: "arn:aws:s3:::ir-tools",
  journalTableArn: `arn:aws:dynamodb:eu-central-1:${ACCOUNT}:table/ir-case-journal`,
  kmsKeyArns: [`arn:aws:kms:eu-central-1:${ACCOUNT}:key/evidence`],
  passableRoleArns: [],
  responderRoleArn: `arn:aws:iam::${ACCOUNT}:role/ir-responder`,
  requireCaseTagForDestructive: true,
};
const ARCHIVE = {
  ...BASE,
  logArchiveBucketArn: "arn:aws:s3:::org-log-archive",
  logArchiveKmsKeyArns: [`arn:aws:kms:eu-central-1:${ACCOUNT}:key/audit`],
};

describe("analyze: the responder policy's scope for the analysis reads", () => {
  it("1. every analysis action is in the shared list", () => {
    for (const a of [
      "cloudtrail:LookupEvents",
      "config:GetResourceConfigHistory",
      "config:ListDiscoveredResources",
      "ec2:DescribeFlowLogs",
      "ec2:DescribeNatGateways",
      "kms:Decrypt",
    ])
      expect(RESPONDER_ACTIONS, a).to.include(a);
  });

  it("2. flow logs: list the archive, read only this account's flow-log prefix", () => {
    expect(scopeFor("s3:ListBucket", ARCHIVE).resources).to.deep.equal([
      "arn:aws:s3:::ir-evidence",
      "arn:aws:s3:::ir-tools",
      "arn:aws:s3:::org-log-archive",
    ]);
    expect(scopeFor("s3:GetObject", ARCHIVE).resources).to.deep.equal([
      "arn:aws:s3:::ir-evidence/*",
      "arn:aws:s3:::ir-tools/*",
      `arn:aws:s3:::org-log-archive/vpc-flow-logs/AWSLogs/${ACCOUNT}/vpcflowlogs/*`,
    ]);
    // Nothing else reaches the archive: no writes, no other object reads.
    expect(scopeFor("s3:PutObject", ARCHIVE).resources).to.deep.equal([
      "arn:aws:s3:::ir-evidence/*",
      "arn:aws:s3:::ir-tools/*",
    ]);
  });

  it("3. without an archive, the evidence and tools buckets stay the only buckets", () => {
    expect(scopeFor("s3:GetObject", BASE).resources).to.deep.equal([
      "arn:aws:s3:::ir-evidence/*",
      "arn:aws:s3:::ir-tools/*",
    ]);
    expect(scopeFor("s3:ListBucket", BASE).resources).to.deep.equal([
      "arn:aws:s3:::ir-evidence",
      "arn:aws:s3:::ir-tools",
    ]);
  });

  it("4. kms:Decrypt on the evidence and archive keys, through S3 in the responder's regions only", () => {
    const doc = responderPolicyDocument(["kms:Decrypt"], ARCHIVE);
    const allow = doc.Statement.find((s) => (s.Action as string[]).includes("kms:Decrypt"))!;
    expect(allow.Resource).to.deep.equal([...BASE.kmsKeyArns, ...ARCHIVE.logArchiveKmsKeyArns]);
    expect((allow.Condition as Record<string, Record<string, unknown>>).StringEquals).to.deep.equal({
      "kms:ViaService": ["s3.eu-central-1.amazonaws.com", "s3.eu-west-1.amazonaws.com"],
      "aws:RequestedRegion": ["eu-central-1", "eu-west-1"],
    });
  });

  it("5. CloudTrail, Config and the EC2 describes support no resource-level permission: '*' with the region condition", () => {
    for (const a of [
      "cloudtrail:LookupEvents",
      "config:GetResourceConfigHistory",
      "config:ListDiscoveredResources",
      "ec2:DescribeFlowLogs",
      "ec2:DescribeNatGateways",
    ])
      expect(scopeFor(a, BASE).resources, a).to.equal("*");
    const doc = responderPolicyDocument(["cloudtrail:LookupEvents"], BASE);
    expect(doc.Statement[0]!.Condition).to.deep.equal({
      StringEquals: { "aws:RequestedRegion": BASE.regions },
    });
  });
});
