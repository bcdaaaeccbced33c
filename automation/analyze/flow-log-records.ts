/**
 * One flow-log record, read through the file's header line (so a log format with other or reordered
 * fields still parses), and its reading from the instance's side: direction, remote address (the
 * original packet address when NAT rewrote it), local and remote ports.
 */
import { FLOW_LOG_FIELDS } from "../../facts/flow-logs";
import { parseAddress } from "./ip";

export type FlowRecord = Record<string, string>;

export interface FlowView {
  direction: "ingress" | "egress";
  remote: string;
  localPort?: number;
  remotePort?: number;
  protocol: string;
  packets: number;
  bytes: number;
  /** Seconds since the epoch. */
  start: number;
  end: number;
  action: string;
}

const REQUIRED = ["interface-id", "srcaddr", "dstaddr", "start", "end"] as const;

/** The field names of a file: its header line when it is one, else the baseline's format. */
export function fieldsFromHeader(line: string): { fields: string[]; isHeader: boolean } {
  const words = line.trim().split(/\s+/);
  if (words.includes("srcaddr") && words.includes("dstaddr")) return { fields: words, isHeader: true };
  return { fields: [...FLOW_LOG_FIELDS], isHeader: false };
}

export function missingFields(fields: readonly string[]): string[] {
  return REQUIRED.filter((f) => !fields.includes(f));
}

export function parseRecord(fields: readonly string[], line: string): FlowRecord | undefined {
  const values = line.trim().split(/\s+/);
  if (values.length !== fields.length) return undefined;
  const r: FlowRecord = {};
  fields.forEach((f, i) => {
    r[f] = values[i]!;
  });
  return r;
}

const present = (v: string | undefined) => (v && v !== "-" ? v : undefined);
const int = (v: string | undefined) => {
  const n = Number(present(v));
  return Number.isFinite(n) ? n : undefined;
};

const PROTOCOLS: Record<string, string> = { "1": "icmp", "6": "tcp", "17": "udp", "58": "icmpv6" };

/**
 * The record as seen from the instance, or undefined for NODATA/SKIPDATA records and records that
 * do not involve the instance's addresses in a way we can read.
 */
export function viewFromInstance(r: FlowRecord, own: Set<string>): FlowView | undefined {
  const src = present(r.srcaddr);
  const dst = present(r.dstaddr);
  if (!src || !dst || (r["log-status"] && r["log-status"] !== "OK")) return undefined;
  const canon = (a: string | undefined) => (a ? (parseAddress(a)?.text ?? a) : undefined);
  let direction: "ingress" | "egress";
  if (r["flow-direction"] === "ingress" || r["flow-direction"] === "egress") direction = r["flow-direction"];
  else if (own.has(canon(src)!)) direction = "egress";
  else direction = "ingress";
  const remote =
    direction === "egress"
      ? canon(present(r["pkt-dstaddr"]) ?? dst)
      : canon(present(r["pkt-srcaddr"]) ?? src);
  if (!remote || own.has(remote)) return undefined;
  const srcPort = int(r.srcport);
  const dstPort = int(r.dstport);
  const localPort = direction === "egress" ? srcPort : dstPort;
  const remotePort = direction === "egress" ? dstPort : srcPort;
  return {
    direction,
    remote,
    ...(localPort !== undefined ? { localPort } : {}),
    ...(remotePort !== undefined ? { remotePort } : {}),
    protocol: PROTOCOLS[r.protocol ?? ""] ?? r.protocol ?? "?",
    packets: int(r.packets) ?? 0,
    bytes: int(r.bytes) ?? 0,
    start: int(r.start) ?? 0,
    end: int(r.end) ?? 0,
    action: r.action ?? "-",
  };
}
