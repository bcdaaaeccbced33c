/**
 * `ir analyze`'s attacker addresses: the union of three sources, each address with its evidence:
 * the role's credentials used from outside the instance (CloudTrail), the finding's remote addresses
 * and the instance's flow-log peers in the window; each marked AWS / internal / internet with where to
 * report it. A source that fails or is not available is recorded as such and the others still run:
 * half an answer during an incident beats none.
 */
import type { CloudTrailClient } from "@aws-sdk/client-cloudtrail";
import type { S3Client } from "@aws-sdk/client-s3";
import { type AbuseGuidance, type AddressScope, abuseGuidance } from "./abuse";
import { retentionWarning } from "./cloudtrail-lookup";
import {
  type CredentialUseByAddress,
  type CredentialUseOptions,
  type CredentialUseResult,
  findCredentialUse,
} from "./credential-use";
import { describeError } from "./errors";
import { type FindingAddress, findingAddresses } from "./finding-ips";
import type { FlowLogLocation } from "./flow-log-keys";
import { type FlowLogOptions, type FlowLogResult, type FlowPeer, readFlowLogs } from "./flow-logs";
import { isPrivate, parseAddress } from "./ip";
import type { AwsRangeMatch, IpRangesIndex } from "./ip-ranges";
import { checkSubject, checkWindow, type InstanceSubject } from "./subject";

export type EvidenceSource = "cloudtrail" | "finding" | "flow-logs";

export interface AttackerAddress {
  address: string;
  family: 4 | 6;
  scope: AddressScope;
  /** Present when the address is inside AWS's published ranges (and ranges were supplied). */
  aws?: AwsRangeMatch;
  abuse: AbuseGuidance;
  sources: EvidenceSource[];
  firstSeen?: string;
  lastSeen?: string;
  evidence: {
    /** The role's credentials were used from this address: the strongest signal. */
    credentialUse?: CredentialUseByAddress;
    finding?: FindingAddress[];
    flowLogs?: FlowPeer;
  };
}

export type SourceStatus<T> =
  | { status: "done"; summary: T }
  | { status: "skipped"; reason: string }
  | { status: "failed"; error: string };

export interface AttackerIpReport {
  instanceId: string;
  window: { start: string; end: string };
  generatedAt: string;
  /** Which ip-ranges.json was used (AWS marks are only as current as this file). */
  ipRanges?: { syncToken?: string; createDate?: string; prefixCount: number };
  addresses: AttackerAddress[];
  /** Addresses left out by `maxAddresses` (the least evidenced). */
  omitted: number;
  /** Domains a DNS_REQUEST finding named. */
  domains: string[];
  /** Limits of this answer a responder must know (e.g. CloudTrail retention). */
  warnings: string[];
  sources: {
    cloudtrail: SourceStatus<Omit<CredentialUseResult, "outside">>;
    finding: SourceStatus<{ mentions: number }>;
    flowLogs: SourceStatus<Omit<FlowLogResult, "peers">>;
  };
}

export interface AttackerIpInput {
  subject: InstanceSubject;
  window: { start: Date | string; end: Date | string };
  /** The finding document as parsed JSON (GuardDuty, Security Hub ASFF, or their EventBridge event). */
  finding?: unknown;
  ipRanges?: IpRangesIndex;
  /** Where the flow logs are in S3; omitted when the VPC logs to CloudWatch (the source is then skipped). */
  flowLogs?: FlowLogLocation;
  clients: { cloudTrail?: CloudTrailClient; s3?: S3Client };
  options?: CredentialUseOptions &
    FlowLogOptions & {
      /** @default 500 */
      maxAddresses?: number;
      /** Clock for generatedAt (tests). */
      now?: () => Date;
    };
}

const message = describeError;

export async function analyzeAttackerIps(input: AttackerIpInput): Promise<AttackerIpReport> {
  const window = checkWindow(input.window.start, input.window.end);
  const subject = checkSubject(input.subject);
  const opts = input.options ?? {};
  const entries = new Map<string, AttackerAddress>();
  const entry = (address: string, source: EvidenceSource): AttackerAddress => {
    const parsed = parseAddress(address)!;
    let e = entries.get(parsed.text);
    if (!e) {
      const aws = input.ipRanges?.match(parsed.text);
      const scope: AddressScope = aws ? "aws" : isPrivate(parsed) ? "private" : "internet";
      e = {
        address: parsed.text,
        family: parsed.family,
        scope,
        ...(aws ? { aws } : {}),
        abuse: abuseGuidance(parsed.text, scope, aws),
        sources: [],
        evidence: {},
      };
      entries.set(parsed.text, e);
    }
    if (!e.sources.includes(source)) e.sources.push(source);
    return e;
  };
  const seen = (e: AttackerAddress, first?: string, last?: string) => {
    if (first && (!e.firstSeen || first < e.firstSeen)) e.firstSeen = first;
    if (last && (!e.lastSeen || last > e.lastSeen)) e.lastSeen = last;
  };

  const [cloudtrail, flowLogs] = await Promise.all([
    (async (): Promise<AttackerIpReport["sources"]["cloudtrail"]> => {
      if (!input.clients.cloudTrail) return { status: "skipped", reason: "no CloudTrail client given" };
      try {
        const { outside, ...summary } = await findCredentialUse(
          input.clients.cloudTrail,
          subject,
          window,
          opts,
        );
        for (const use of outside) {
          const e = entry(use.address, "cloudtrail");
          e.evidence.credentialUse = use;
          seen(e, use.firstSeen, use.lastSeen);
        }
        return { status: "done", summary };
      } catch (err) {
        return { status: "failed", error: message(err) };
      }
    })(),
    (async (): Promise<AttackerIpReport["sources"]["flowLogs"]> => {
      if (!input.flowLogs)
        return { status: "skipped", reason: "flow logs are not in S3 (or their location was not given)" };
      if (!input.clients.s3) return { status: "skipped", reason: "no S3 client given" };
      try {
        const { peers, ...summary } = await readFlowLogs(
          input.clients.s3,
          input.flowLogs,
          subject,
          window,
          opts,
        );
        for (const peer of peers) {
          const e = entry(peer.address, "flow-logs");
          e.evidence.flowLogs = peer;
          seen(e, peer.firstSeen, peer.lastSeen);
        }
        return { status: "done", summary };
      } catch (err) {
        return { status: "failed", error: message(err) };
      }
    })(),
  ]);

  let finding: AttackerIpReport["sources"]["finding"] = {
    status: "skipped",
    reason: "no finding given (the case started from an instance id)",
  };
  let domains: string[] = [];
  if (input.finding !== undefined) {
    const found = findingAddresses(input.finding, subject);
    domains = found.domains;
    for (const mention of found.addresses) {
      const e = entry(mention.address, "finding");
      e.evidence.finding = [...(e.evidence.finding ?? []), mention];
    }
    finding = { status: "done", summary: { mentions: found.addresses.length } };
  }

  // Most evidenced first; credential use outranks traffic volume because it proves possession.
  const rank = (a: AttackerAddress) =>
    a.sources.length * 10 + (a.evidence.credentialUse ? 5 : 0) + (a.evidence.finding ? 2 : 0);
  const volume = (a: AttackerAddress) =>
    a.evidence.flowLogs ? a.evidence.flowLogs.bytesIn + a.evidence.flowLogs.bytesOut : 0;
  const all = [...entries.values()].sort(
    (a, b) => rank(b) - rank(a) || volume(b) - volume(a) || a.address.localeCompare(b.address),
  );
  const max = opts.maxAddresses ?? 500;
  return {
    instanceId: subject.instanceId,
    window: { start: window.start.toISOString(), end: window.end.toISOString() },
    generatedAt: (opts.now?.() ?? new Date()).toISOString(),
    ...(input.ipRanges
      ? {
          ipRanges: {
            ...(input.ipRanges.syncToken ? { syncToken: input.ipRanges.syncToken } : {}),
            ...(input.ipRanges.createDate ? { createDate: input.ipRanges.createDate } : {}),
            prefixCount: input.ipRanges.prefixCount,
          },
        }
      : {}),
    addresses: all.slice(0, max),
    omitted: Math.max(0, all.length - max),
    domains,
    warnings: input.clients.cloudTrail
      ? [retentionWarning(window, opts.now?.())].filter((w): w is string => !!w)
      : [],
    sources: { cloudtrail, finding, flowLogs },
  };
}
