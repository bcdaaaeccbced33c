/**
 * What `ir analyze` takes from a case: the window (given, from the finding, from the case), the
 * instance's own addresses from the discover record, the NAT gateways' addresses, and where the flow
 * logs are (EC2 stubbed at the SDK seam: moto refuses an S3 destination with a prefix).
 */
import { DescribeFlowLogsCommand, DescribeNatGatewaysCommand, EC2Client } from "@aws-sdk/client-ec2";
import { type AwsClientStub, mockClient } from "aws-sdk-client-mock";
import { expect } from "chai";
import {
  caseWindow,
  flowLogLocation,
  natGatewayAddresses,
  subjectOfCase,
} from "../../automation/analyze/case-inputs";
import { AnalyzeInputError } from "../../automation/analyze/subject";
import { AwsClients } from "../../automation/aws/clients";
import type { InstanceFacts } from "../../automation/case/context";
import { MAX_KEPT_FINDING_BYTES, targetsFromFinding } from "../../automation/input/targets";
import type { CaseMeta } from "../../automation/journal/journal";

const NOW = new Date("2026-11-28T12:00:00Z");
const meta = (source: unknown): CaseMeta => ({
  caseId: "c-20261128t100000z-abcdef",
  instanceId: "i-0123456789abcdef0",
  region: "eu-central-1",
  createdAt: "2026-11-28T10:00:00Z",
  options: {},
  source: source as CaseMeta["source"],
});

const FACTS = {
  instanceId: "i-0123456789abcdef0",
  accountId: "111122223333",
  region: "eu-central-1",
  vpcId: "vpc-0a1b2c3d4e5f60718",
  subnetId: "subnet-0a1b2c3d",
  enis: [
    {
      id: "eni-0123456789abcdef0",
      deviceIndex: 0,
      groups: ["sg-0123456789abcdef0"],
      privateIps: ["10.0.1.25"],
      ipv6: [],
    },
  ],
  addresses: [{ publicIp: "198.51.100.7", allocationId: "eipalloc-1" }],
  raw: undefined,
} as unknown as InstanceFacts;

describe("analyze: inputs from a case", () => {
  describe("the incident window", () => {
    it("1. --since and --until win", () => {
      expect(
        caseWindow(
          meta({ kind: "argument" }),
          { since: "2026-11-28T02:00:00Z", until: "2026-11-28T06:00:00Z" },
          NOW,
        ),
      ).to.deep.equal({
        start: "2026-11-28T02:00:00.000Z",
        end: "2026-11-28T06:00:00.000Z",
        source: "--since to --until",
      });
    });

    it("2. from 24 h before the kept finding's first sighting to now", () => {
      const finding = { schemaVersion: "2.0", service: { eventFirstSeen: "2026-11-28T08:30:00Z" } };
      const w = caseWindow(meta({ kind: "guardduty", finding }), {}, NOW);
      expect(w).to.deep.equal({
        start: "2026-11-27T08:30:00.000Z",
        end: "2026-11-28T12:00:00.000Z",
        source: "24 h before the finding's first sighting, to now",
      });
    });

    it("3. without a finding, from 24 h before the case opened", () => {
      expect(caseWindow(meta({ kind: "argument" }), {}, NOW).start).to.equal("2026-11-27T10:00:00.000Z");
    });

    it("4. bad input: a start that is not a date, an end before the start", () => {
      expect(() => caseWindow(meta({}), { since: "yesterday" }, NOW))
        .to.throw(AnalyzeInputError)
        .with.property("message")
        .match(/window start "yesterday" is not a date/);
      expect(() => caseWindow(meta({}), { until: "2026-01-01T00:00:00Z" }, NOW)).to.throw(
        /is not after its start/,
      );
    });
  });

  it("respond keeps the finding (and its last sighting) in the case header, unless it is oversized", () => {
    const finding = {
      schemaVersion: "2.0",
      id: "f-1",
      type: "Recon:EC2/PortProbeUnprotectedPort",
      resource: { resourceType: "Instance", instanceDetails: { instanceId: "i-0123456789abcdef0" } },
      service: { eventFirstSeen: "2026-11-28T08:30:00Z", eventLastSeen: "2026-11-28T09:00:00Z", action: {} },
    };
    const [t] = targetsFromFinding({ source: "aws.guardduty", detail: finding });
    expect(t!.source.finding).to.deep.equal(finding);
    expect(t!.source.lastSeen).to.equal("2026-11-28T09:00:00Z");
    const big = { ...finding, padding: "x".repeat(MAX_KEPT_FINDING_BYTES) };
    const [u] = targetsFromFinding(big);
    expect(u!.source).to.not.have.property("finding");
    expect(u!.source.findingId).to.equal("f-1");
  });

  it("the instance's own addresses come from the discover record (before containment), NAT addresses are egress", () => {
    const s = subjectOfCase(FACTS, "arn:aws:iam::111122223333:role/web-role", ["52.28.1.2"]);
    expect(s.privateIpv4).to.deep.equal(["10.0.1.25"]);
    expect(s.publicIpv4).to.deep.equal(["198.51.100.7"]);
    expect(s.egressAddresses).to.deep.equal(["52.28.1.2"]);
    expect(s.eniIds).to.deep.equal(["eni-0123456789abcdef0"]);
  });

  describe("EC2 lookups (SDK stubs)", () => {
    let ec2: AwsClientStub<EC2Client>;
    const clients = new AwsClients({
      region: "eu-central-1",
      credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "x" },
    });
    before(() => {
      ec2 = mockClient(EC2Client);
    });
    after(() => ec2.restore());
    afterEach(() => ec2.reset());

    it("1. an S3 flow log with a prefix: bucket, prefix, the case's account and region", async () => {
      ec2.on(DescribeFlowLogsCommand).resolves({
        FlowLogs: [
          { FlowLogId: "fl-1", LogDestinationType: "cloud-watch-logs", FlowLogStatus: "ACTIVE" },
          {
            FlowLogId: "fl-2",
            LogDestinationType: "s3",
            LogDestination: "arn:aws:s3:::log-archive-1/vpc-flow-logs/",
            FlowLogStatus: "ACTIVE",
          },
        ],
      });
      expect(await flowLogLocation(clients, FACTS)).to.deep.equal({
        location: {
          bucket: "log-archive-1",
          accountId: "111122223333",
          region: "eu-central-1",
          prefix: "vpc-flow-logs",
        },
      });
      const filter = ec2.commandCalls(DescribeFlowLogsCommand)[0]!.args[0].input.Filter![0]!;
      expect(filter.Values).to.deep.equal([
        "vpc-0a1b2c3d4e5f60718",
        "subnet-0a1b2c3d",
        "eni-0123456789abcdef0",
      ]);
    });

    it("2. flow logs only in CloudWatch, Hive partitions, none: the reason, no location", async () => {
      ec2
        .on(DescribeFlowLogsCommand)
        .resolvesOnce({ FlowLogs: [{ FlowLogId: "fl-1", LogDestinationType: "cloud-watch-logs" }] })
        .resolvesOnce({
          FlowLogs: [
            {
              FlowLogId: "fl-3",
              LogDestinationType: "s3",
              LogDestination: "arn:aws:s3:::b",
              DestinationOptions: { HiveCompatiblePartitions: true },
            },
          ],
        })
        .resolvesOnce({ FlowLogs: [] });
      expect((await flowLogLocation(clients, FACTS)).reason).to.match(/go to cloud-watch-logs, not S3/);
      expect((await flowLogLocation(clients, FACTS)).reason).to.match(/Hive-compatible/);
      expect((await flowLogLocation(clients, FACTS)).reason).to.match(
        /no flow log covers vpc-0a1b2c3d4e5f60718/,
      );
    });

    it("3. NAT gateway public addresses of the VPC, deleted gateways left out", async () => {
      ec2.on(DescribeNatGatewaysCommand).resolves({
        NatGateways: [
          { State: "available", NatGatewayAddresses: [{ PublicIp: "52.28.1.2" }, { PublicIp: "52.28.1.3" }] },
          { State: "deleted", NatGatewayAddresses: [{ PublicIp: "52.28.9.9" }] },
        ],
      });
      expect(await natGatewayAddresses(clients, FACTS.vpcId)).to.deep.equal(["52.28.1.2", "52.28.1.3"]);
      expect(ec2.commandCalls(DescribeNatGatewaysCommand)[0]!.args[0].input.Filter).to.deep.equal([
        { Name: "vpc-id", Values: [FACTS.vpcId] },
      ]);
    });
  });
});
