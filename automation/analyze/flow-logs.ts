/**
 * The instance's peers in its VPC flow logs within the window: list the hour folders, stream and
 * gunzip each file line by line (files can be large; nothing is held whole in memory), keep the
 * records of the instance's ENIs or instance id, and aggregate per remote address.
 */

import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from "@aws-sdk/client-s3";
import { CappedSet, Counter } from "./counter";
import { type FlowLogLocation, hourPrefixes } from "./flow-log-keys";
import { fieldsFromHeader, missingFields, parseRecord, viewFromInstance } from "./flow-log-records";
import type { CheckedSubject, IncidentWindow } from "./subject";

export interface FlowPeer {
  address: string;
  flows: number;
  bytesIn: number;
  bytesOut: number;
  packetsIn: number;
  packetsOut: number;
  accepted: number;
  rejected: number;
  /** Instance-side ports (a listening service when the peer connected in). */
  localPorts: number[];
  remotePorts: number[];
  protocols: string[];
  /** ISO times from the records' start/end. */
  firstSeen: string;
  lastSeen: string;
  /** True when the port lists were capped. */
  portsTruncated: boolean;
}

export interface FlowLogResult {
  peers: FlowPeer[];
  files: number;
  records: number;
  /** Records of this instance within the window. */
  matched: number;
  /** Lines that did not parse (wrong field count), and files skipped with the reason. */
  badLines: number;
  skippedFiles: { key: string; reason: string }[];
  prefixes: string[];
}

export interface FlowLogOptions {
  /** @default 168 (7 days) */
  maxHours?: number;
  /** Files read at once. @default 4 */
  concurrency?: number;
}

class PeerAggregate {
  flows = 0;
  bytesIn = 0;
  bytesOut = 0;
  packetsIn = 0;
  packetsOut = 0;
  accepted = 0;
  rejected = 0;
  first = Number.POSITIVE_INFINITY;
  last = 0;
  readonly local = new CappedSet<number>(50);
  readonly remote = new CappedSet<number>(50);
  readonly protocols = new Counter();
  constructor(readonly address: string) {}
  result(): FlowPeer {
    const iso = (s: number) => new Date(s * 1000).toISOString();
    return {
      address: this.address,
      flows: this.flows,
      bytesIn: this.bytesIn,
      bytesOut: this.bytesOut,
      packetsIn: this.packetsIn,
      packetsOut: this.packetsOut,
      accepted: this.accepted,
      rejected: this.rejected,
      localPorts: this.local.values().sort((a, b) => a - b),
      remotePorts: this.remote.values().sort((a, b) => a - b),
      protocols: this.protocols.top().map((p) => p.key),
      firstSeen: iso(this.first),
      lastSeen: iso(this.last),
      portsTruncated: this.local.overflow || this.remote.overflow,
    };
  }
}

async function listKeys(s3: S3Client, bucket: string, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({
        Bucket: bucket,
        Prefix: prefix,
        ...(token ? { ContinuationToken: token } : {}),
      }),
    );
    for (const o of page.Contents ?? []) if (o.Key?.endsWith(".log.gz")) keys.push(o.Key);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return keys;
}

export async function readFlowLogs(
  s3: S3Client,
  location: FlowLogLocation,
  subject: CheckedSubject,
  window: IncidentWindow,
  options: FlowLogOptions = {},
): Promise<FlowLogResult> {
  const prefixes = hourPrefixes(location, window, options.maxHours);
  const enis = new Set(subject.eniIds);
  const from = window.start.getTime() / 1000;
  const to = window.end.getTime() / 1000;
  const peers = new Map<string, PeerAggregate>();
  const result: FlowLogResult = {
    peers: [],
    files: 0,
    records: 0,
    matched: 0,
    badLines: 0,
    skippedFiles: [],
    prefixes,
  };

  const readFile = async (key: string) => {
    let body: Readable | undefined;
    try {
      body = (await s3.send(new GetObjectCommand({ Bucket: location.bucket, Key: key }))).Body as
        | Readable
        | undefined;
    } catch (err) {
      // One unreadable file (e.g. kms:Decrypt denied on the archive key) must not hide the others.
      return void result.skippedFiles.push({
        key,
        reason: `${(err as Error).name}: ${(err as Error).message}`,
      });
    }
    if (!body) return void result.skippedFiles.push({ key, reason: "empty body" });
    const gunzip = createGunzip();
    // pipe() does not forward errors: a connection reset mid-file must fail the file, not hang it.
    body.once("error", (err) => gunzip.destroy(err));
    const lines = createInterface({
      input: body.pipe(gunzip),
      crlfDelay: Number.POSITIVE_INFINITY,
    });
    let fields: string[] | undefined;
    try {
      for await (const line of lines) {
        if (!line.trim()) continue;
        if (!fields) {
          const head = fieldsFromHeader(line);
          fields = head.fields;
          const missing = missingFields(fields);
          if (missing.length)
            return void result.skippedFiles.push({ key, reason: `log format lacks ${missing.join(", ")}` });
          if (head.isHeader) continue;
        }
        const r = parseRecord(fields, line);
        if (!r) {
          result.badLines++;
          continue;
        }
        result.records++;
        if (!enis.has(r["interface-id"]!) && r["instance-id"] !== subject.instanceId) continue;
        const v = viewFromInstance(r, subject.ownAddresses);
        if (!v || v.end < from || v.start > to) continue;
        result.matched++;
        let p = peers.get(v.remote);
        if (!p) {
          p = new PeerAggregate(v.remote);
          peers.set(v.remote, p);
        }
        p.flows++;
        if (v.direction === "ingress") {
          p.bytesIn += v.bytes;
          p.packetsIn += v.packets;
        } else {
          p.bytesOut += v.bytes;
          p.packetsOut += v.packets;
        }
        if (v.action === "ACCEPT") p.accepted++;
        else if (v.action === "REJECT") p.rejected++;
        if (v.localPort !== undefined) p.local.add(v.localPort);
        if (v.remotePort !== undefined) p.remote.add(v.remotePort);
        p.protocols.add(v.protocol);
        p.first = Math.min(p.first, v.start);
        p.last = Math.max(p.last, v.end);
      }
    } catch (err) {
      result.skippedFiles.push({ key, reason: `not readable as gzip text: ${(err as Error).message}` });
    } finally {
      lines.close();
    }
  };

  const keys: string[] = [];
  for (const prefix of prefixes) keys.push(...(await listKeys(s3, location.bucket, prefix)));
  result.files = keys.length;
  const queue = [...keys];
  const worker = async () => {
    for (let key = queue.shift(); key !== undefined; key = queue.shift()) await readFile(key);
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 4) }, worker));
  result.peers = [...peers.values()]
    .map((p) => p.result())
    .sort((a, b) => b.bytesIn + b.bytesOut - (a.bytesIn + a.bytesOut) || a.address.localeCompare(b.address));
  return result;
}
