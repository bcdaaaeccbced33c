/**
 * The baseline program with configurations other than Pulumi.prod.yaml: the defaults (one region),
 * CloudWatch flow logs, an existing Config recorder, and a home region other than us-east-1.
 */
import { expect } from "chai";
import { loadProgram, toConfigMap } from "../helpers/program";
import { ACCOUNT_ID, ofType, policyDoc } from "../helpers/pulumi-mocks";

const config = (values: Record<string, unknown>) =>
  toConfigMap(
    Object.fromEntries(
      Object.entries(values).map(([k, v]) => [k.includes(":") ? k : `incident-ready:${k}`, v]),
    ),
  );

describe("baseline program variants", () => {
  it("GIVEN no configuration THEN it deploys the home region (us-east-1) with the documented defaults", async () => {
    const p = await loadProgram(config({ "aws:region": "us-east-1" }));
    expect(ofType(p.resources, "aws:guardduty/detector:Detector").map((d) => p.regionOf(d))).to.deep.equal([
      "us-east-1",
    ]);
    // No other region, so no forwarding at all.
    expect(ofType(p.resources, "incident-ready:alerting:AlertForwarding")).to.have.length(0);
    expect(ofType(p.resources, "aws:imagebuilder/imagePipeline:ImagePipeline")).to.have.length(0);
    expect(ofType(p.resources, "aws:securityhub/account:Account")).to.have.length(0);
    expect(ofType(p.resources, "aws:accessanalyzer/analyzer:Analyzer")).to.have.length(1);
    const archive = ofType(p.resources, "aws:s3/bucket:Bucket").find((b) => b.name === "log-archive")!;
    expect(archive.inputs.objectLockEnabled).to.equal(undefined);
    // The forensic VPC still gets its flow log.
    expect(ofType(p.resources, "aws:ec2/flowLog:FlowLog")).to.have.length(1);
  });

  it("GIVEN flowLogDestination cloudwatch THEN each VPC logs to a KMS-encrypted group through a delivery role", async () => {
    const p = await loadProgram(
      config({
        "aws:region": "eu-west-1",
        homeRegion: "eu-west-1",
        regions: ["eu-west-1", "eu-north-1"],
        flowLogDestination: "cloudwatch",
        flowLogVpcIds: ["eu-north-1:vpc-0a1b2c3d"],
      }),
    );
    const logs = ofType(p.resources, "aws:ec2/flowLog:FlowLog");
    expect(logs).to.have.length(2);
    for (const f of logs) {
      expect(f.inputs.logDestinationType).to.equal("cloud-watch-logs");
      expect(f.inputs.iamRoleArn).to.be.a("string");
    }
    const groups = ofType(p.resources, "aws:cloudwatch/logGroup:LogGroup").filter((g) =>
      g.inputs.name.startsWith("/ir/vpc-flow-logs/"),
    );
    const north = groups.find((g) => p.regionOf(g) === "eu-north-1")!;
    // CloudWatch Logs needs a key in its own region: eu-north-1 gets its own, the home region reuses the audit key.
    expect(north.inputs.kmsKeyId).to.match(/:baseline-eu-north-1-logs$/);
    expect(groups.find((g) => p.regionOf(g) === "eu-west-1")!.inputs.kmsKeyId).to.match(/:audit$/);
  });

  it("GIVEN configRecorder existing THEN it adds the rules without a recorder or delivery channel", async () => {
    const p = await loadProgram(
      config({
        "aws:region": "us-east-1",
        configRecorder: "existing",
        configDisabledRules: ["restricted-ssh"],
      }),
    );
    expect(ofType(p.resources, "aws:cfg/recorder:Recorder")).to.have.length(0);
    expect(ofType(p.resources, "aws:cfg/deliveryChannel:DeliveryChannel")).to.have.length(0);
    const rules = ofType(p.resources, "aws:cfg/rule:Rule").map((r) => r.inputs.source.sourceIdentifier);
    expect(rules.length).to.be.at.least(15);
    expect(rules).to.not.include("INCOMING_SSH_DISABLED");
  });

  it("GIVEN a home region other than us-east-1 THEN root sign-ins (recorded in us-east-1) are still forwarded", async () => {
    const p = await loadProgram(config({ "aws:region": "eu-west-1", homeRegion: "eu-west-1" }));
    const forwarded = ofType(p.resources, "aws:cloudwatch/eventRule:EventRule").filter(
      (r) => p.regionOf(r) === "us-east-1",
    );
    expect(forwarded.map((r) => r.inputs.name)).to.deep.equal(["ir-forward-root-sign-in"]);
  });

  it("GIVEN a break-glass principal and analysts of another account THEN the archive, the evidence bucket and the evidence key admit them", async () => {
    const breakGlass = `arn:aws:iam::${ACCOUNT_ID}:role/BreakGlass`;
    const remote = "arn:aws:iam::444455556666:role/ForensicAnalysts";
    const p = await loadProgram(
      config({
        "aws:region": "us-east-1",
        breakGlassPrincipal: breakGlass,
        analystPrincipals: [`arn:aws:iam::${ACCOUNT_ID}:role/Analysts`, remote],
        analystAccountIds: ["444455556666"],
      }),
    );
    const policyOf = (bucket: string) =>
      policyDoc(
        ofType(p.resources, "aws:s3/bucketPolicy:BucketPolicy").find((b) => b.name === bucket)!.inputs.policy,
      );
    const sid = (doc: { Statement: any[] }, id: string) => doc.Statement.find((x) => x.Sid === id);
    const archive = policyOf("log-archive");
    expect(sid(archive, "DenyRetentionBypassAndVersionDeletesExceptBreakGlass").Condition).to.deep.equal({
      ArnNotEquals: { "aws:PrincipalArn": breakGlass },
    });
    const evidence = policyOf("evidence-evidence-policy");
    expect(
      sid(evidence, "DenyConfigurationChangesExceptAdministrators").Condition.ArnNotLike["aws:PrincipalArn"],
    ).to.include(breakGlass);
    expect(
      sid(evidence, "CrossAccountAnalystsReadEvidence").Condition.ArnLike["aws:PrincipalArn"],
    ).to.deep.equal([remote]);
    const key = ofType(p.resources, "aws:kms/key:Key").find((k) => k.name === "evidence")!;
    const decrypt = sid(policyDoc(key.inputs.policy), "CrossAccountAnalystsDecryptEvidenceThroughS3");
    expect(decrypt.Principal).to.deep.equal({ AWS: ["arn:aws:iam::444455556666:root"] });
    expect(decrypt.Condition.StringLike["kms:EncryptionContext:aws:s3:arn"]).to.include(
      `arn:aws:s3:::ir-evidence-${ACCOUNT_ID}-us-east-1`,
    );
  });
});
