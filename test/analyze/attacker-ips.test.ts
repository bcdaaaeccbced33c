/**
 * The whole attacker-address analysis: CloudTrail (mocked: moto cannot serve LookupEvents), the
 * finding, and flow logs in S3 (moto), marked against ip-ranges.json, plus its text rendering.
 */
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { CloudTrailClient, LookupEventsCommand } from "@aws-sdk/client-cloudtrail";
import { CreateBucketCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { type AwsClientStub, mockClient } from "aws-sdk-client-mock";
import { expect } from "chai";
import { AWS_ABUSE_EMAIL, AWS_ABUSE_FORM } from "../../automation/analyze/abuse";
import { analyzeAttackerIps } from "../../automation/analyze/attacker-ips";
import { loadIpRanges } from "../../automation/analyze/ip-ranges";
import { renderAttackerIps } from "../../automation/analyze/render";
import { AnalyzeInputError } from "../../automation/analyze/subject";
import { FLOW_LOG_FIELDS } from "../../facts/flow-logs";
import {
  ACCOUNT,
  ENI,
  INSTANCE_ID,
  PRIVATE_IP,
  PUBLIC_IP,
  SUBJECT,
  trailEvent,
} from "../fixtures/analyze/cloudtrail";
import { TEST_CREDENTIALS, useMoto } from "../helpers/moto";

const RANGES = loadIpRanges(join(__dirname, "../fixtures/analyze/ip-ranges.json"));
const WINDOW = { start: "2026-11-28T02:00:00Z", end: "2026-11-28T06:00:00Z" };
const BUCKET = "archive-attacker-ips";
const FINDING = {
  schemaVersion: "2.0",
  id: "gd-1",
  type: "UnauthorizedAccess:EC2/SSHBruteForce",
  resource: { resourceType: "Instance", instanceDetails: { instanceId: INSTANCE_ID } },
  service: {
    action: {
      actionType: "NETWORK_CONNECTION",
      networkConnectionAction: {
        connectionDirection: "INBOUND",
        localPortDetails: { port: 22 },
        remoteIpDetails: { ipAddressV4: "203.0.113.66", organization: { asnOrg: "Evil\u001b[2J Corp" } },
      },
    },
  },
};

function flowLine(src: string, dst: string, dstport: string, bytes: string, start: string): string {
  const v: Record<string, string> = {
    version: "5",
    "account-id": ACCOUNT,
    "interface-id": ENI,
    srcaddr: src,
    dstaddr: dst,
    srcport: "40000",
    dstport,
    protocol: "6",
    packets: "10",
    bytes,
    start: String(Date.parse(start) / 1000),
    end: String(Date.parse(start) / 1000 + 60),
    action: "ACCEPT",
    "log-status": "OK",
    "instance-id": INSTANCE_ID,
  };
  return FLOW_LOG_FIELDS.map((f) => v[f] ?? "-").join(" ");
}

describe("analyze: attacker addresses (CloudTrail + finding + flow logs)", () => {
  // A class-level stub replaces send() on the prototype: made per suite and restored after it, so
  // suites in other files that mock the same class never see each other's answers.
  let trail: AwsClientStub<CloudTrailClient>;
  after(() => trail.restore());
  const cloudTrail = new CloudTrailClient({ region: "eu-central-1" });
  let s3: S3Client;

  before(async () => {
    trail = mockClient(CloudTrailClient);
    const endpoint = await useMoto();
    s3 = new S3Client({
      endpoint,
      forcePathStyle: true,
      region: "us-east-1",
      credentials: TEST_CREDENTIALS,
      maxAttempts: 1,
    });
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    const body = gzipSync(
      [
        FLOW_LOG_FIELDS.join(" "),
        flowLine("203.0.113.66", PRIVATE_IP, "22", "4000", "2026-11-28T03:00:00Z"),
        flowLine(PRIVATE_IP, "3.64.10.20", "443", "50000000", "2026-11-28T03:10:00Z"),
        flowLine("10.0.2.40", PRIVATE_IP, "22", "300", "2026-11-28T03:30:00Z"),
      ].join("\n"),
    );
    await s3.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: `vpc-flow-logs/AWSLogs/${ACCOUNT}/vpcflowlogs/eu-central-1/2026/11/28/03/${ACCOUNT}_vpcflowlogs_eu-central-1_fl-0abc_20261128T0310Z_aa.log.gz`,
        Body: body,
      }),
    );
  });
  beforeEach(() => {
    trail.reset();
    trail.on(LookupEventsCommand).callsFake((input) =>
      input.LookupAttributes[0].AttributeKey === "AccessKeyId"
        ? { Events: [] }
        : {
            Events: [
              trailEvent({
                time: "2026-11-28T02:30:00Z",
                name: "DescribeInstances",
                source: "ec2.amazonaws.com",
                sourceIp: PUBLIC_IP,
              }),
              trailEvent({ time: "2026-11-28T03:40:00Z", name: "ListBuckets", sourceIp: "3.64.10.20" }),
              trailEvent({
                time: "2026-11-28T03:41:00Z",
                name: "GetCallerIdentity",
                source: "sts.amazonaws.com",
                sourceIp: "198.51.100.250",
              }),
              trailEvent({
                time: "2026-11-28T03:42:00Z",
                name: "Decrypt",
                source: "kms.amazonaws.com",
                sourceIp: "AWS Internal",
              }),
            ],
          },
    );
  });

  const run = (extra: Partial<Parameters<typeof analyzeAttackerIps>[0]> = {}) =>
    analyzeAttackerIps({
      subject: SUBJECT,
      window: WINDOW,
      finding: FINDING,
      ipRanges: RANGES,
      flowLogs: { bucket: BUCKET, accountId: ACCOUNT, region: "eu-central-1" },
      clients: { cloudTrail, s3 },
      options: { now: () => new Date("2026-11-28T07:00:00Z") },
      ...extra,
    });

  it("1. GIVEN all three sources THEN each address carries its evidence, AWS marks and abuse guidance", async () => {
    const report = await run();
    const by = Object.fromEntries(report.addresses.map((a) => [a.address, a]));
    expect(report.addresses.map((a) => a.address)).to.deep.equal([
      "3.64.10.20",
      "203.0.113.66",
      "198.51.100.250",
      "10.0.2.40",
    ]);
    const aws = by["3.64.10.20"]!;
    expect(aws.sources).to.have.members(["cloudtrail", "flow-logs"]);
    expect(aws).to.deep.include({
      scope: "aws",
      firstSeen: "2026-11-28T03:10:00.000Z",
      lastSeen: "2026-11-28T03:40:00.000Z",
    });
    expect(aws.aws!.service).to.equal("EC2");
    expect(aws.abuse.contacts).to.deep.equal([AWS_ABUSE_FORM, AWS_ABUSE_EMAIL]);
    expect(aws.evidence.credentialUse!.events).to.equal(1);
    expect(aws.evidence.flowLogs!.bytesOut).to.equal(50000000);
    expect(by["203.0.113.66"]!.sources).to.have.members(["finding", "flow-logs"]);
    expect(by["203.0.113.66"]!.abuse.scope).to.equal("internet");
    expect(by["10.0.2.40"]!.abuse.action).to.match(/lateral movement/);
    expect(report.sources.cloudtrail).to.deep.include({ status: "done" });
    expect(report.ipRanges).to.deep.equal({
      syncToken: "1764291000",
      createDate: "2026-11-28-01-30-00",
      prefixCount: 11,
    });
    // The case record stores it as JSON: it must survive a round trip unchanged.
    expect(JSON.parse(JSON.stringify(report))).to.deep.equal(report);
  });

  it("2. a failing source is recorded and the others still answer", async () => {
    trail
      .on(LookupEventsCommand)
      .rejects(Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException" }));
    const report = await run();
    expect(report.sources.cloudtrail).to.deep.equal({
      status: "failed",
      error: "ThrottlingException: Rate exceeded",
    });
    expect(report.addresses.map((a) => a.address)).to.include("203.0.113.66");
  });

  it("3. without flow logs in S3, a finding or ip ranges the sources say so", async () => {
    const report = await run({ flowLogs: undefined, finding: undefined, ipRanges: undefined });
    expect(report.sources.flowLogs).to.deep.include({ status: "skipped" });
    expect(report.sources.finding).to.deep.include({ status: "skipped" });
    expect(report.addresses.every((a) => a.scope !== "aws")).to.equal(true);
    expect(renderAttackerIps(report)).to.match(/no ip-ranges\.json given/);
  });

  it("4. maxAddresses keeps the best evidenced and counts the rest", async () => {
    const report = await run({ options: { maxAddresses: 2 } });
    expect(report.addresses).to.have.length(2);
    expect(report.omitted).to.equal(2);
  });

  it("5. the text rendering neutralises terminal escapes from attacker-controlled fields", async () => {
    const report = await run();
    const text = renderAttackerIps(report);
    const controls = [...text].filter(
      (c) => c !== "\n" && (c.charCodeAt(0) < 0x20 || (c.charCodeAt(0) >= 0x7f && c.charCodeAt(0) <= 0x9f)),
    );
    expect(controls).to.deep.equal([]);
    expect(text).to.include("Evil\\u001b[2J Corp");
    expect(text).to.include(AWS_ABUSE_FORM);
    expect(text).to.match(/3\.64\.10\.20 {2}\[AWS EC2 eu-central-1\]/);
  });

  describe("bad input", () => {
    it("1. a window whose end is before its start", async () => {
      try {
        await run({ window: { start: WINDOW.end, end: WINDOW.start } });
        expect.fail("should have thrown");
      } catch (err) {
        expect(err).to.be.instanceOf(AnalyzeInputError);
        expect((err as Error).message).to.equal(
          "window end 2026-11-28T02:00:00.000Z is not after its start 2026-11-28T06:00:00.000Z: pass the start first, or widen the window",
        );
      }
      expect(trail.commandCalls(LookupEventsCommand)).to.have.length(0);
    });
    it("2. an instance without addresses", async () => {
      const err = await run({ subject: { ...SUBJECT, privateIpv4: [], publicIpv4: [], ipv6: [] } }).catch(
        (e: Error) => e,
      );
      expect((err as Error).message).to.match(
        /^instance i-0abcdef1234567890 has no addresses: .*pass its private and public addresses/,
      );
    });
    it("3. a malformed address, instance id, role ARN or date", async () => {
      const msg = (p: Promise<unknown>) => p.then(() => "").catch((e: Error) => e.message);
      expect(await msg(run({ subject: { ...SUBJECT, publicIpv4: ["198.51.100.300"] } }))).to.match(
        /publicIpv4 of instance .* holds "198\.51\.100\.300", not an IP address/,
      );
      expect(await msg(run({ subject: { ...SUBJECT, instanceId: "i-12" } }))).to.match(
        /instance id "i-12" is not valid/,
      );
      expect(await msg(run({ subject: { ...SUBJECT, roleArn: "web-role" } }))).to.match(
        /role arn "web-role" is not an IAM role ARN/,
      );
      expect(await msg(run({ window: { start: "yesterday", end: WINDOW.end } }))).to.match(
        /window start "yesterday" is not a date/,
      );
    });
  });
});
