/**
 * The credential-exfiltration signal: CloudTrail events of the instance role's sessions (CloudTrail
 * names an instance role's session after the instance id) whose source is not the instance. Calls
 * made by AWS services on the role's behalf carry a service name or "AWS Internal" as their source,
 * or `userIdentity.invokedBy`: they are counted, never flagged.
 */
import type { CloudTrailClient } from "@aws-sdk/client-cloudtrail";
import { type LookedUpEvent, lookupEvents } from "./cloudtrail-lookup";
import { CappedSet, Counter, TimeSpan } from "./counter";
import { parseAddress } from "./ip";
import type { CheckedSubject, IncidentWindow } from "./subject";

export type SourceKind = "instance" | "aws-service" | "outside";

export interface CredentialUseByAddress {
  address: string;
  events: number;
  firstSeen: string;
  lastSeen: string;
  eventNames: { key: string; count: number }[];
  /** Error codes (AccessDenied bursts are an attacker enumerating permissions). */
  errorCodes: { key: string; count: number }[];
  accessKeyIds: string[];
  userAgents: string[];
  vpcEndpointIds: string[];
  /** Up to 20 CloudTrail event ids, to find the full records. */
  sampleEventIds: string[];
}

export interface CredentialUseResult {
  /** Events of the role's sessions for this instance, by where they came from. */
  counts: Record<SourceKind, number>;
  /** Events with this session name but another role (e.g. the SSM default host management role). */
  otherRoleEvents: number;
  outside: CredentialUseByAddress[];
  lookupPages: number;
  truncated: boolean;
  unparsable: number;
}

export interface CredentialUseOptions {
  /** Page bound per lookup. @default 40 */
  maxPages?: number;
  /** Access keys used from outside are looked up again by key (up to this many). @default 5 */
  maxKeyLookups?: number;
}

export function classifySource(event: LookedUpEvent, subject: CheckedSubject): SourceKind {
  const source = event.record.sourceIPAddress ?? "";
  if (event.record.userIdentity?.invokedBy) return "aws-service";
  const parsed = parseAddress(source);
  if (!parsed) return "aws-service";
  return subject.ownAddresses.has(parsed.text) ? "instance" : "outside";
}

/** Whether the event is a session of the subject's role (when the role is known) for this instance. */
export function isInstanceRoleSession(event: LookedUpEvent, subject: CheckedSubject): boolean {
  const id = event.record.userIdentity;
  if (id?.type !== "AssumedRole" || !id.arn)
    return event.username === subject.instanceId && !subject.roleName;
  const m = /:assumed-role\/([^/]+)\/(.+)$/.exec(id.arn);
  if (!m || m[2] !== subject.instanceId) return false;
  return !subject.roleName || m[1] === subject.roleName;
}

class AddressAggregate {
  events = 0;
  readonly span = new TimeSpan();
  readonly names = new Counter();
  readonly errors = new Counter();
  readonly keys = new CappedSet<string>(20);
  readonly agents = new CappedSet<string>(10);
  readonly endpoints = new CappedSet<string>(10);
  readonly ids = new CappedSet<string>(20);
  constructor(readonly address: string) {}
  add(e: LookedUpEvent): void {
    this.events++;
    this.span.add(e.eventTime);
    this.names.add(`${e.eventSource.replace(/\.amazonaws\.com$/, "")}:${e.eventName}`);
    if (e.record.errorCode) this.errors.add(e.record.errorCode);
    if (e.accessKeyId) this.keys.add(e.accessKeyId);
    if (e.record.userAgent) this.agents.add(e.record.userAgent);
    if (e.record.vpcEndpointId) this.endpoints.add(e.record.vpcEndpointId);
    this.ids.add(e.eventId);
  }
  result(): CredentialUseByAddress {
    return {
      address: this.address,
      events: this.events,
      firstSeen: this.span.first!,
      lastSeen: this.span.last!,
      eventNames: this.names.top(),
      errorCodes: this.errors.top(),
      accessKeyIds: this.keys.values(),
      userAgents: this.agents.values(),
      vpcEndpointIds: this.endpoints.values(),
      sampleEventIds: this.ids.values(),
    };
  }
}

export async function findCredentialUse(
  cloudTrail: CloudTrailClient,
  subject: CheckedSubject,
  window: IncidentWindow,
  options: CredentialUseOptions = {},
): Promise<CredentialUseResult> {
  const first = await lookupEvents(
    cloudTrail,
    { key: "Username", value: subject.instanceId },
    window,
    options,
  );
  const seen = new Map<string, LookedUpEvent>(first.events.map((e) => [e.eventId, e]));
  let { pages, truncated, unparsable } = first;
  const outsideKeys = new Set(
    first.events
      .filter((e) => isInstanceRoleSession(e, subject) && classifySource(e, subject) === "outside")
      .flatMap((e) => (e.accessKeyId ? [e.accessKeyId] : [])),
  );
  // A stolen session key can show up in events without the session name (Username is derived, not
  // guaranteed); looking the key up catches those. Bounded: each lookup costs rate-limited calls.
  for (const key of [...outsideKeys].slice(0, options.maxKeyLookups ?? 5)) {
    const more = await lookupEvents(cloudTrail, { key: "AccessKeyId", value: key }, window, options);
    pages += more.pages;
    truncated ||= more.truncated;
    unparsable += more.unparsable;
    for (const e of more.events) if (!seen.has(e.eventId)) seen.set(e.eventId, e);
  }
  const counts: Record<SourceKind, number> = { instance: 0, "aws-service": 0, outside: 0 };
  let otherRoleEvents = 0;
  const byAddress = new Map<string, AddressAggregate>();
  for (const e of seen.values()) {
    const viaKey = e.accessKeyId !== undefined && outsideKeys.has(e.accessKeyId);
    if (!isInstanceRoleSession(e, subject) && !viaKey) {
      otherRoleEvents++;
      continue;
    }
    const kind = classifySource(e, subject);
    counts[kind]++;
    if (kind !== "outside") continue;
    const address = parseAddress(e.record.sourceIPAddress!)!.text;
    let agg = byAddress.get(address);
    if (!agg) {
      agg = new AddressAggregate(address);
      byAddress.set(address, agg);
    }
    agg.add(e);
  }
  const outside = [...byAddress.values()]
    .map((a) => a.result())
    .sort((a, b) => b.events - a.events || a.address.localeCompare(b.address));
  return { counts, otherRoleEvents, outside, lookupPages: pages, truncated, unparsable };
}
