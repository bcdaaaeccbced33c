/**
 * Security-group and network-ACL rules, normalised across every resource that can express one:
 * inline `ingress` blocks of `ec2.SecurityGroup` / `ec2.DefaultSecurityGroup`, `ec2.SecurityGroupRule`,
 * `vpc.SecurityGroupIngressRule`, and network-ACL entries (`ec2.NetworkAcl`, `ec2.DefaultNetworkAcl`,
 * `ec2.NetworkAclRule`).
 */
import { cidrReach } from "./cidr";
import { isUnknown } from "./unknown";
import { type Known, list, num, type Props, str } from "./values";

export const SG_TYPES = {
  group: "aws:ec2/securityGroup:SecurityGroup",
  defaultGroup: "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup",
  rule: "aws:ec2/securityGroupRule:SecurityGroupRule",
  ingressRule: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
} as const;
export const NACL_TYPES = {
  acl: "aws:ec2/networkAcl:NetworkAcl",
  defaultAcl: "aws:ec2/defaultNetworkAcl:DefaultNetworkAcl",
  rule: "aws:ec2/networkAclRule:NetworkAclRule",
} as const;

export type Protocol = "all" | "tcp" | "udp" | "other";

/** One ingress permission: a protocol, a port range, and the sources it allows. */
export interface Ingress {
  /** Where it is declared, e.g. "ingress[0]". */
  path: string;
  protocol: Known<Protocol>;
  /** Inclusive port range; [0, 65535] for "all". */
  from: Known<number>;
  to: Known<number>;
  /** IPv4 and IPv6 CIDRs with their property paths. */
  sources: Array<{ path: string; cidr: Known<string> }>;
  /** Network ACLs: lower-numbered deny entries for the whole world that take precedence. */
  shadows?: Shadow[];
  /** Network ACLs: a lower-numbered (or unnumbered) deny entry is not known during preview. */
  shadowUnknown?: boolean;
}

/** A deny entry of a network ACL that applies before an allow entry. */
export interface Shadow {
  family: "v4" | "v6";
  protocol: Protocol;
  from: number;
  to: number;
}

export function normaliseProtocol(v: unknown): Known<Protocol> {
  const p = str(v);
  if (!p.known) return p;
  const s = (p.value ?? "").toLowerCase();
  if (s === "-1" || s === "all") return { known: true, value: "all" };
  if (s === "tcp" || s === "6") return { known: true, value: "tcp" };
  if (s === "udp" || s === "17") return { known: true, value: "udp" };
  return { known: true, value: "other" };
}

const ALL_PORTS = { known: true as const, value: 0 };
const MAX_PORT = { known: true as const, value: 65535 };

function portsOf(protocol: Known<Protocol>, fromV: unknown, toV: unknown) {
  if (protocol.known && protocol.value === "all") return { from: ALL_PORTS, to: MAX_PORT };
  const from = num(fromV);
  const to = num(toV);
  return {
    from: from.known && from.value === undefined ? ALL_PORTS : from,
    to: to.known && to.value === undefined ? (from.known && from.value !== undefined ? from : MAX_PORT) : to,
  };
}

function cidrs(props: Props, base: string, keys: string[]): Ingress["sources"] {
  const out: Ingress["sources"] = [];
  for (const key of keys) {
    const v = props[key];
    if (v === undefined || v === null) continue;
    if (Array.isArray(v) || isUnknown(v)) {
      const l = list(v);
      if (!l.known) out.push({ path: `${base}${key}`, cidr: { known: false } });
      else
        for (const [i, c] of (l.value ?? []).entries())
          out.push({ path: `${base}${key}[${i}]`, cidr: str(c) });
    } else out.push({ path: `${base}${key}`, cidr: str(v) });
  }
  return out;
}

/**
 * Every ingress permission a resource declares. `undefined` when the resource's list of rules is
 * itself unknown (the caller records that as undetermined).
 */
export function ingressOf(type: string, props: Props): Ingress[] | undefined {
  if (type === SG_TYPES.group || type === SG_TYPES.defaultGroup) {
    const rules = list(props.ingress);
    if (!rules.known) return undefined;
    return (rules.value ?? []).map((r, i) => {
      const rule = (isUnknown(r) ? {} : (r as Props)) ?? {};
      const protocol = isUnknown(r)
        ? ({ known: false } as Known<Protocol>)
        : normaliseProtocol(rule.protocol);
      return {
        path: `ingress[${i}]`,
        protocol,
        ...portsOf(protocol, rule.fromPort, rule.toPort),
        sources: isUnknown(r)
          ? [{ path: `ingress[${i}]`, cidr: { known: false } }]
          : cidrs(rule, `ingress[${i}].`, ["cidrBlocks", "ipv6CidrBlocks"]),
      };
    });
  }
  if (type === SG_TYPES.rule) {
    const kind = str(props.type);
    if (kind.known && kind.value !== "ingress") return [];
    const protocol = normaliseProtocol(props.protocol);
    return [
      {
        path: "",
        protocol: kind.known ? protocol : { known: false },
        ...portsOf(protocol, props.fromPort, props.toPort),
        sources: cidrs(props, "", ["cidrBlocks", "ipv6CidrBlocks"]),
      },
    ];
  }
  if (type === SG_TYPES.ingressRule) {
    const protocol = normaliseProtocol(props.ipProtocol);
    return [
      {
        path: "",
        protocol,
        ...portsOf(protocol, props.fromPort, props.toPort),
        sources: cidrs(props, "", ["cidrIpv4", "cidrIpv6"]),
      },
    ];
  }
  if (type === NACL_TYPES.acl || type === NACL_TYPES.defaultAcl) {
    const rules = list(props.ingress);
    if (!rules.known) return undefined;
    return naclInline(rules.value ?? []);
  }
  if (type === NACL_TYPES.rule) {
    const egress = props.egress;
    if (isUnknown(egress))
      return [{ path: "", protocol: { known: false }, from: ALL_PORTS, to: MAX_PORT, sources: [] }];
    if (egress === true) return [];
    return naclEntry(props, "", "protocol", "ruleAction", "ipv6CidrBlock");
  }
  return [];
}

function naclEntry(r: unknown, base: string, protoKey: string, actionKey: string, v6Key: string): Ingress[] {
  if (isUnknown(r))
    return [{ path: base, protocol: { known: false }, from: ALL_PORTS, to: MAX_PORT, sources: [] }];
  const rule = (r ?? {}) as Props;
  const action = str(rule[actionKey]);
  if (action.known && action.value?.toLowerCase() !== "allow") return [];
  const protocol = action.known ? normaliseProtocol(rule[protoKey]) : ({ known: false } as Known<Protocol>);
  return [
    {
      path: base.replace(/\.$/, ""),
      protocol,
      ...portsOf(protocol, rule.fromPort, rule.toPort),
      sources: cidrs(rule, base, ["cidrBlock", v6Key]),
    },
  ];
}

/**
 * Inline network-ACL entries, with the deny entries that precede each allow (lower rule number):
 * traffic matching a deny first is never allowed, so those ports are not open.
 */
function naclInline(rules: unknown[]): Ingress[] {
  const out: Ingress[] = [];
  rules.forEach((r, i) => {
    const entries = naclEntry(r, `ingress[${i}].`, "protocol", "action", "ipv6CidrBlock");
    if (!entries.length || isUnknown(r)) {
      out.push(...entries);
      return;
    }
    const ruleNo = num((r as Props).ruleNo);
    const shadows: Shadow[] = [];
    let shadowUnknown = false;
    rules.forEach((d, j) => {
      if (j === i) return;
      if (isUnknown(d)) {
        shadowUnknown = true;
        return;
      }
      const deny = (d ?? {}) as Props;
      const action = str(deny.action);
      if (action.known && action.value?.toLowerCase() !== "deny") return;
      const n = num(deny.ruleNo);
      const protocol = normaliseProtocol(deny.protocol);
      const ports = portsOf(protocol, deny.fromPort, deny.toPort);
      const v4 = str(deny.cidrBlock);
      const v6 = str(deny.ipv6CidrBlock);
      if (
        !action.known ||
        !n.known ||
        !protocol.known ||
        !ports.from.known ||
        !ports.to.known ||
        !v4.known ||
        !v6.known
      ) {
        shadowUnknown = true;
        return;
      }
      if (!ruleNo.known) {
        shadowUnknown = true; // a deny exists, but whether it comes first is not known yet
        return;
      }
      if ((n.value ?? 0) >= (ruleNo.value ?? 0)) return;
      const range = {
        protocol: protocol.value ?? "other",
        from: ports.from.value ?? 0,
        to: ports.to.value ?? 65535,
      };
      for (const cidr of [v4.value, v6.value]) {
        if (!cidr) continue;
        const reach = cidrReach(cidr);
        // A deny whose CIDR is not valid cannot be judged: like an unknown deny, it may come first.
        if (reach.kind === "invalid") shadowUnknown = true;
        else if (reach.kind === "world") shadows.push({ family: reach.family, ...range });
      }
    });
    for (const e of entries) out.push({ ...e, shadows, shadowUnknown });
  });
  return out;
}

/** Port ranges of [from, to] left after removing the ranges of the shadows that apply. */
function unshadowed(protocol: Protocol, from: number, to: number, family: "v4" | "v6", shadows: Shadow[]) {
  let ranges: Array<[number, number]> = [[from, to]];
  for (const s of shadows) {
    // A deny applies when it covers the allow's protocol; remote administration listens on TCP, so a
    // TCP deny also counts against an allow of all protocols.
    if (s.family !== family) continue;
    if (!(s.protocol === "all" || s.protocol === protocol || (protocol === "all" && s.protocol === "tcp")))
      continue;
    ranges = ranges.flatMap(([a, b]): Array<[number, number]> => {
      if (s.to < a || s.from > b) return [[a, b]];
      const left: Array<[number, number]> = a < s.from ? [[a, s.from - 1]] : [];
      const right: Array<[number, number]> = b > s.to ? [[s.to + 1, b]] : [];
      return [...left, ...right];
    });
  }
  return ranges;
}

/** The advisory note for a source that is not a valid CIDR (AWS rejects it; the pack cannot judge it). */
export const invalidCidrNote = (path: string, cidr: string) =>
  `${path || "cidr"} = ${JSON.stringify(cidr)} is not a valid CIDR, so whether it opens the rule to the world cannot be judged (AWS rejects it on update). Write the source as address/prefix.`;

export const rangesOverlap = (a: [number, number], from: number, to: number) => a[0] <= to && from <= a[1];

export const fmtRange = ([a, b]: [number, number]) => (a === b ? `${a}` : `${a}-${b}`);

/**
 * Checks every world-open ingress of a resource against a predicate on its protocol and ports, and
 * reports through the callbacks. Shared by the SG/NACL port policies.
 */
export function forEachWorldIngress(
  type: string,
  props: Props,
  onOpen: (
    ingress: Ingress,
    protocol: Protocol,
    from: number,
    to: number,
    source: string,
    path: string,
  ) => void,
  onUnknown: (path: string) => void,
  /** A source that is not a valid CIDR: judged like an unknown (a note, never a violation). */
  onInvalid: (path: string, cidr: string) => void,
) {
  const all = ingressOf(type, props);
  if (!all) return onUnknown("ingress");
  for (const ing of all) {
    const worldSources: Array<{ path: string; cidr: string; family: "v4" | "v6" }> = [];
    let unknownSource = false;
    const invalid: Array<{ path: string; cidr: string }> = [];
    for (const s of ing.sources) {
      if (!s.cidr.known) unknownSource = true;
      else if (s.cidr.value !== undefined) {
        const reach = cidrReach(s.cidr.value);
        if (reach.kind === "world")
          worldSources.push({ path: s.path, cidr: s.cidr.value, family: reach.family });
        else if (reach.kind === "invalid") invalid.push({ path: s.path, cidr: s.cidr.value });
      }
    }
    for (const bad of invalid) onInvalid(bad.path, bad.cidr);
    if (!worldSources.length) {
      if (unknownSource) onUnknown(`${ing.path || "cidr"} (source CIDRs)`);
      continue;
    }
    if (!ing.protocol.known || !ing.from.known || !ing.to.known) {
      onUnknown(`${ing.path || "rule"} (protocol or ports)`);
      continue;
    }
    const protocol = ing.protocol.value ?? "other";
    if (ing.shadowUnknown) {
      onUnknown(`${ing.path} (the network ACL's deny entries)`);
      continue;
    }
    for (const w of worldSources) {
      for (const [from, to] of unshadowed(
        protocol,
        ing.from.value ?? 0,
        ing.to.value ?? 65535,
        w.family,
        ing.shadows ?? [],
      ))
        onOpen(ing, protocol, from, to, w.cidr, w.path);
    }
  }
}
