/**
 * Security-group egress permissions that allow all protocols (IpProtocol "-1") to the whole internet,
 * across every resource that can express one: inline `egress` blocks of `ec2.SecurityGroup`,
 * `ec2.SecurityGroupRule` with type "egress", and `vpc.SecurityGroupEgressRule`. Destinations are
 * parsed CIDRs (cidr.ts): any notation of the world range counts; an invalid CIDR is a note.
 */
import { cidrReach } from "./cidr";
import { normaliseProtocol, SG_TYPES } from "./network";
import { isUnknown } from "./unknown";
import { list, type Props, str } from "./values";

export const EGRESS_RULE = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule";
export const EGRESS_TYPES: readonly string[] = [SG_TYPES.group, SG_TYPES.rule, EGRESS_RULE];

export interface EgressReporter {
  /** An all-protocol permission to the world: `path` of the destination, the CIDR. */
  open(path: string, cidr: string): void;
  undetermined(path: string): void;
  invalid(path: string, cidr: string): void;
}

function destinations(rule: Props, base: string, keys: string[], report: EgressReporter) {
  const out: Array<{ path: string; cidr: string }> = [];
  let unknown = false;
  for (const key of keys) {
    const v = rule[key];
    if (v === undefined || v === null) continue;
    const values = Array.isArray(v) || isUnknown(v) ? list(v) : { known: true as const, value: [v] };
    if (!values.known) {
      unknown = true;
      continue;
    }
    const many = Array.isArray(v);
    for (const [i, c] of (values.value ?? []).entries()) {
      const path = `${base}${key}${many ? `[${i}]` : ""}`;
      const cidr = str(c);
      if (!cidr.known) unknown = true;
      else if (cidr.value !== undefined) {
        const reach = cidrReach(cidr.value);
        if (reach.kind === "world") out.push({ path, cidr: cidr.value });
        else if (reach.kind === "invalid") report.invalid(path, cidr.value);
      }
    }
  }
  return { world: out, unknown };
}

function judge(rule: Props, protocolKey: string, base: string, keys: string[], report: EgressReporter) {
  const { world, unknown } = destinations(rule, base, keys, report);
  if (!world.length) {
    if (unknown) report.undetermined(`${base || ""}destination CIDRs`);
    return;
  }
  const protocol = normaliseProtocol(rule[protocolKey]);
  if (!protocol.known) return report.undetermined(`${base}${protocolKey}`);
  if (protocol.value !== "all") return;
  for (const w of world) report.open(w.path, w.cidr);
}

/** Walks every egress permission of a resource and reports the all-protocol ones to the world. */
export function checkWorldEgress(type: string, props: Props, report: EgressReporter) {
  if (type === SG_TYPES.group) {
    const rules = list(props.egress);
    if (!rules.known) return report.undetermined("egress");
    for (const [i, r] of (rules.value ?? []).entries()) {
      if (isUnknown(r)) report.undetermined(`egress[${i}]`);
      else if (r && typeof r === "object")
        judge(r as Props, "protocol", `egress[${i}].`, ["cidrBlocks", "ipv6CidrBlocks"], report);
    }
    return;
  }
  if (type === SG_TYPES.rule) {
    const kind = str(props.type);
    if (!kind.known) {
      // Only an egress rule matters here; judge it as one and say the type is not known yet.
      const probe: string[] = [];
      judge(props, "protocol", "", ["cidrBlocks", "ipv6CidrBlocks"], {
        open: (p) => probe.push(p),
        undetermined: () => {},
        invalid: () => {},
      });
      if (probe.length) report.undetermined("type");
      return;
    }
    if (kind.value !== "egress") return;
    return judge(props, "protocol", "", ["cidrBlocks", "ipv6CidrBlocks"], report);
  }
  if (type === EGRESS_RULE) return judge(props, "ipProtocol", "", ["cidrIpv4", "cidrIpv6"], report);
}
