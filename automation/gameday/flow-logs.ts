/**
 * VPC flow logs for the game day: the workload VPC's flow log to the log archive in S3 with the
 * baseline's record format (facts/flow-logs.ts), and the records a scenario's traffic leaves there,
 * delivered the way AWS delivers them (gzip files per hour under AWSLogs/<account>/vpcflowlogs/...).
 * moto never writes flow-log records itself, so the game day writes what AWS would have: this is how
 * `ir analyze` gets the attacker's addresses that a finding does not name.
 */
import { randomBytes } from "node:crypto";
import { gzipSync } from "node:zlib";
import { CreateFlowLogsCommand } from "@aws-sdk/client-ec2";
import { CreateBucketCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { FLOW_LOG_FIELDS, FLOW_LOG_FORMAT, FLOW_LOG_PREFIX } from "../../facts/flow-logs";
import type { AwsClients } from "../aws/clients";
import type { Victim } from "./findings";

export interface FlowLogSink {
  bucket: string;
  /** Key prefix before AWSLogs/ ("" at the bucket's root). */
  prefix: string;
  flowLogId: string;
}

/** One flow the attack made, as seen from the victim's ENI. */
export interface Flow {
  direction: "ingress" | "egress";
  remote: string;
  remotePort: number;
  localPort: number;
  protocol: "tcp" | "udp";
  /** Flows (records) to write, spread over the attack's duration. */
  count: number;
  bytes: number;
}

export async function seedFlowLogs(c: AwsClients, accountId: string, vpcId: string): Promise<FlowLogSink> {
  const bucket = `ir-log-archive-${accountId}-${c.region}`;
  await c.s3.send(new CreateBucketCommand({ Bucket: bucket }));
  const res = await c.ec2.send(
    new CreateFlowLogsCommand({
      ResourceIds: [vpcId],
      ResourceType: "VPC",
      TrafficType: "ALL",
      LogDestinationType: "s3",
      // Under the baseline's folder (the responder's policy lets it read only there). moto 5.2 refuses a
      // folder in the destination; the strict layer's moto-flow-log-s3-prefix rule takes it as AWS does.
      LogDestination: `arn:aws:s3:::${bucket}/${FLOW_LOG_PREFIX}`,
      LogFormat: FLOW_LOG_FORMAT,
      MaxAggregationInterval: 60,
    }),
  );
  const flowLogId = res.FlowLogIds?.[0];
  if (!flowLogId)
    throw new Error(`flow log for ${vpcId} was not created: ${JSON.stringify(res.Unsuccessful ?? [])}`);
  return { bucket, prefix: FLOW_LOG_PREFIX, flowLogId };
}

const PROTOCOL = { tcp: 6, udp: 17 } as const;
const pad = (n: number) => String(n).padStart(2, "0");

/** Writes the attack's flow records to the hour folder AWS would deliver them to. */
export async function deliverFlows(
  c: AwsClients,
  sink: FlowLogSink,
  v: Victim,
  flows: Flow[],
  from: Date,
  to: Date,
): Promise<number> {
  if (flows.length === 0) return 0;
  const start = Math.floor(from.getTime() / 1000);
  const end = Math.max(start, Math.floor(to.getTime() / 1000));
  const lines: string[] = [FLOW_LOG_FIELDS.join(" ")];
  for (const f of flows) {
    for (let i = 0; i < f.count; i++) {
      const inbound = f.direction === "ingress";
      const record: Record<(typeof FLOW_LOG_FIELDS)[number], string | number> = {
        version: 5,
        "account-id": v.accountId,
        "interface-id": v.eniId,
        srcaddr: inbound ? f.remote : v.privateIp,
        dstaddr: inbound ? v.privateIp : f.remote,
        srcport: inbound ? f.remotePort + i : f.localPort + i,
        dstport: inbound ? f.localPort : f.remotePort,
        protocol: PROTOCOL[f.protocol],
        packets: Math.max(1, Math.round(f.bytes / 512)),
        bytes: f.bytes,
        start,
        end,
        action: "ACCEPT",
        "log-status": "OK",
        "vpc-id": v.vpcId,
        "subnet-id": v.subnetId,
        "instance-id": v.instanceId,
        "tcp-flags": f.protocol === "tcp" ? 19 : 0,
        "pkt-srcaddr": inbound ? f.remote : v.privateIp,
        "pkt-dstaddr": inbound ? v.privateIp : f.remote,
        "flow-direction": f.direction,
        "traffic-path": inbound ? "-" : 8,
      };
      lines.push(FLOW_LOG_FIELDS.map((k) => String(record[k])).join(" "));
    }
  }
  const d = new Date(end * 1000);
  const day = `${d.getUTCFullYear()}/${pad(d.getUTCMonth() + 1)}/${pad(d.getUTCDate())}/${pad(d.getUTCHours())}`;
  const stamp = `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}T${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}Z`;
  const key = `${sink.prefix ? `${sink.prefix}/` : ""}AWSLogs/${v.accountId}/vpcflowlogs/${v.region}/${day}/${v.accountId}_vpcflowlogs_${v.region}_${sink.flowLogId}_${stamp}_${randomBytes(4).toString("hex")}.log.gz`;
  await c.s3.send(
    new PutObjectCommand({ Bucket: sink.bucket, Key: key, Body: gzipSync(`${lines.join("\n")}\n`) }),
  );
  return lines.length - 1;
}
