/**
 * The baseline program under mocks with Pulumi.prod.yaml: the security properties a user relies on,
 * asserted on the inputs the program passes to AWS (each assertion fails if the property is removed).
 */
import { expect } from "chai";
import { ELB_ACCOUNT_BY_REGION } from "../../config/regions";
import { type LoadedProgram, loadProgram, stackConfig } from "../helpers/program";
import { ACCOUNT_ID, ofType, policyDoc, type RecordedResource } from "../helpers/pulumi-mocks";

const HOME = "eu-central-1";
const REGIONS = ["eu-central-1", "eu-west-1", "us-east-1"];

describe("baseline program (Pulumi.prod.yaml)", () => {
  let p: LoadedProgram;
  let all: RecordedResource[];
  const one = (type: string, filter: (r: RecordedResource) => boolean = () => true) => {
    const found = ofType(all, type).filter(filter);
    expect(found, type).to.have.length(1);
    return found[0];
  };
  const perRegion = (type: string) => {
    const byRegion: Record<string, RecordedResource[]> = {};
    for (const r of ofType(all, type)) {
      const region = p.regionOf(r) ?? "default";
      byRegion[region] = [...(byRegion[region] ?? []), r];
    }
    return byRegion;
  };

  const forensicVpcId = () => one("aws:ec2/vpc:Vpc").id;

  before(async () => {
    p = await loadProgram(stackConfig("prod"));
    all = p.resources;
  });

  describe("encryption", () => {
    it("turns rotation on for every customer-managed key", () => {
      const keys = ofType(all, "aws:kms/key:Key");
      expect(keys.length).to.be.at.least(5);
      for (const k of keys) expect(k.inputs.enableKeyRotation, k.name).to.equal(true);
    });

    it("grants kms:* to nothing but the account root", () => {
      for (const k of ofType(all, "aws:kms/key:Key")) {
        for (const s of policyDoc(k.inputs.policy).Statement) {
          const actions = [s.Action].flat();
          if (actions.includes("kms:*") || actions.includes("*"))
            expect(s.Principal, `${k.name} ${s.Sid}`).to.deep.equal({
              AWS: `arn:aws:iam::${ACCOUNT_ID}:root`,
            });
          expect(s.Principal, `${k.name} ${s.Sid}`).to.not.equal("*");
        }
      }
    });

    it("scopes the audit key to CloudTrail, CloudWatch Logs, Config and log delivery of this account", () => {
      const audit = one("aws:kms/key:Key", (k) => k.name === "audit");
      const services = policyDoc(audit.inputs.policy)
        .Statement.filter((s) => s.Principal?.Service)
        .map((s) => s.Principal.Service);
      expect(new Set(services)).to.deep.equal(
        new Set([
          "cloudtrail.amazonaws.com",
          `logs.${HOME}.amazonaws.com`,
          "config.amazonaws.com",
          "delivery.logs.amazonaws.com",
        ]),
      );
      const trailStatement = policyDoc(audit.inputs.policy).Statement.find(
        (s) => s.Sid === "CloudTrailEncryptsLogs",
      );
      expect(trailStatement.Condition.StringEquals["aws:SourceAccount"]).to.equal(ACCOUNT_ID);
    });

    it("creates one EBS key per region, used as that region's default EBS key", () => {
      const keys = ofType(all, "aws:kms/key:Key").filter((k) => k.inputs.description.includes("ebs"));
      expect(keys.map((k) => p.regionOf(k)).sort()).to.deep.equal([...REGIONS].sort());
      for (const d of ofType(all, "aws:ebs/defaultKmsKey:DefaultKmsKey")) {
        const key = keys.find((k) => p.regionOf(k) === p.regionOf(d))!;
        expect(d.inputs.keyArn).to.match(new RegExp(`:${key.name}$`));
      }
    });
  });

  describe("audit trail", () => {
    it("is multi-region, with global events, log-file validation, KMS and CloudWatch Logs, in the home region", () => {
      const t = one("aws:cloudtrail/trail:Trail");
      expect(t.inputs).to.include({
        isMultiRegionTrail: true,
        includeGlobalServiceEvents: true,
        enableLogFileValidation: true,
      });
      expect(t.inputs.kmsKeyId).to.match(/:audit$/);
      expect(t.inputs.cloudWatchLogsGroupArn).to.be.a("string").and.match(/:\*$/);
      expect(t.inputs.cloudWatchLogsRoleArn).to.be.a("string");
      expect(p.regionOf(t)).to.equal(HOME);
    });

    it("records management events, the configured S3 data events, and Insights", () => {
      const t = one("aws:cloudtrail/trail:Trail");
      const fields = t.inputs.advancedEventSelectors.map((s: any) => s.fieldSelectors);
      expect(fields[0]).to.deep.equal([{ field: "eventCategory", equals: ["Management"] }]);
      expect(fields[1]).to.deep.include({ field: "resources.type", equals: ["AWS::S3::Object"] });
      expect(t.inputs.insightSelectors.map((s: any) => s.insightType)).to.have.members([
        "ApiCallRateInsight",
        "ApiErrorRateInsight",
      ]);
    });

    it("keeps the trail's log group for the configured retention, encrypted", () => {
      const g = one("aws:cloudwatch/logGroup:LogGroup", (r) => r.inputs.name === "/ir/cloudtrail");
      expect(g.inputs.retentionInDays).to.equal(400);
      expect(g.inputs.kmsKeyId).to.match(/:audit$/);
    });
  });

  describe("buckets", () => {
    const of = (type: string, bucket: RecordedResource) => one(type, (r) => r.inputs.bucket === bucket.id);
    const policyOf = (bucket: RecordedResource) =>
      policyDoc(of("aws:s3/bucketPolicy:BucketPolicy", bucket).inputs.policy);

    it("gives every bucket a TLS-only policy, versioning, all public access blocks and no ACLs", () => {
      const buckets = ofType(all, "aws:s3/bucket:Bucket");
      expect(buckets.length).to.be.at.least(4);
      for (const b of buckets) {
        const tls = policyOf(b).Statement.find(
          (s) => s.Effect === "Deny" && s.Condition?.Bool?.["aws:SecureTransport"] === "false",
        );
        expect(tls, `${b.name} TLS-only`).to.include({ Principal: "*", Action: "s3:*" });
        expect(
          of("aws:s3/bucketVersioning:BucketVersioning", b).inputs.versioningConfiguration.status,
        ).to.equal("Enabled");
        expect(of("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", b).inputs).to.include({
          blockPublicAcls: true,
          blockPublicPolicy: true,
          ignorePublicAcls: true,
          restrictPublicBuckets: true,
        });
        expect(
          of("aws:s3/bucketOwnershipControls:BucketOwnershipControls", b).inputs.rule.objectOwnership,
        ).to.equal("BucketOwnerEnforced");
      }
    });

    it("encrypts the log archive with the audit key, ages it to Glacier IR and locks it as configured", () => {
      const sse = one(
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
        (r) => r.name === "log-archive",
      );
      expect(sse.inputs.rules[0].applyServerSideEncryptionByDefault).to.deep.include({
        sseAlgorithm: "aws:kms",
      });
      expect(sse.inputs.rules[0].applyServerSideEncryptionByDefault.kmsMasterKeyId).to.match(/:audit$/);
      const rule = one(
        "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
        (r) => r.name === "log-archive",
      ).inputs.rules[0];
      expect(rule.transitions).to.deep.equal([{ days: 90, storageClass: "GLACIER_IR" }]);
      expect(rule.expiration).to.deep.equal({ days: 2557 });
      expect(one("aws:s3/bucket:Bucket", (r) => r.name === "log-archive").inputs.objectLockEnabled).to.equal(
        true,
      );
      const lock = one(
        "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration",
        (r) => r.name === "log-archive",
      );
      expect(lock.inputs.rule.defaultRetention).to.deep.equal({ mode: "GOVERNANCE", days: 365 });
    });

    it("lets CloudTrail write the archive only for our trail, and Config and flow logs only for this account", () => {
      const statements = policyOf(one("aws:s3/bucket:Bucket", (r) => r.name === "log-archive")).Statement;
      const trail = statements.find(
        (s) => s.Principal?.Service === "cloudtrail.amazonaws.com" && s.Action === "s3:PutObject",
      );
      expect(trail.Condition.StringEquals["aws:SourceArn"]).to.equal(
        `arn:aws:cloudtrail:${HOME}:${ACCOUNT_ID}:trail/ir-audit`,
      );
      for (const service of ["config.amazonaws.com", "delivery.logs.amazonaws.com"]) {
        const s = statements.find((x) => x.Principal?.Service === service && x.Action === "s3:PutObject");
        expect(s.Condition.StringEquals["aws:SourceAccount"], service).to.equal(ACCOUNT_ID);
      }
    });

    it("has an ELB access-log bucket per region, SSE-S3 (what ELB supports) and writable by that region's ELB account", () => {
      const elb = ofType(all, "aws:s3/bucket:Bucket").filter((b) => b.name.endsWith("-elb-logs"));
      expect(elb.map((b) => p.regionOf(b)).sort()).to.deep.equal([...REGIONS].sort());
      for (const b of elb) {
        const region = p.regionOf(b)!;
        const sse = one(
          "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
          (r) => r.name === b.name,
        );
        expect(sse.inputs.rules[0].applyServerSideEncryptionByDefault.sseAlgorithm).to.equal("AES256");
        const writer = policyOf(b).Statement.find((s) => s.Sid === "ElbWritesAccessLogs");
        expect(writer.Principal).to.deep.equal({ AWS: `arn:aws:iam::${ELB_ACCOUNT_BY_REGION[region]}:root` });
        // No reference workload in this stack: only load balancers without a prefix.
        expect(writer.Resource).to.deep.equal([`arn:aws:s3:::${b.name}/AWSLogs/${ACCOUNT_ID}/*`]);
      }
    });

    it("denies bypassing the archive's governance lock and deleting its versions to everyone (no break-glass principal set)", () => {
      const statements = policyOf(one("aws:s3/bucket:Bucket", (r) => r.name === "log-archive")).Statement;
      const bypass = statements.find((s) => s.Sid === "DenyRetentionBypassAndVersionDeletesExceptBreakGlass");
      expect(bypass.Action).to.have.members(["s3:BypassGovernanceRetention", "s3:DeleteObjectVersion"]);
      expect(bypass.Condition).to.equal(undefined);
      const policy = statements.find((s) => s.Sid === "DenyPolicyChangesExceptBreakGlassAndDeployer");
      expect(policy.Condition.ArnNotLike["aws:PrincipalArn"]).to.deep.equal([
        `arn:aws:iam::${ACCOUNT_ID}:user/test`,
      ]);
    });
  });

  describe("flow logs", () => {
    it("covers every configured and protected VPC once, all traffic, into the archive, in the VPC's region", () => {
      const logs = ofType(all, "aws:ec2/flowLog:FlowLog").map((f) => [p.regionOf(f), f.inputs.vpcId]);
      expect(logs).to.have.deep.members([
        ["eu-central-1", "vpc-0a1b2c3d4e5f60718"],
        ["eu-west-1", "vpc-0f1e2d3c4b5a69788"],
        ["us-east-1", "vpc-08899aabbccddeeff"],
        [HOME, forensicVpcId()],
      ]);
      for (const f of ofType(all, "aws:ec2/flowLog:FlowLog")) {
        expect(f.inputs).to.include({
          trafficType: "ALL",
          logDestinationType: "s3",
          maxAggregationInterval: 60,
        });
        expect(f.inputs.logDestination).to.match(/^arn:aws:s3:::.*\/vpc-flow-logs\/$/);
        expect(f.inputs.logFormat).to.include("${instance-id}").and.include("${pkt-srcaddr}");
      }
    });
  });

  describe("detection", () => {
    it("runs GuardDuty in every region with 15-minute publishing and every configured protection plan", () => {
      const detectors = perRegion("aws:guardduty/detector:Detector");
      expect(Object.keys(detectors).sort()).to.deep.equal([...REGIONS].sort());
      for (const [region, [d]] of Object.entries(detectors)) {
        expect(d.inputs.findingPublishingFrequency).to.equal("FIFTEEN_MINUTES");
        const features = ofType(all, "aws:guardduty/detectorFeature:DetectorFeature").filter(
          (f) => p.regionOf(f) === region,
        );
        expect(
          features.filter((f) => f.inputs.status === "ENABLED").map((f) => f.inputs.name),
        ).to.have.members([
          "S3_DATA_EVENTS",
          "EBS_MALWARE_PROTECTION",
          "RUNTIME_MONITORING",
          "RDS_LOGIN_EVENTS",
          "EKS_AUDIT_LOGS",
          "LAMBDA_NETWORK_LOGS",
        ]);
        const runtime = features.find((f) => f.inputs.name === "RUNTIME_MONITORING")!;
        expect(runtime.inputs.additionalConfigurations).to.deep.include({
          name: "EC2_AGENT_MANAGEMENT",
          status: "ENABLED",
        });
      }
    });

    it("records all resources in every region, global types in the home region only", () => {
      for (const r of ofType(all, "aws:cfg/recorder:Recorder")) {
        expect(r.inputs.recordingGroup.allSupported).to.equal(true);
        expect(r.inputs.recordingGroup.includeGlobalResourceTypes, p.regionOf(r)).to.equal(
          p.regionOf(r) === HOME,
        );
      }
      for (const c of ofType(all, "aws:cfg/deliveryChannel:DeliveryChannel"))
        expect(c.inputs.s3KmsKeyArn).to.match(/:audit$/);
      expect(ofType(all, "aws:cfg/recorderStatus:RecorderStatus").every((s) => s.inputs.isEnabled)).to.equal(
        true,
      );
    });

    it("deploys the curated Config rules (at least 15) in the home region", () => {
      const home = ofType(all, "aws:cfg/rule:Rule")
        .filter((r) => p.regionOf(r) === HOME)
        .map((r) => r.inputs.source.sourceIdentifier);
      expect(home.length).to.be.at.least(15);
      expect(home).to.include.members([
        "INCOMING_SSH_DISABLED",
        "RESTRICTED_INCOMING_TRAFFIC",
        "EC2_IMDSV2_CHECK",
        "ENCRYPTED_VOLUMES",
        "EC2_EBS_ENCRYPTION_BY_DEFAULT",
        "VPC_FLOW_LOGS_ENABLED",
        "EBS_SNAPSHOT_PUBLIC_RESTORABLE_CHECK",
        "APPROVED_AMIS_BY_ID",
        "ELB_LOGGING_ENABLED",
        "ALB_HTTP_TO_HTTPS_REDIRECTION_CHECK",
        "MULTI_REGION_CLOUD_TRAIL_ENABLED",
        "CLOUD_TRAIL_LOG_FILE_VALIDATION_ENABLED",
        "CMK_BACKING_KEY_ROTATION_ENABLED",
        "S3_BUCKET_SSL_REQUESTS_ONLY",
        "S3_ACCOUNT_LEVEL_PUBLIC_ACCESS_BLOCKS_PERIODIC",
        "IAM_POLICY_NO_STATEMENTS_WITH_ADMIN_ACCESS",
      ]);
      const approved = ofType(all, "aws:cfg/rule:Rule").find(
        (r) => r.inputs.source.sourceIdentifier === "APPROVED_AMIS_BY_ID",
      )!;
      expect(JSON.parse(approved.inputs.inputParameters)).to.deep.equal({
        amiIds: "ami-0123456789abcdef0,ami-0fedcba9876543210",
      });
    });

    it("evaluates account-level rules once, in the home region", () => {
      const trailRules = ofType(all, "aws:cfg/rule:Rule").filter(
        (r) => r.inputs.source.sourceIdentifier === "MULTI_REGION_CLOUD_TRAIL_ENABLED",
      );
      expect(trailRules.map((r) => p.regionOf(r))).to.deep.equal([HOME]);
      const ssh = ofType(all, "aws:cfg/rule:Rule").filter(
        (r) => r.inputs.source.sourceIdentifier === "INCOMING_SSH_DISABLED",
      );
      expect(ssh.map((r) => p.regionOf(r)).sort()).to.deep.equal([...REGIONS].sort());
    });

    it("subscribes Security Hub to the configured standards with regional ARNs, and runs Access Analyzer", () => {
      const subs = ofType(all, "aws:securityhub/standardsSubscription:StandardsSubscription").filter(
        (s) => p.regionOf(s) === "eu-west-1",
      );
      expect(subs.map((s) => s.inputs.standardsArn)).to.have.members([
        "arn:aws:securityhub:eu-west-1::standards/aws-foundational-security-best-practices/v/1.0.0",
        "arn:aws:securityhub:eu-west-1::standards/cis-aws-foundations-benchmark/v/3.0.0",
      ]);
      expect(ofType(all, "aws:accessanalyzer/analyzer:Analyzer").map((a) => a.inputs.type)).to.deep.equal([
        "ACCOUNT",
        "ACCOUNT",
        "ACCOUNT",
      ]);
      expect(ofType(all, "aws:detective/graph:Graph")).to.have.length(0);
    });
  });

  describe("alerting", () => {
    it("publishes to a KMS-encrypted topic, with email subscriptions", () => {
      const topic = one("aws:sns/topic:Topic");
      expect(topic.inputs.kmsMasterKeyId).to.match(/:alerts$/);
      expect(
        ofType(all, "aws:sns/topicSubscription:TopicSubscription").map((s) => [
          s.inputs.protocol,
          s.inputs.endpoint,
        ]),
      ).to.have.deep.members([
        ["email", "security-oncall@example.com"],
        ["email", "cloud-platform@example.com"],
      ]);
    });

    it("routes every home-region alert rule to the topic with a dead-letter queue", () => {
      const targets = ofType(all, "aws:cloudwatch/eventTarget:EventTarget").filter(
        (t) => p.regionOf(t) === HOME,
      );
      expect(targets.map((t) => t.inputs.rule).sort()).to.deep.equal([
        "ir-bucket-policy-changed",
        "ir-detection-disabled",
        "ir-guardduty-finding",
        "ir-key-disabled",
        "ir-root-sign-in",
        "ir-trail-tampering",
      ]);
      for (const t of targets) {
        expect(t.inputs.arn).to.match(/:alerting$/);
        expect(t.inputs.deadLetterConfig.arn).to.match(/alerting-dlq$/);
      }
      const finding = one(
        "aws:cloudwatch/eventRule:EventRule",
        (r) => r.inputs.name === "ir-guardduty-finding",
      );
      expect(JSON.parse(finding.inputs.eventPattern).detail.severity).to.deep.equal([{ numeric: [">=", 7] }]);
      const homeQueue = one("aws:sqs/queue:Queue", (q) => p.regionOf(q) === HOME);
      expect(homeQueue.inputs.kmsMasterKeyId).to.match(/:alerts$/);
    });

    it("forwards the same events from the other regions to the home region's bus", () => {
      const forwarded = ofType(all, "aws:cloudwatch/eventTarget:EventTarget").filter(
        (t) => p.regionOf(t) !== HOME,
      );
      expect(forwarded).to.have.length(10); // four rules and the region's own keys, in two regions
      for (const t of forwarded) {
        expect(t.inputs.arn).to.equal(`arn:aws:events:${HOME}:${ACCOUNT_ID}:event-bus/default`);
        expect(t.inputs.roleArn).to.be.a("string");
        expect(t.inputs.deadLetterConfig.arn, "forwarding target DLQ").to.match(/-dlq$/);
      }
    });

    it("alerts on policy changes of the log archive and the evidence bucket", () => {
      const rule = one(
        "aws:cloudwatch/eventRule:EventRule",
        (r) => r.inputs.name === "ir-bucket-policy-changed",
      );
      const pattern = JSON.parse(rule.inputs.eventPattern);
      expect(pattern.detail.eventName).to.have.members(["PutBucketPolicy", "DeleteBucketPolicy"]);
      const evidence = one("aws:s3/bucket:Bucket", (b) => b.name === "evidence-evidence");
      const archive = one("aws:s3/bucket:Bucket", (b) => b.name === "log-archive");
      // The archive's physical name is the mocks' default (its resource name); the evidence bucket's is derived.
      expect(pattern.detail.requestParameters.bucketName).to.have.members([
        archive.name,
        evidence.inputs.bucket,
      ]);
    });

    it("alerts on disabling or scheduling the deletion of any of the project's keys, each in its own region", () => {
      const keys = ofType(all, "aws:kms/key:Key");
      const watched = (region: string) =>
        ofType(all, "aws:cloudwatch/eventRule:EventRule")
          .filter((r) => p.regionOf(r) === region && /-key-disabled$/.test(r.inputs.name))
          .flatMap((r) => JSON.parse(r.inputs.eventPattern).detail.requestParameters.keyId as string[]);
      for (const region of REGIONS) {
        const own = keys.filter((k) => p.regionOf(k) === region);
        expect(own.length, region).to.be.at.least(1);
        expect(watched(region), region).to.include.members(own.map((k) => `${k.name}-key-id`));
        expect(watched(region).length, region).to.equal(own.length * 2); // id and ARN of each
      }
    });
  });

  describe("account guardrails", () => {
    it("sets EBS encryption, AMI and snapshot public-access blocks and IMDSv2 in every region", () => {
      for (const [type, expected] of [
        ["aws:ebs/encryptionByDefault:EncryptionByDefault", { enabled: true }],
        ["aws:ec2/imageBlockPublicAccess:ImageBlockPublicAccess", { state: "block-new-sharing" }],
        ["aws:ebs/snapshotBlockPublicAccess:SnapshotBlockPublicAccess", { state: "block-all-sharing" }],
        [
          "aws:ec2/instanceMetadataDefaults:InstanceMetadataDefaults",
          { httpTokens: "required", httpPutResponseHopLimit: 1 },
        ],
      ] as const) {
        const found = perRegion(type);
        expect(Object.keys(found).sort(), type).to.deep.equal([...REGIONS].sort());
        for (const [r] of Object.values(found)) expect(r.inputs, type).to.include(expected);
      }
    });

    it("blocks public S3 access account-wide, once", () => {
      expect(one("aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock").inputs).to.include({
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
      });
    });
  });

  it("puts every regional resource under an explicit provider", () => {
    const regional = [
      "aws:guardduty/detector:Detector",
      "aws:cfg/rule:Rule",
      "aws:ec2/flowLog:FlowLog",
      "aws:kms/key:Key",
      "aws:s3/bucket:Bucket",
    ];
    for (const type of regional)
      for (const r of ofType(all, type)) expect(p.regionOf(r), `${type} ${r.name}`).to.be.oneOf(REGIONS);
  });

  describe("forensic readiness", () => {
    it("locks evidence in COMPLIANCE mode for the configured retention, in the home region", () => {
      const lock = ofType(all, "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration").find(
        (l) => l.inputs.rule?.defaultRetention?.mode === "COMPLIANCE",
      )!;
      expect(lock.inputs.rule.defaultRetention.days).to.equal(365);
      expect(p.regionOf(lock)).to.equal(HOME);
    });

    it("pre-creates isolation groups for each protected VPC in that VPC's region", () => {
      const groups = ofType(all, "aws:ec2/securityGroup:SecurityGroup").filter((g) =>
        /^ir-(untrack|isolation|forensic-egress)-vpc-/.test(g.inputs.name),
      );
      expect(groups.map((g) => [p.regionOf(g), g.inputs.name])).to.have.deep.members([
        [HOME, "ir-untrack-vpc-0a1b2c3d4e5f60718"],
        [HOME, "ir-isolation-vpc-0a1b2c3d4e5f60718"],
        [HOME, "ir-forensic-egress-vpc-0a1b2c3d4e5f60718"],
        ["us-east-1", "ir-untrack-vpc-08899aabbccddeeff"],
        ["us-east-1", "ir-isolation-vpc-08899aabbccddeeff"],
        ["us-east-1", "ir-forensic-egress-vpc-08899aabbccddeeff"],
      ]);
    });

    it("forensic egress of every protected VPC: HTTPS to the S3 prefix list, never 0.0.0.0/0 or ::/0", () => {
      const groups = ofType(all, "aws:ec2/securityGroup:SecurityGroup").filter((g) =>
        /^ir-forensic-egress-vpc-/.test(g.inputs.name),
      );
      expect(groups).to.have.length(2);
      for (const g of groups) {
        expect(g.inputs.ingress, g.inputs.name).to.deep.equal([]);
        expect(g.inputs.egress, g.inputs.name).to.have.length(1);
        const [rule] = g.inputs.egress;
        expect(rule).to.deep.include({ protocol: "tcp", fromPort: 443, toPort: 443 });
        // The mocks answer the lookup by name (com.amazonaws.<region>.s3), one region for all providers.
        expect(rule.prefixListIds).to.have.length(1);
        expect(rule.prefixListIds[0]).to.match(/^pl-[a-z0-9-]+-s3$/);
        const blocks = g.inputs.egress.flatMap((r: { cidrBlocks?: string[]; ipv6CidrBlocks?: string[] }) => [
          ...(r.cidrBlocks ?? []),
          ...(r.ipv6CidrBlocks ?? []),
        ]);
        expect(blocks, g.inputs.name).to.deep.equal([]);
      }
    });

    it("publishes the responder settings (every field ir needs) to SSM", () => {
      const param = one("aws:ssm/parameter:Parameter", (r) => r.inputs.name === "/ir/responder-config");
      const settings = JSON.parse(param.inputs.insecureValue);
      expect(settings).to.include({ region: HOME, accountId: ACCOUNT_ID });
      expect(settings.evidenceBucket).to.be.a("string").and.not.empty;
      expect(settings.journalTable).to.equal("ir-case-journal");
      expect(settings.denyAllInstanceProfile).to.equal("ir-deny-all");
      expect(settings.responderRoleArn).to.equal(`arn:aws:iam::${ACCOUNT_ID}:role/ir-responder`);
      expect(Object.keys(settings.isolationGroups)).to.have.members([
        "vpc-0a1b2c3d4e5f60718",
        "vpc-08899aabbccddeeff",
      ]);
      for (const ids of Object.values<any>(settings.isolationGroups))
        expect(ids).to.have.keys("untrack", "isolation", "forensicEgress");
      expect(settings.forensic.vpcId).to.equal(forensicVpcId());
      expect(settings.forensic.subnetIds).to.have.length(2);
      expect(settings.forensic.amiParameter).to.equal("/ir/forensic-ami");
      expect(settings.alertTopicArn).to.match(/:alerting$/);
      // ir writes revoke denies through the role writer, never with the responder's own rights.
      expect(settings.roleWriterFunction).to.match(
        /^arn:aws:lambda:[a-z0-9-]+:\d{12}:function:ir-role-writer$/,
      );
    });

    it("deploys the role writer in the home Region, the only function the responder may invoke", () => {
      const fn = one("aws:lambda/function:Function", (r) => r.inputs.name === "ir-role-writer");
      expect(p.regionOf(fn)).to.equal(HOME);
      const writes = one("aws:iam/rolePolicy:RolePolicy", (r) => r.inputs.name === "ir-role-writer");
      const allow = policyDoc(writes.inputs.policy).Statement.find(
        (s) => s.Sid === "WriteRevokeAndQuarantinePolicies",
      );
      expect(allow.Action).to.deep.equal(["iam:PutRolePolicy", "iam:DeleteRolePolicy"]);
    });

    it("lets only the responder role write the journal, whatever IAM grants others", () => {
      const policy = one("aws:dynamodb/resourcePolicy:ResourcePolicy");
      expect(p.regionOf(policy)).to.equal(HOME);
      const deny = policyDoc(policy.inputs.policy).Statement.find(
        (s) => s.Sid === "DenyJournalWritesExceptResponder",
      );
      expect(deny.Condition.ArnNotEquals["aws:PrincipalArn"]).to.equal(
        `arn:aws:iam::${ACCOUNT_ID}:role/ir-responder`,
      );
    });

    it("lets Image Builder's service-linked role publish build notifications to the encrypted alert topic", () => {
      const alerts = one("aws:kms/key:Key", (k) => k.name === "alerts");
      const s = policyDoc(alerts.inputs.policy).Statement.find(
        (x) => x.Sid === "ImageBuilderPublishesBuildNotifications",
      );
      expect(s.Condition.ArnEquals["aws:PrincipalArn"]).to.equal(
        `arn:aws:iam::${ACCOUNT_ID}:role/aws-service-role/imagebuilder.amazonaws.com/AWSServiceRoleForImageBuilder`,
      );
      expect(
        one("aws:imagebuilder/infrastructureConfiguration:InfrastructureConfiguration").inputs.snsTopicArn,
      ).to.be.a("string");
    });

    it("builds the forensic AMI in the home region, publishing to /ir/forensic-ami", () => {
      const dist = one("aws:imagebuilder/distributionConfiguration:DistributionConfiguration");
      expect(p.regionOf(dist)).to.equal(HOME);
      expect(JSON.stringify(dist.inputs)).to.include("/ir/forensic-ami");
    });

    it("lets the responder use the evidence key and every region's EBS key", () => {
      const policy = ofType(all, "aws:iam/rolePolicy:RolePolicy").find(
        (r) => r.name.startsWith("responder") && !r.name.includes("deny-all"),
      );
      if (!policy) return; // empty action list: covered by the responder-access tests
      const text = JSON.stringify(policyDoc(policy.inputs.policy));
      for (const key of ["evidence", "baseline-eu-west-1-ebs", "baseline-us-east-1-ebs"])
        expect(text).to.include(`:${key}`);
    });
  });
});

describe("baseline program with the reference workload", () => {
  it("deploys the workload in the home region with IMDSv2, encrypted volumes and ALB access logs to the ELB bucket", async () => {
    const config = {
      ...stackConfig("prod"),
      "incident-ready:referenceWorkload": "true",
      "incident-ready:workloadVpcId": "vpc-0a1b2c3d4e5f60718",
      "incident-ready:workloadPublicSubnetIds": '["subnet-0a1b2c3d","subnet-1a2b3c4d"]',
      "incident-ready:workloadPrivateSubnetIds": '["subnet-2a3b4c5d","subnet-3a4b5c6d"]',
    };
    const p = await loadProgram(config);
    const [lt] = ofType(p.resources, "aws:ec2/launchTemplate:LaunchTemplate");
    expect(lt.inputs.metadataOptions).to.include({ httpTokens: "required", httpPutResponseHopLimit: 1 });
    expect(lt.inputs.imageId).to.equal("resolve:ssm:/ir/known-good-ami/web");
    const [alb] = ofType(p.resources, "aws:lb/loadBalancer:LoadBalancer");
    expect(alb.inputs.accessLogs.enabled).to.equal(true);
    expect(alb.inputs.accessLogs.bucket).to.equal(`baseline-${HOME}-elb-logs`); // the bucket's physical name
    expect(p.regionOf(alb)).to.equal(HOME);
    // The home region's ELB log bucket admits the prefix the ALB logs under (ELB checks it when logs are enabled).
    const bucketPolicy = ofType(p.resources, "aws:s3/bucketPolicy:BucketPolicy").find(
      (b) => b.name === `baseline-${HOME}-elb-logs`,
    )!;
    const writer = policyDoc(bucketPolicy.inputs.policy).Statement.find(
      (x) => x.Sid === "ElbWritesAccessLogs",
    );
    expect(writer.Resource).to.include(
      `arn:aws:s3:::baseline-${HOME}-elb-logs/${alb.inputs.accessLogs.prefix}/AWSLogs/${ACCOUNT_ID}/*`,
    );
  });

  it("refuses to deploy it without a VPC and two subnets per tier", async () => {
    let error: Error | undefined;
    try {
      await loadProgram({ ...stackConfig("prod"), "incident-ready:referenceWorkload": "true" });
    } catch (e) {
      error = e as Error;
    }
    expect(error?.message).to.match(/workloadVpcId: "" is not a home-region VPC id/);
    expect(error?.message).to.match(/workloadPublicSubnetIds: \[\] has fewer than 2 subnets/);
  });
});
