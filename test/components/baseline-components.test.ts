/** Argument validation of the baseline's own components: bad values fail with a specific message. */
import { expect } from "chai";
import { AccountGuardrails } from "../../components/account-guardrails";
import { Alerting } from "../../components/alerting";
import { CustomerManagedKey } from "../../components/customer-managed-key";
import { FlowLogs } from "../../components/flow-logs";
import { keyPolicy } from "../../components/key-policies";
import { LogArchive } from "../../components/log-archive";
import { SecurityServices } from "../../components/security-services";
import { installMocks } from "../helpers/pulumi-mocks";

describe("baseline components: argument validation", () => {
  before(() => installMocks());

  it("refuses a key deletion window outside 7–30 days", () => {
    expect(
      () =>
        new CustomerManagedKey("k", {
          purpose: "audit",
          accountId: "1",
          region: "us-east-1",
          deletionWindowDays: 3,
        }),
    ).to.throw("key deletion window 3 is not allowed: expected whole days from 7 to 30");
  });

  it("refuses a log-archive expiration that comes before the Glacier transition", () => {
    expect(
      () =>
        new LogArchive("a", {
          accountId: "1",
          kmsKeyArn: "arn:aws:kms:us-east-1:1:key/x",
          trailName: "t",
          homeRegion: "us-east-1",
          transitionDays: 90,
          expirationDays: 30,
        }),
    ).to.throw(/log archive expiration 30 days is not after the transition at 90 days/);
  });

  it("refuses an alert severity outside 1–8.9", () => {
    expect(() => new Alerting("a", { accountId: "1", kmsKeyArn: "k", minSeverity: 10 })).to.throw(
      "alert severity 10 is not allowed: expected a number from 1 to 8.9",
    );
  });

  it("refuses an IMDS hop limit other than 1 or 2", () => {
    expect(() => new AccountGuardrails("g", { ebsKmsKeyArn: "k", imdsHopLimit: 5 })).to.throw(
      "IMDS hop limit 5 is not allowed: expected 1 or 2",
    );
  });

  it("refuses flow logs without the destination they need", () => {
    expect(() => new FlowLogs("f", { vpcIds: ["vpc-0a1b2c3d"], destination: "s3" })).to.throw(
      /destination "s3" needs archiveBucketArn/,
    );
    expect(() => new FlowLogs("f", { vpcIds: ["vpc-0a1b2c3d"], destination: "cloudwatch" })).to.throw(
      /needs kmsKeyArn/,
    );
  });

  it("refuses an unknown Security Hub standard", () => {
    expect(
      () => new SecurityServices("s", { region: "us-east-1", securityHub: true, standards: ["iso-27001"] }),
    ).to.throw(
      /security hub standard "iso-27001" is not known: expected one of aws-foundational-security-best-practices/,
    );
  });
});

describe("key policies", () => {
  const ctx = { accountId: "111122223333", region: "eu-west-1" };
  for (const purpose of ["audit", "alerts", "ebs", "evidence"] as const)
    it(`${purpose}: only the account root gets kms:*, and no statement allows an anonymous principal without a condition`, () => {
      for (const s of keyPolicy(purpose, ctx).Statement as any[]) {
        if ([s.Action].flat().includes("kms:*"))
          expect(s.Principal).to.deep.equal({ AWS: "arn:aws:iam::111122223333:root" });
        if (s.Principal?.AWS === "*")
          expect(s.Condition?.StringEquals?.["kms:CallerAccount"]).to.equal("111122223333");
      }
    });

  it("binds EBS key use to EC2 in the key's region, for this account only", () => {
    const s = keyPolicy("ebs", ctx).Statement.find((x: any) => x.Sid === "AccountUsesKeyThroughEc2") as any;
    expect(s.Condition.StringEquals).to.deep.equal({
      "kms:CallerAccount": "111122223333",
      "kms:ViaService": ["ec2.eu-west-1.amazonaws.com"],
    });
  });
});
