/**
 * Flow logs read back from S3 (moto): gzipped plain-text files with a header line, under the
 * baseline's per-hour keys, streamed through the same code `ir analyze` runs.
 */

import { Readable } from "node:stream";
import { gzipSync } from "node:zlib";
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { expect } from "chai";
import { hourPrefixes } from "../../automation/analyze/flow-log-keys";
import { readFlowLogs } from "../../automation/analyze/flow-logs";
import { AnalyzeInputError, checkSubject, checkWindow } from "../../automation/analyze/subject";
import { FLOW_LOG_FIELDS } from "../../facts/flow-logs";
import { ACCOUNT, ENI, INSTANCE_ID, PRIVATE_IP, SUBJECT } from "../fixtures/analyze/cloudtrail";
import { TEST_CREDENTIALS, useMoto } from "../helpers/moto";

const BUCKET = "log-archive-111122223333";
const REGION = "eu-central-1";
const LOCATION = { bucket: BUCKET, accountId: ACCOUNT, region: REGION };
const WINDOW = checkWindow("2026-11-28T02:00:00Z", "2026-11-28T06:00:00Z");
const t = (iso: string) => String(Date.parse(iso) / 1000);

type Rec = Partial<Record<(typeof FLOW_LOG_FIELDS)[number], string>>;

/** One record in the baseline's format; unspecified fields take typical values. */
function rec(r: Rec): string {
  const base: Rec = {
    version: "5",
    "account-id": ACCOUNT,
    "interface-id": ENI,
    srcport: "0",
    dstport: "0",
    protocol: "6",
    packets: "10",
    bytes: "1000",
    action: "ACCEPT",
    "log-status": "OK",
    "vpc-id": "vpc-0a1b2c3d4e5f60718",
    "subnet-id": "subnet-0a1b2c3d",
    "instance-id": INSTANCE_ID,
    "tcp-flags": "2",
    "pkt-srcaddr": "-",
    "pkt-dstaddr": "-",
    "flow-direction": "-",
    "traffic-path": "-",
  };
  const all = { ...base, ...r };
  return FLOW_LOG_FIELDS.map((f) => all[f] ?? "-").join(" ");
}

const key = (hour: string, name: string) =>
  `vpc-flow-logs/AWSLogs/${ACCOUNT}/vpcflowlogs/${REGION}/2026/11/28/${hour}/${ACCOUNT}_vpcflowlogs_${REGION}_fl-0123456789abcdef0_20261128T${hour}05Z_${name}.log.gz`;
const file = (lines: string[], header = FLOW_LOG_FIELDS.join(" ")) =>
  gzipSync([header, ...lines].join("\n") + "\n");

describe("analyze: flow-log peers from S3 (moto)", () => {
  let s3: S3Client;

  before(async () => {
    const endpoint = await useMoto();
    s3 = new S3Client({
      endpoint,
      forcePathStyle: true,
      region: "us-east-1",
      credentials: TEST_CREDENTIALS,
      maxAttempts: 1,
    });
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    const put = (k: string, body: Buffer) =>
      s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: k, Body: body }));
    await put(
      key("03", "a1"),
      file([
        // Inbound SSH from the attacker, and the instance's answers.
        rec({
          srcaddr: "203.0.113.66",
          dstaddr: PRIVATE_IP,
          srcport: "51234",
          dstport: "22",
          bytes: "5000",
          packets: "40",
          start: t("2026-11-28T03:00:00Z"),
          end: t("2026-11-28T03:01:00Z"),
          "flow-direction": "ingress",
        }),
        rec({
          srcaddr: PRIVATE_IP,
          dstaddr: "203.0.113.66",
          srcport: "22",
          dstport: "51234",
          bytes: "7000",
          packets: "35",
          start: t("2026-11-28T03:00:00Z"),
          end: t("2026-11-28T03:01:00Z"),
          "flow-direction": "egress",
        }),
        // Exfiltration to an EC2 address elsewhere.
        rec({
          srcaddr: PRIVATE_IP,
          dstaddr: "3.64.10.20",
          srcport: "40001",
          dstport: "443",
          bytes: "900000000",
          packets: "600000",
          start: t("2026-11-28T03:10:00Z"),
          end: t("2026-11-28T03:11:00Z"),
        }),
        // A rejected probe, and traffic through a load balancer (original client in pkt-srcaddr).
        rec({
          srcaddr: "192.0.2.10",
          dstaddr: PRIVATE_IP,
          srcport: "555",
          dstport: "3389",
          action: "REJECT",
          start: t("2026-11-28T03:15:00Z"),
          end: t("2026-11-28T03:16:00Z"),
        }),
        rec({
          srcaddr: "10.0.0.5",
          dstaddr: PRIVATE_IP,
          "pkt-srcaddr": "198.51.100.200",
          srcport: "6000",
          dstport: "80",
          start: t("2026-11-28T03:20:00Z"),
          end: t("2026-11-28T03:21:00Z"),
          "flow-direction": "ingress",
        }),
        // Another instance's ENI: not ours.
        rec({
          "interface-id": "eni-0ffffffffffffffff",
          "instance-id": "i-0fffffffffffffff0",
          srcaddr: "203.0.113.250",
          dstaddr: "10.0.1.99",
          dstport: "22",
          start: t("2026-11-28T03:00:00Z"),
          end: t("2026-11-28T03:01:00Z"),
        }),
        // A NODATA record and a damaged line.
        rec({
          srcaddr: "-",
          dstaddr: "-",
          "log-status": "NODATA",
          start: t("2026-11-28T03:30:00Z"),
          end: t("2026-11-28T03:31:00Z"),
        }),
        "garbage line",
      ]),
    );
    // Before the window (in the window's first hour folder): filtered by time.
    await put(
      key("02", "b1"),
      file([
        rec({
          srcaddr: "192.0.2.44",
          dstaddr: PRIVATE_IP,
          dstport: "22",
          start: t("2026-11-28T01:58:00Z"),
          end: t("2026-11-28T01:59:00Z"),
        }),
      ]),
    );
    // Delivered in the hour after the window: its records still count.
    await put(
      key("06", "c1"),
      file([
        rec({
          srcaddr: "203.0.113.66",
          dstaddr: PRIVATE_IP,
          srcport: "51299",
          dstport: "22",
          bytes: "100",
          packets: "2",
          start: t("2026-11-28T05:59:00Z"),
          end: t("2026-11-28T06:00:00Z"),
        }),
      ]),
    );
    // A file in another format (the default v2 fields), matched by ENI through its header.
    await put(
      key("04", "d1"),
      file(
        [
          `2 ${ACCOUNT} ${ENI} 10.0.1.25 2001:db8:bad::1 40002 8080 6 3 180 ${t("2026-11-28T04:00:00Z")} ${t("2026-11-28T04:01:00Z")} ACCEPT OK`,
        ],
        "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status",
      ),
    );
    await put(key("05", "e1"), Buffer.from("this is not gzip"));
    // Outside the listed hours entirely.
    await put(
      key("09", "f1"),
      file([
        rec({
          srcaddr: "192.0.2.99",
          dstaddr: PRIVATE_IP,
          start: t("2026-11-28T09:00:00Z"),
          end: t("2026-11-28T09:01:00Z"),
        }),
      ]),
    );
  });

  it("1. GIVEN the window WHEN the flow logs are read THEN peers are aggregated per remote address", async () => {
    const r = await readFlowLogs(s3, LOCATION, checkSubject({ ...SUBJECT, ipv6: [] }), WINDOW);
    const byAddress = Object.fromEntries(r.peers.map((p) => [p.address, p]));
    expect(Object.keys(byAddress).sort()).to.deep.equal([
      "192.0.2.10",
      "198.51.100.200",
      "2001:db8:bad::1",
      "203.0.113.66",
      "3.64.10.20",
    ]);
    expect(r.peers[0]!.address).to.equal("3.64.10.20");
    expect(byAddress["3.64.10.20"]).to.deep.include({
      bytesOut: 900000000,
      bytesIn: 0,
      remotePorts: [443],
      protocols: ["tcp"],
    });
    expect(byAddress["203.0.113.66"]).to.deep.include({
      flows: 3,
      bytesIn: 5100,
      bytesOut: 7000,
      packetsIn: 42,
      packetsOut: 35,
      localPorts: [22],
      accepted: 3,
      firstSeen: "2026-11-28T03:00:00.000Z",
      lastSeen: "2026-11-28T06:00:00.000Z",
    });
    expect(byAddress["192.0.2.10"]).to.deep.include({ rejected: 1, accepted: 0, localPorts: [3389] });
    expect(byAddress["198.51.100.200"]!.localPorts).to.deep.equal([80]);
    expect(byAddress["2001:db8:bad::1"]).to.deep.include({ bytesOut: 180, remotePorts: [8080] });
  });

  it("2. lists only the window's hours plus one, and reports damaged files and lines", async () => {
    const r = await readFlowLogs(s3, LOCATION, checkSubject(SUBJECT), WINDOW);
    expect(r.prefixes.map((p) => p.split("/").slice(-5, -1).join("/"))).to.deep.equal([
      "2026/11/28/02",
      "2026/11/28/03",
      "2026/11/28/04",
      "2026/11/28/05",
      "2026/11/28/06",
      "2026/11/28/07",
    ]);
    expect(r.files).to.equal(5);
    expect(r.skippedFiles).to.have.length(1);
    expect(r.skippedFiles[0]!.key).to.match(/_e1\.log\.gz$/);
    expect(r.skippedFiles[0]!.reason).to.match(/not readable as gzip/);
    expect(r.badLines).to.equal(1);
    expect(r.matched).to.equal(7);
  });

  it("3. a window shorter than an hour still lists its hour and the next", () => {
    const p = hourPrefixes(LOCATION, checkWindow("2026-12-31T23:10:00Z", "2026-12-31T23:40:00Z"));
    expect(p).to.deep.equal([
      `vpc-flow-logs/AWSLogs/${ACCOUNT}/vpcflowlogs/${REGION}/2026/12/31/23/`,
      `vpc-flow-logs/AWSLogs/${ACCOUNT}/vpcflowlogs/${REGION}/2027/01/01/00/`,
    ]);
    expect(hourPrefixes({ ...LOCATION, prefix: "/custom/" }, WINDOW)[0]).to.match(/^custom\/AWSLogs\//);
  });

  describe("bad input", () => {
    it("1. a window longer than the bound names the span and the fix", () => {
      const long = checkWindow("2026-11-01T00:00:00Z", "2026-11-28T00:00:00Z");
      expect(() => hourPrefixes(LOCATION, long)).to.throw(
        AnalyzeInputError,
        /spans 650 hours of flow logs, more than the limit of 168: narrow the window/,
      );
    });
    it("2. a bad account or region is refused before any listing", () => {
      expect(() => hourPrefixes({ ...LOCATION, accountId: "1234" }, WINDOW)).to.throw(
        /account id "1234" is not a 12-digit/,
      );
      expect(() => hourPrefixes({ ...LOCATION, region: "Frankfurt" }, WINDOW)).to.throw(
        /region "Frankfurt" is not an AWS region/,
      );
    });
  });
});

describe("analyze: flow-log files that cannot be read (S3 client stub)", () => {
  it("1. a denied GetObject and a stream that breaks mid-file are skipped with their reason; the rest is read", async () => {
    const s3 = new S3Client({ region: "us-east-1", credentials: TEST_CREDENTIALS });
    const stub = mockClient(s3);
    const good = key("03", "good");
    const denied = key("03", "denied");
    const broken = key("03", "broken");
    stub.on(ListObjectsV2Command).callsFake((input) =>
      input.Prefix.endsWith("/03/")
        ? input.ContinuationToken
          ? { Contents: [{ Key: broken }], IsTruncated: false }
          : {
              Contents: [{ Key: good }, { Key: denied }, { Key: `${good}.tmp` }],
              IsTruncated: true,
              NextContinuationToken: "next",
            }
        : { Contents: [], IsTruncated: false },
    );
    const line = rec({
      srcaddr: "203.0.113.66",
      dstaddr: PRIVATE_IP,
      dstport: "22",
      start: t("2026-11-28T03:00:00Z"),
      end: t("2026-11-28T03:01:00Z"),
    });
    stub.on(GetObjectCommand, { Key: good }).callsFake(() => ({ Body: Readable.from([file([line])]) }));
    stub
      .on(GetObjectCommand, { Key: denied })
      .rejects(Object.assign(new Error("Access Denied"), { name: "AccessDenied" }));
    stub.on(GetObjectCommand, { Key: broken }).callsFake(() => {
      const gz = file([line, line, line]);
      const body = new Readable({ read() {} });
      body.push(gz.subarray(0, 20));
      setTimeout(() => body.destroy(Object.assign(new Error("socket hang up"), { code: "ECONNRESET" })), 10);
      return { Body: body };
    });
    const r = await readFlowLogs(s3, LOCATION, checkSubject(SUBJECT), WINDOW);
    expect(r.files).to.equal(3);
    expect(r.skippedFiles.map((f) => [f.key, f.reason])).to.deep.equal([
      [denied, "AccessDenied: Access Denied"],
      [broken, "not readable as gzip text: socket hang up"],
    ]);
    expect(r.peers.map((p) => p.address)).to.deep.equal(["203.0.113.66"]);
  });
});
