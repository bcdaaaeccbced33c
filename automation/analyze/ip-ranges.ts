/**
 * AWS's published IP ranges (`ip-ranges.json`), supplied by the user because the file changes several
 * times a week and the responder must work without internet access. The index buckets prefixes by
 * family and prefix length in hash maps, so one lookup costs one map probe per distinct prefix length
 * (about 20 for IPv4, 30 for IPv6) however many thousand prefixes the file holds, and returns every
 * matching entry (the file lists the same range under AMAZON and under the specific service).
 */
import { readFileSync } from "node:fs";
import { type Family, maskTo, type ParsedAddress, parseAddress, parseCidr } from "./ip";

export const IP_RANGES_URL = "https://ip-ranges.amazonaws.com/ip-ranges.json";
const FIX = `download the current file from ${IP_RANGES_URL} and pass its path`;

export interface AwsRange {
  prefix: string;
  service: string;
  region: string;
  networkBorderGroup?: string;
}

export interface AwsRangeMatch {
  /** Most specific prefix first; the AMAZON catch-all entries after the specific services. */
  ranges: AwsRange[];
  /** The most telling service: the first that is not the "AMAZON" catch-all, else "AMAZON". */
  service: string;
  region: string;
}

export interface IpRangesIndex {
  syncToken?: string;
  createDate?: string;
  prefixCount: number;
  /** All AWS ranges containing `address`, or undefined when it is not an AWS address (or not an address). */
  match(address: string): AwsRangeMatch | undefined;
}

export class IpRangesError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "IpRangesError";
  }
}

type Buckets = Map<number, Map<bigint, AwsRange[]>>;

function add(
  buckets: Record<Family, Buckets>,
  family: Family,
  length: number,
  network: bigint,
  range: AwsRange,
) {
  let byLength = buckets[family].get(length);
  if (!byLength) {
    byLength = new Map();
    buckets[family].set(length, byLength);
  }
  const list = byLength.get(network);
  if (list) list.push(range);
  else byLength.set(network, [range]);
}

function entries(doc: Record<string, unknown>, key: string, source: string): Record<string, unknown>[] {
  const list = doc[key];
  if (list === undefined && key === "ipv6_prefixes") return [];
  if (!Array.isArray(list)) {
    throw new IpRangesError(`${source} has no "${key}" list: it is not AWS's ip-ranges.json; ${FIX}`);
  }
  return list as Record<string, unknown>[];
}

/** Builds the index from the parsed file; `source` names the file in errors. */
export function buildIpRanges(doc: unknown, source = "ip-ranges.json"): IpRangesIndex {
  if (!doc || typeof doc !== "object" || Array.isArray(doc)) {
    throw new IpRangesError(
      `${source} holds ${Array.isArray(doc) ? "a list" : typeof doc}, not an object: ${FIX}`,
    );
  }
  const d = doc as Record<string, unknown>;
  const buckets: Record<Family, Buckets> = { 4: new Map(), 6: new Map() };
  let count = 0;
  for (const [key, field, family] of [
    ["prefixes", "ip_prefix", 4],
    ["ipv6_prefixes", "ipv6_prefix", 6],
  ] as const) {
    entries(d, key, source).forEach((e, i) => {
      const text = e?.[field];
      const cidr = typeof text === "string" ? parseCidr(text) : undefined;
      if (!cidr || cidr.family !== family) {
        throw new IpRangesError(
          `${source}: ${key}[${i}].${field} is ${JSON.stringify(text) ?? "missing"}, not an IPv${family} CIDR: the file is damaged or not AWS's; ${FIX}`,
        );
      }
      const range: AwsRange = {
        prefix: text as string,
        service: typeof e.service === "string" ? e.service : "UNKNOWN",
        region: typeof e.region === "string" ? e.region : "UNKNOWN",
        ...(typeof e.network_border_group === "string" ? { networkBorderGroup: e.network_border_group } : {}),
      };
      add(buckets, family, cidr.length, cidr.network, range);
      count++;
    });
  }
  if (count === 0) throw new IpRangesError(`${source} lists no prefixes: ${FIX}`);
  // Longest prefixes first, so matches come out most specific first.
  const lengths: Record<Family, number[]> = {
    4: [...buckets[4].keys()].sort((a, b) => b - a),
    6: [...buckets[6].keys()].sort((a, b) => b - a),
  };

  const lookup = (a: ParsedAddress): AwsRange[] => {
    const found: AwsRange[] = [];
    for (const length of lengths[a.family]) {
      const hit = buckets[a.family].get(length)!.get(maskTo(a.value, a.family, length));
      if (hit) found.push(...hit);
    }
    return found;
  };

  return {
    ...(typeof d.syncToken === "string" ? { syncToken: d.syncToken } : {}),
    ...(typeof d.createDate === "string" ? { createDate: d.createDate } : {}),
    prefixCount: count,
    match(address: string) {
      const parsed = parseAddress(address);
      if (!parsed) return undefined;
      const found = lookup(parsed);
      if (found.length === 0) return undefined;
      const ranges = [
        ...found.filter((r) => r.service !== "AMAZON"),
        ...found.filter((r) => r.service === "AMAZON"),
      ];
      return { ranges, service: ranges[0]!.service, region: ranges[0]!.region };
    },
  };
}

/** Parses the text of ip-ranges.json. */
export function parseIpRanges(text: string, source = "ip-ranges.json"): IpRangesIndex {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new IpRangesError(`${source} is not valid JSON (${(err as Error).message}): ${FIX}`);
  }
  return buildIpRanges(doc, source);
}

/** Reads and parses an ip-ranges.json file from disk (never from the network). */
export function loadIpRanges(path: string): IpRangesIndex {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new IpRangesError(
      `cannot read ip ranges file "${path}" (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}): ${FIX}`,
    );
  }
  return parseIpRanges(text, `ip ranges file "${path}"`);
}
