/**
 * CIDR semantics for "open to the world": a CIDR is parsed (Node's `net` validates the address), so
 * every valid notation of the whole address space (`0.0.0.0/0`, `::/0`, `::0/0`, `0:0:0:0:0:0:0:0/0`,
 * `::ffff:0.0.0.0/0`) and every range that contains it (any address with prefix length 0, e.g.
 * `10.0.0.0/0`) counts as the world. A string that is not a valid CIDR is "invalid": callers treat it
 * like a preview-time unknown (an advisory note, never a violation, never a pass that hides one).
 */
import { isIPv4, isIPv6 } from "node:net";

export interface Cidr {
  family: "v4" | "v6";
  address: string;
  prefix: number;
}

/** Parses "address/prefix" (IPv4 dotted quad or any IPv6 notation, no zone id); undefined if invalid. */
export function parseCidr(text: string): Cidr | undefined {
  const s = text.trim();
  const slash = s.lastIndexOf("/");
  if (slash <= 0) return undefined;
  const address = s.slice(0, slash);
  const bits = s.slice(slash + 1);
  if (!/^\d{1,3}$/.test(bits) || address.includes("%")) return undefined;
  const prefix = Number(bits);
  if (isIPv4(address)) return prefix <= 32 ? { family: "v4", address, prefix } : undefined;
  if (isIPv6(address)) return prefix <= 128 ? { family: "v6", address, prefix } : undefined;
  return undefined;
}

/** What a CIDR means for exposure: the whole address space of its family, a narrower range, or not a CIDR. */
export type CidrReach =
  | { kind: "world"; family: "v4" | "v6" }
  | { kind: "range"; family: "v4" | "v6" }
  | { kind: "invalid" };

export function cidrReach(text: string): CidrReach {
  const c = parseCidr(text);
  if (!c) return { kind: "invalid" };
  return { kind: c.prefix === 0 ? "world" : "range", family: c.family };
}

/** True only for a valid CIDR that covers the whole IPv4 or IPv6 address space. */
export const isWorldCidr = (text: string): boolean => cidrReach(text).kind === "world";
