/**
 * IP address arithmetic without dependencies: addresses and CIDR prefixes as bigints, so IPv4 and
 * IPv6 share one code path. IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) are treated as the IPv4
 * address they carry, because that is how a dual-stack socket reports an IPv4 peer.
 */
import { isIPv4, isIPv6 } from "node:net";

export type Family = 4 | 6;

export interface ParsedAddress {
  family: Family;
  value: bigint;
  /** Canonical text (IPv4 dotted quad, IPv6 in RFC 5952 form). */
  text: string;
}

export interface ParsedCidr {
  family: Family;
  /** Network address (host bits cleared). */
  network: bigint;
  length: number;
  text: string;
}

const BITS: Record<Family, number> = { 4: 32, 6: 128 };

function v4ToBigint(text: string): bigint {
  return text.split(".").reduce((acc, octet) => (acc << 8n) | BigInt(Number(octet)), 0n);
}

function v6ToBigint(text: string): bigint {
  let s = text.toLowerCase();
  // An embedded IPv4 tail (::ffff:1.2.3.4, 64:ff9b::1.2.3.4) becomes two hex groups.
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (v4) {
    const n = v4ToBigint(v4[1]!);
    s = `${s.slice(0, v4.index)}${(n >> 16n).toString(16)}:${(n & 0xffffn).toString(16)}`;
  }
  const [head, tail] = s.includes("::") ? s.split("::") : [s, undefined];
  const left = head ? head.split(":") : [];
  const right = tail === undefined ? [] : tail ? tail.split(":") : [];
  const fill = tail === undefined ? 0 : 8 - left.length - right.length;
  const groups = [...left, ...Array<string>(fill).fill("0"), ...right];
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(Number.parseInt(g, 16)), 0n);
}

const MAPPED_V4_PREFIX = 0xffffn << 32n;

/** Parses an IPv4 or IPv6 address; undefined when it is not one (e.g. "ec2.amazonaws.com"). */
export function parseAddress(text: string): ParsedAddress | undefined {
  const t = text.trim();
  if (isIPv4(t)) return { family: 4, value: v4ToBigint(t), text: t };
  if (!isIPv6(t) || t.includes("%")) return undefined;
  const value = v6ToBigint(t);
  if (value >> 32n === MAPPED_V4_PREFIX >> 32n) {
    const v4 = value & 0xffffffffn;
    return { family: 4, value: v4, text: formatV4(v4) };
  }
  return { family: 6, value, text: formatV6(value) };
}

export function formatV4(value: bigint): string {
  return [24n, 16n, 8n, 0n].map((s) => ((value >> s) & 0xffn).toString()).join(".");
}

/** RFC 5952 text: lower case, the longest run of two or more zero groups compressed to "::". */
export function formatV6(value: bigint): string {
  const groups: string[] = [];
  for (let s = 112n; s >= 0n; s -= 16n) groups.push(((value >> s) & 0xffffn).toString(16));
  let best = { at: -1, len: 1 };
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && groups[j] === "0") j++;
    if (j - i > best.len) best = { at: i, len: j - i };
    i = j === i ? i + 1 : j;
  }
  if (best.at < 0) return groups.join(":");
  return `${groups.slice(0, best.at).join(":")}::${groups.slice(best.at + best.len).join(":")}`;
}

/** Clears the host bits of `value` for a prefix of `length` bits in `family`. */
export function maskTo(value: bigint, family: Family, length: number): bigint {
  const host = BigInt(BITS[family] - length);
  return (value >> host) << host;
}

/** Parses "a.b.c.d/n" or "x:y::/n"; undefined when malformed. Host bits set are tolerated and cleared. */
export function parseCidr(text: string): ParsedCidr | undefined {
  if (typeof text !== "string") return undefined;
  const slash = text.indexOf("/");
  if (slash < 0) return undefined;
  const lengthText = text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(lengthText)) return undefined;
  const length = Number(lengthText);
  const addr = text.slice(0, slash);
  const family: Family | undefined = isIPv4(addr) ? 4 : isIPv6(addr) && !addr.includes("%") ? 6 : undefined;
  if (!family || length > BITS[family]) return undefined;
  const value = family === 4 ? v4ToBigint(addr) : v6ToBigint(addr);
  return { family, network: maskTo(value, family, length), length, text };
}

/** RFC 1918, loopback, link-local, CGNAT, ULA: addresses that are never on the public internet. */
const PRIVATE = [
  "10.0.0.0/8",
  "172.16.0.0/12",
  "192.168.0.0/16",
  "127.0.0.0/8",
  "169.254.0.0/16",
  "100.64.0.0/10",
  "fc00::/7",
  "fe80::/10",
  "::1/128",
].map((c) => parseCidr(c)!);

export function isPrivate(address: ParsedAddress): boolean {
  return PRIVATE.some(
    (c) => c.family === address.family && maskTo(address.value, c.family, c.length) === c.network,
  );
}
