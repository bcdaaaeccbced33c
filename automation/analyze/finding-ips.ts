/**
 * Remote addresses a finding names. GuardDuty puts them in `service.action.<kind>Action` under
 * `remoteIpDetails` (NETWORK_CONNECTION, AWS_API_CALL, RDS/Kubernetes actions) or in
 * `portProbeDetails[].remoteIpDetails` (PORT_PROBE); DNS_REQUEST names a domain, not an address.
 * Security Hub ASFF has `Network.SourceIpV4/V6` and `DestinationIpV4/V6` (the remote side depends on
 * `Network.Direction`) and the same details under `Action`. Both arrive bare or in an EventBridge
 * envelope. Addresses that are the instance's own are left out.
 */
import { parseAddress } from "./ip";
import type { CheckedSubject } from "./subject";

export interface FindingAddress {
  address: string;
  findingId?: string;
  findingType?: string;
  /** e.g. "NETWORK_CONNECTION", "PORT_PROBE", "AWS_API_CALL", "Network.SourceIpV4". */
  action: string;
  direction?: string;
  localPort?: number;
  remotePort?: number;
  protocol?: string;
  /** GuardDuty's enrichment (organisation, ASN, country), as given. */
  organization?: string;
  asn?: string;
  country?: string;
  /** API called (AWS_API_CALL). */
  api?: string;
}

export interface FindingIps {
  addresses: FindingAddress[];
  /** Domains named by DNS_REQUEST actions (no address to report, but worth the timeline). */
  domains: string[];
}

// biome-ignore lint/suspicious/noExplicitAny: findings are untyped JSON read defensively field by field
type Obj = Record<string, any>;

function unwrap(doc: unknown): Obj[] {
  if (Array.isArray(doc)) return doc.flatMap(unwrap);
  if (!doc || typeof doc !== "object") return [];
  const d = doc as Obj;
  if (d.detail && typeof d.detail === "object" && typeof d.source === "string") {
    return unwrap(Array.isArray(d.detail.findings) ? d.detail.findings : d.detail);
  }
  if (Array.isArray(d.Findings)) return unwrap(d.Findings);
  return [d];
}

function fromRemoteIp(details: Obj | undefined, base: Omit<FindingAddress, "address">): FindingAddress[] {
  if (!details || typeof details !== "object") return [];
  return [details.ipAddressV4 ?? details.IpAddressV4, details.ipAddressV6 ?? details.IpAddressV6]
    .filter((a): a is string => typeof a === "string")
    .map((address) => {
      const org = details.organization ?? details.Organization ?? {};
      const country = details.country ?? details.Country ?? {};
      const asn = org.asn ?? org.Asn;
      const organization = org.asnOrg ?? org.AsnOrg ?? org.org ?? org.Org;
      const countryName = country.countryName ?? country.CountryName;
      return {
        address,
        ...base,
        ...(organization ? { organization: String(organization) } : {}),
        ...(asn !== undefined ? { asn: String(asn) } : {}),
        ...(countryName ? { country: String(countryName) } : {}),
      };
    });
}

const num = (v: unknown) => (typeof v === "number" ? v : undefined);
const defined = <T extends object>(o: T) =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;

function guardDuty(f: Obj, domains: string[]): FindingAddress[] {
  const action: Obj = f.service?.action ?? {};
  const base = { findingId: f.id, findingType: f.type };
  const out: FindingAddress[] = [];
  const nc = action.networkConnectionAction;
  if (nc) {
    out.push(
      ...fromRemoteIp(
        nc.remoteIpDetails,
        defined({
          ...base,
          action: "NETWORK_CONNECTION",
          direction: nc.connectionDirection,
          localPort: num(nc.localPortDetails?.port),
          remotePort: num(nc.remotePortDetails?.port),
          protocol: nc.protocol,
        }),
      ),
    );
  }
  for (const p of action.portProbeAction?.portProbeDetails ?? []) {
    out.push(
      ...fromRemoteIp(
        p?.remoteIpDetails,
        defined({
          ...base,
          action: "PORT_PROBE",
          direction: "INBOUND",
          localPort: num(p?.localPortDetails?.port),
        }),
      ),
    );
  }
  const api = action.awsApiCallAction;
  if (api)
    out.push(
      ...fromRemoteIp(
        api.remoteIpDetails,
        defined({
          ...base,
          action: "AWS_API_CALL",
          api: [api.serviceName, api.api].filter(Boolean).join(":") || undefined,
        }),
      ),
    );
  const dns = action.dnsRequestAction;
  if (typeof dns?.domain === "string") domains.push(dns.domain);
  // Other action kinds (RDS login, Kubernetes API) carry remoteIpDetails too.
  for (const [key, value] of Object.entries(action)) {
    if (["networkConnectionAction", "portProbeAction", "awsApiCallAction", "dnsRequestAction"].includes(key))
      continue;
    if (value && typeof value === "object")
      out.push(
        ...fromRemoteIp(
          (value as Obj).remoteIpDetails,
          defined({ ...base, action: String(action.actionType ?? key) }),
        ),
      );
  }
  return out;
}

function asff(f: Obj, domains: string[]): FindingAddress[] {
  const base = { findingId: f.Id, findingType: Array.isArray(f.Types) ? f.Types[0] : undefined };
  const out: FindingAddress[] = [];
  const n: Obj = f.Network ?? {};
  const direction = typeof n.Direction === "string" ? n.Direction : undefined;
  const sides: [string, string | undefined, number | undefined][] = [];
  if (direction !== "OUT")
    sides.push(
      ["Network.SourceIpV4", n.SourceIpV4, n.SourcePort],
      ["Network.SourceIpV6", n.SourceIpV6, n.SourcePort],
    );
  if (direction !== "IN")
    sides.push(
      ["Network.DestinationIpV4", n.DestinationIpV4, n.DestinationPort],
      ["Network.DestinationIpV6", n.DestinationIpV6, n.DestinationPort],
    );
  for (const [action, address, port] of sides) {
    if (typeof address === "string")
      out.push(defined({ address, ...base, action, direction, remotePort: num(port), protocol: n.Protocol }));
  }
  const a: Obj = f.Action ?? {};
  const nc = a.NetworkConnectionAction;
  if (nc)
    out.push(
      ...fromRemoteIp(
        nc.RemoteIpDetails,
        defined({
          ...base,
          action: "NETWORK_CONNECTION",
          direction: nc.ConnectionDirection,
          localPort: num(nc.LocalPortDetails?.Port),
          remotePort: num(nc.RemotePortDetails?.Port),
          protocol: nc.Protocol,
        }),
      ),
    );
  for (const p of a.PortProbeAction?.PortProbeDetails ?? []) {
    out.push(
      ...fromRemoteIp(
        p?.RemoteIpDetails,
        defined({
          ...base,
          action: "PORT_PROBE",
          direction: "INBOUND",
          localPort: num(p?.LocalPortDetails?.Port),
        }),
      ),
    );
  }
  const api = a.AwsApiCallAction;
  if (api)
    out.push(
      ...fromRemoteIp(
        api.RemoteIpDetails,
        defined({
          ...base,
          action: "AWS_API_CALL",
          api: [api.ServiceName, api.Api].filter(Boolean).join(":") || undefined,
        }),
      ),
    );
  if (typeof a.DnsRequestAction?.Domain === "string") domains.push(a.DnsRequestAction.Domain);
  return out;
}

/** Remote addresses (not the instance's own) named by a finding document, one entry per mention. */
export function findingAddresses(doc: unknown, subject: Pick<CheckedSubject, "ownAddresses">): FindingIps {
  const domains: string[] = [];
  const addresses: FindingAddress[] = [];
  for (const f of unwrap(doc)) {
    const found = f.SchemaVersion && f.Resources ? asff(f, domains) : f.service ? guardDuty(f, domains) : [];
    for (const a of found) {
      const parsed = parseAddress(a.address);
      if (!parsed || subject.ownAddresses.has(parsed.text)) continue;
      addresses.push({ ...a, address: parsed.text });
    }
  }
  return { addresses, domains: [...new Set(domains)] };
}
