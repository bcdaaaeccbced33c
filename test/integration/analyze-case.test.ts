/**
 * `ir analyze` on a case contained against moto. moto cannot serve CloudTrail LookupEvents or Config
 * history: those clients are stubbed at the SDK seam with answers in the real formats (paginated, the
 * instance's own address, its NAT gateway's address, an AWS address, an outside address); EC2, S3
 * (flow logs, evidence), DynamoDB (journal) are moto. Then the same without stubs: moto answers 500
 * and the analysis records the sources as unavailable instead of failing.
 */
import { gzipSync } from "node:zlib";
import { CloudTrailClient, type Event, LookupEventsCommand } from "@aws-sdk/client-cloudtrail";
import {
  ConfigServiceClient,
  type ConfigurationItem,
  GetResourceConfigHistoryCommand,
  ListDiscoveredResourcesCommand,
} from "@aws-sdk/client-config-service";
import {
  AllocateAddressCommand,
  CreateFlowLogsCommand,
  CreateNatGatewayCommand,
  DescribeInstancesCommand,
} from "@aws-sdk/client-ec2";
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { type AwsClientStub, mockClient } from "aws-sdk-client-mock";
import { expect } from "chai";
import { analyzeCase } from "../../automation/analyze/case";
import { AwsClients, MemoryRecorder } from "../../automation/aws/clients";
import { run } from "../../automation/cli/program";
import { sha256Hex } from "../../automation/evidence/store";
import { InputError } from "../../automation/input/targets";
import { openJournals } from "../../automation/journal/open";
import { respond } from "../../automation/respond/respond";
import { FLOW_LOG_FIELDS } from "../../facts/flow-logs";
import { evidenceBucketName } from "../../facts/names";
import { RESPONDER_ACTIONS } from "../../facts/responder-actions";
import { trailEvent } from "../fixtures/analyze/cloudtrail";
import { TEST_ACCOUNT, TEST_CREDENTIALS, TEST_REGION } from "../helpers/moto";
import { type Account, setupAccount } from "../helpers/responder";

const OUTSIDE = "203.0.113.9";
const AWS_EC2 = "3.64.10.20"; // 3.64.0.0/12 is EC2 eu-central-1 in the fixture ranges
const FINDING_PEER = "198.51.100.99";
const FLOW_PEER = "192.0.2.44";
const RANGES = "test/fixtures/analyze/ip-ranges.json";
const ARCHIVE = "ir-log-archive-analyze-test";

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");

interface Fixture {
  a: Account;
  caseId: string;
  privateIp: string;
  natIp: string;
  since: string;
  until: string;
}

async function containedCase(): Promise<Fixture> {
  const a = await setupAccount({ groups: true });
  const now = Date.now();
  const instanceId = a.world.solo;
  const inst = (await a.clients.ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] })))
    .Reservations![0]!.Instances![0]!;
  // A NAT gateway in the VPC: the instance's egress address, not an attacker's.
  const alloc = await a.clients.ec2.send(new AllocateAddressCommand({ Domain: "vpc" }));
  await a.clients.ec2.send(
    new CreateNatGatewayCommand({ SubnetId: a.world.subnets[0]!, AllocationId: alloc.AllocationId! }),
  );
  // The VPC's flow logs go to the log archive in S3, in the baseline's format. moto 5.2 takes a
  // destination with a prefix ("arn:aws:s3:::bucket/prefix") for a bucket name and refuses it, so
  // the logs go to the bucket's root here (the prefix case is unit-tested in case-inputs).
  await a.clients.s3.send(new CreateBucketCommand({ Bucket: ARCHIVE }));
  await a.clients.ec2.send(
    new CreateFlowLogsCommand({
      ResourceIds: [a.world.vpcId],
      ResourceType: "VPC",
      TrafficType: "ALL",
      LogDestinationType: "s3",
      LogDestination: `arn:aws:s3:::${ARCHIVE}`,
    }),
  );
  const at = new Date(now - 10 * 60_000);
  const hour = `${at.getUTCFullYear()}/${String(at.getUTCMonth() + 1).padStart(2, "0")}/${String(at.getUTCDate()).padStart(2, "0")}/${String(at.getUTCHours()).padStart(2, "0")}`;
  const eni = inst.NetworkInterfaces![0]!.NetworkInterfaceId!;
  const secs = String(Math.floor(at.getTime() / 1000));
  const record = (src: string, dst: string, bytes: string) => {
    const r: Record<string, string> = {
      version: "5",
      "account-id": TEST_ACCOUNT,
      "interface-id": eni,
      srcaddr: src,
      dstaddr: dst,
      srcport: "44321",
      dstport: "443",
      protocol: "6",
      packets: "12",
      bytes,
      start: secs,
      end: secs,
      action: "ACCEPT",
      "log-status": "OK",
      "vpc-id": a.world.vpcId,
      "instance-id": instanceId,
    };
    return FLOW_LOG_FIELDS.map((f) => r[f] ?? "-").join(" ");
  };
  await a.clients.s3.send(
    new PutObjectCommand({
      Bucket: ARCHIVE,
      Key: `AWSLogs/${TEST_ACCOUNT}/vpcflowlogs/${TEST_REGION}/${hour}/${TEST_ACCOUNT}_vpcflowlogs_${TEST_REGION}_fl-1_x.log.gz`,
      Body: gzipSync(
        `${[FLOW_LOG_FIELDS.join(" "), record(inst.PrivateIpAddress!, FLOW_PEER, "90000"), record(FLOW_PEER, inst.PrivateIpAddress!, "1200")].join("\n")}\n`,
      ),
    }),
  );
  const finding = {
    schemaVersion: "2.0",
    id: "gd-finding-1",
    type: "UnauthorizedAccess:EC2/SSHBruteForce",
    region: TEST_REGION,
    resource: { resourceType: "Instance", instanceDetails: { instanceId } },
    service: {
      eventFirstSeen: iso(now - 2 * 3_600_000),
      eventLastSeen: iso(now - 60_000),
      action: {
        actionType: "NETWORK_CONNECTION",
        networkConnectionAction: {
          connectionDirection: "INBOUND",
          protocol: "TCP",
          localPortDetails: { port: 22 },
          remoteIpDetails: { ipAddressV4: FINDING_PEER, organization: { asnOrg: "Example Hosting" } },
        },
      },
    },
  };
  const [r] = await respond({
    targets: [
      {
        instanceId,
        source: {
          kind: "guardduty",
          findingId: finding.id,
          firstSeen: finding.service.eventFirstSeen,
          finding,
        },
      },
    ],
    settings: a.settings,
    clients: a.responder,
    options: { dwellMs: 0 },
  });
  expect(r!.status, r!.error).to.equal("contained");
  return {
    a,
    caseId: r!.caseId!,
    privateIp: inst.PrivateIpAddress!,
    natIp: alloc.PublicIp!,
    since: iso(now - 3_600_000),
    until: iso(now + 60_000),
  };
}

function item(id: string, time: string, cidr: string, stateId: string, related: string[]): ConfigurationItem {
  return {
    version: "1.3",
    accountId: TEST_ACCOUNT,
    configurationItemCaptureTime: new Date(time),
    configurationItemStatus: "OK",
    configurationStateId: stateId,
    resourceType: "AWS::EC2::SecurityGroup",
    resourceId: id,
    awsRegion: TEST_REGION,
    relatedEvents: related,
    configuration: JSON.stringify({ groupId: id, ipPermissions: [{ ipRanges: [{ cidrIp: cidr }] }] }),
  };
}

describe("ir analyze on a contained case (integration)", function () {
  this.timeout(120_000);
  let f: Fixture;
  before(async () => {
    f = await containedCase();
  });

  describe("with CloudTrail and Config answering in their real formats (SDK stubs)", () => {
    let trail: AwsClientStub<CloudTrailClient>;
    let config: AwsClientStub<ConfigServiceClient>;
    let write: Event;
    before(() => {
      trail = mockClient(CloudTrailClient);
      config = mockClient(ConfigServiceClient);
      const t = (minAgo: number) => iso(Date.now() - minAgo * 60_000);
      const session = { role: f.a.world.roleName, name: f.a.world.solo };
      const page1 = [
        trailEvent({
          time: t(40),
          name: "DescribeInstances",
          source: "ec2.amazonaws.com",
          sourceIp: f.privateIp,
          session,
        }),
        trailEvent({
          time: t(39),
          name: "GetCallerIdentity",
          source: "sts.amazonaws.com",
          sourceIp: f.natIp,
          session,
        }),
      ];
      const page2 = [
        trailEvent({ time: t(30), name: "ListBuckets", sourceIp: OUTSIDE, session }),
        trailEvent({
          time: t(29),
          name: "DescribeInstances",
          source: "ec2.amazonaws.com",
          sourceIp: AWS_EC2,
          session,
        }),
      ];
      write = trailEvent({
        time: t(20),
        name: "AuthorizeSecurityGroupIngress",
        source: "ec2.amazonaws.com",
        sourceIp: OUTSIDE,
        readOnly: false,
        user: { arn: `arn:aws:iam::${TEST_ACCOUNT}:user/mallory`, name: "mallory" },
        resources: [{ type: "AWS::EC2::SecurityGroup", name: f.a.world.webGroup }],
      });
      trail.on(LookupEventsCommand).callsFake((input) => {
        const attr = input.LookupAttributes?.[0];
        if (attr?.AttributeKey === "Username")
          return input.NextToken === "page-2" ? { Events: page2 } : { Events: page1, NextToken: "page-2" };
        if (attr?.AttributeKey === "ResourceName" && attr.AttributeValue === f.a.world.webGroup)
          return { Events: [write] };
        return { Events: [] };
      });
      config.on(ListDiscoveredResourcesCommand).resolves({ resourceIdentifiers: [] });
      config.on(GetResourceConfigHistoryCommand).callsFake((input) => {
        if (input.resourceId !== f.a.world.webGroup)
          throw Object.assign(new Error("not recorded"), { name: "ResourceNotDiscoveredException" });
        // The item before the window (the baseline), then the window's items in forward order.
        return input.earlierTime
          ? { configurationItems: [item(f.a.world.webGroup, t(19), "0.0.0.0/0", "2", [write.EventId!])] }
          : { configurationItems: [item(f.a.world.webGroup, t(70), "10.0.0.0/16", "1", [])] };
      });
    });
    after(() => {
      trail.restore();
      config.restore();
    });

    it("lists the addresses that matter with their evidence, and the change timeline, journaled and locked", async () => {
      const recorder = new MemoryRecorder();
      const clients = new AwsClients({
        endpoint: f.a.endpoint,
        region: TEST_REGION,
        credentials: TEST_CREDENTIALS,
        retry: { maxAttempts: 1 },
        recorder,
      });
      const r = await analyzeCase({
        caseId: f.caseId,
        settings: f.a.settings,
        clients,
        ipRangesFile: RANGES,
        since: f.since,
        until: f.until,
      });
      expect(r.status, JSON.stringify(r.steps)).to.equal("analyzed");
      expect(r.steps.map((s) => [s.id, s.status])).to.deep.equal([
        ["analyze-window", "verified"],
        ["analyze-attacker-ips", "verified"],
        ["analyze-change-history", "verified"],
        ["analyze-evidence", "verified"],
      ]);
      const ips = r.attackerIps!;
      const by = new Map(ips.addresses.map((x) => [x.address, x]));
      // The instance's own address and its NAT gateway's are not attackers.
      expect(by.has(f.privateIp)).to.equal(false);
      expect(by.has(f.natIp)).to.equal(false);
      expect(by.get(OUTSIDE)!.evidence.credentialUse!.eventNames.map((e) => e.key)).to.include(
        "s3:ListBuckets",
      );
      expect(by.get(OUTSIDE)!.scope).to.equal("internet");
      const aws = by.get(AWS_EC2)!;
      expect(aws.scope).to.equal("aws");
      expect(aws.aws!.service).to.equal("EC2");
      expect(aws.abuse.contacts).to.include("abuse@amazonaws.com");
      expect(by.get(FINDING_PEER)!.sources).to.deep.equal(["finding"]);
      expect(by.get(FLOW_PEER)!.evidence.flowLogs!.bytesOut).to.equal(90_000);
      expect(ips.sources.flowLogs.status).to.equal("done");
      // Both CloudTrail pages were read.
      expect(
        trail.commandCalls(LookupEventsCommand).some((c) => c.args[0].input.NextToken === "page-2"),
      ).to.equal(true);
      const timeline = r.changeHistory!;
      const ingress = timeline.entries.find((e) => e.eventName === "AuthorizeSecurityGroupIngress")!;
      expect(ingress.who!.arn).to.equal(`arn:aws:iam::${TEST_ACCOUNT}:user/mallory`);
      const cfg = timeline.entries.find((e) => e.source === "config" && e.changes?.length)!;
      expect(cfg.who?.arn, "the Config item gets its actor from the related event").to.equal(
        `arn:aws:iam::${TEST_ACCOUNT}:user/mallory`,
      );
      expect(JSON.stringify(cfg.changes)).to.include("0.0.0.0/0");
      expect(timeline.gaps.join("\n")).to.match(/AWS::IAM::Role .*not found in AWS Config/);

      // The journal holds the same structured records (what reports read).
      const found = await openJournals(f.a.clients, f.a.settings).dynamo.readCase(f.caseId);
      const ran = (id: string) =>
        (
          found!.entries.filter((e) => e.stepId === id && e.event === "ran").pop()!.data as {
            record: unknown;
          }
        ).record;
      expect(ran("analyze-attacker-ips")).to.deep.equal(JSON.parse(JSON.stringify(ips)));
      expect(ran("analyze-change-history")).to.deep.equal(JSON.parse(JSON.stringify(timeline)));
      // analysis.json is in the evidence bucket with the recorded hash.
      const art = (ran("analyze-evidence") as { artefact: { key: string; sha256: string } }).artefact;
      const body = await f.a.clients.s3
        .send(new GetObjectCommand({ Bucket: evidenceBucketName(TEST_ACCOUNT, TEST_REGION), Key: art.key }))
        .then((o) => o.Body!.transformToString());
      expect(sha256Hex(body)).to.equal(art.sha256);
      expect(JSON.parse(body).attackerIps.addresses).to.have.length(ips.addresses.length);
      const unlisted = recorder.actions().filter((x) => !RESPONDER_ACTIONS.includes(x));
      expect(unlisted, "called but missing from RESPONDER_ACTIONS").to.deep.equal([]);
    });

    it("ir analyze --json prints one document; the text form is terminal-safe", async () => {
      const lines: string[] = [];
      const err = { isTTY: false, write: () => true } as unknown as NodeJS.WriteStream;
      const common = ["--endpoint", f.a.endpoint, "--state-dir", f.a.stateDir, "--region", TEST_REGION];
      const code = await run(
        [
          "node",
          "ir",
          "analyze",
          f.caseId,
          "--ip-ranges",
          RANGES,
          "--since",
          f.since,
          "--until",
          f.until,
          "--json",
          ...common,
        ],
        { out: (s) => lines.push(s), err },
      );
      expect(code).to.equal(0);
      const doc = JSON.parse(lines.join("\n"));
      expect(doc.command).to.equal("analyze");
      expect(doc.attackerIps.addresses.map((x: { address: string }) => x.address)).to.include(OUTSIDE);
      const text: string[] = [];
      expect(
        await run(["node", "ir", "analyze", f.caseId, "--since", f.since, "--until", f.until, ...common], {
          out: (s) => text.push(s),
          err,
        }),
      ).to.equal(0);
      expect(text.join("\n")).to.include(OUTSIDE).and.include("AuthorizeSecurityGroupIngress");
      const controls = [...text.join("\n")].filter((ch) => {
        const c = ch.charCodeAt(0);
        return c < 9 || c === 0x1b || c === 0x9b;
      });
      expect(controls, "escape and control characters reach the terminal").to.deep.equal([]);
    });
  });

  it("CloudTrail and Config unavailable (moto answers 500): sources recorded unavailable, the rest still answers", async () => {
    const r = await analyzeCase({
      caseId: f.caseId,
      settings: f.a.settings,
      clients: f.a.clients,
      since: f.since,
      until: f.until,
    });
    expect(r.status, JSON.stringify(r.steps)).to.equal("analyzed");
    expect(r.attackerIps!.sources.cloudtrail.status).to.equal("failed");
    expect(r.notes.join("\n")).to.match(
      /cloudtrail unavailable: the service answered HTTP 500 without a readable error \(an outage, or an emulator without this API\)/,
    );
    expect(
      r.attackerIps!.addresses.map((x) => x.address),
      JSON.stringify(r.attackerIps!.sources),
    ).to.include.members([FINDING_PEER, FLOW_PEER]);
    expect(r.changeHistory!.gaps.join("\n")).to.match(/CloudTrail lookup failed/);
  });

  it("ir analyze --help names every option", async () => {
    const lines: string[] = [];
    const err = { isTTY: false, write: () => true } as unknown as NodeJS.WriteStream;
    expect(await run(["node", "ir", "analyze", "--help"], { out: (s) => lines.push(s), err })).to.equal(0);
    const help = lines.join("\n");
    for (const o of ["<case-id>", "--ip-ranges <file>", "--since <iso>", "--until <iso>", "--json"])
      expect(help).to.include(o);
  });

  it("bad input: unknown case, malformed ip-ranges.json, a window that ends before it starts; nothing journaled", async () => {
    const journal = openJournals(f.a.clients, f.a.settings).dynamo;
    const before = (await journal.readCase(f.caseId))!.entries.length;
    const req = { settings: f.a.settings, clients: f.a.clients };
    const fail = (p: Promise<unknown>) =>
      p.then(
        () => expect.fail("expected an input error"),
        (err: Error) => {
          expect(err).to.be.instanceOf(InputError);
          return err.message;
        },
      );
    expect(await fail(analyzeCase({ ...req, caseId: "c-20260101t000000z-abcdef" }))).to.match(
      /case "c-20260101t000000z-abcdef" was not found/,
    );
    expect(await fail(analyzeCase({ ...req, caseId: "case-1" }))).to.match(/case id "case-1" is not valid/);
    expect(await fail(analyzeCase({ ...req, caseId: f.caseId, ipRangesFile: "package.json" }))).to.match(
      /package\.json/,
    );
    expect(await fail(analyzeCase({ ...req, caseId: f.caseId, since: f.until, until: f.since }))).to.match(
      /is not after its start/,
    );
    expect((await journal.readCase(f.caseId))!.entries.length).to.equal(before);
    const lines: string[] = [];
    let stderr = "";
    const err = {
      isTTY: false,
      write: (text: string) => {
        stderr += text;
        return true;
      },
    } as unknown as NodeJS.WriteStream;
    const code = await run(
      [
        "node",
        "ir",
        "analyze",
        f.caseId,
        "--ip-ranges",
        "package.json",
        "--endpoint",
        f.a.endpoint,
        "--state-dir",
        f.a.stateDir,
      ],
      { out: (s) => lines.push(s), err },
    );
    expect(code).to.equal(2);
    expect(stderr).to.match(/^ir: .*package\.json/);
  });
});
