/**
 * What changed on the instance, its security groups and its role during the window: AWS Config's
 * recorded configurations (what the resource became) and CloudTrail's write events against them (who
 * asked for it, from where), merged into one timeline sorted by time. A Config item names the
 * CloudTrail events behind it (`relatedEvents`), which gives its "who" when the event was found.
 * Each resource that cannot be read becomes a gap on the timeline, not a failure of the whole.
 */
import type { CloudTrailClient } from "@aws-sdk/client-cloudtrail";
import type { ConfigServiceClient, ConfigurationItem } from "@aws-sdk/client-config-service";
import { type LookedUpEvent, lookupEvents, retentionWarning } from "./cloudtrail-lookup";
import { configHistory, roleResourceId } from "./config-history";
import { describeError } from "./errors";
import { type Change, diffJson } from "./json-diff";
import { AnalyzeInputError, checkWindow, INSTANCE_ID } from "./subject";

export interface TimelineResource {
  type: "AWS::EC2::Instance" | "AWS::EC2::SecurityGroup" | "AWS::EC2::NetworkInterface" | "AWS::IAM::Role";
  /** Instance id, group id, ENI id, or role name. */
  id: string;
}

export interface Actor {
  type?: string;
  arn?: string;
  principal?: string;
  accountId?: string;
  sourceIp?: string;
  userAgent?: string;
  invokedBy?: string;
}

export interface TimelineEntry {
  time: string;
  source: "config" | "cloudtrail";
  resource: TimelineResource;
  summary: string;
  changes?: Change[];
  who?: Actor;
  eventId?: string;
  eventName?: string;
  errorCode?: string;
  /** CloudTrail request parameters, compacted and cut at 1,000 characters. */
  request?: string;
  /** Config: the CloudTrail events AWS Config attributes this configuration to. */
  relatedEvents?: string[];
}

export interface ChangeTimeline {
  window: { start: string; end: string };
  resources: TimelineResource[];
  entries: TimelineEntry[];
  /** What could not be read, and why (the timeline is incomplete there). */
  gaps: string[];
}

export interface ChangeHistoryInput {
  instanceId: string;
  securityGroupIds: string[];
  /**
   * The instance's network interfaces: group changes are made per ENI (by the responder's isolation
   * as well as by an attacker), and CloudTrail names the ENI, not the instance. @default []
   */
  networkInterfaceIds?: string[];
  /** Role name or ARN of the instance role. */
  role?: string;
  /** Config's id for the role (AROA...); looked up by name when omitted. */
  roleResourceId?: string;
  window: { start: Date | string; end: Date | string };
  clients: {
    config: ConfigServiceClient;
    cloudTrail: CloudTrailClient;
    /**
     * Clients of the region where IAM is recorded: CloudTrail logs IAM calls in us-east-1, and Config
     * records IAM roles only in the region chosen for global resources. @default the regional clients
     */
    globalConfig?: ConfigServiceClient;
    globalCloudTrail?: CloudTrailClient;
  };
  options?: { maxPages?: number; now?: () => Date };
}

const roleNameOf = (role: string) => role.split("/").pop()!;

/** Errors about this moment, not the service: the next resource may well succeed. */
const TRANSIENT = new Set([
  "ThrottlingException",
  "TooManyRequestsException",
  "RequestLimitExceeded",
  "Unavailable",
]);

function actor(e: LookedUpEvent): Actor {
  const id = e.record.userIdentity ?? {};
  const fields: Actor = {
    type: id.type,
    arn: id.arn,
    principal: id.principalId,
    accountId: id.accountId,
    sourceIp: e.record.sourceIPAddress,
    userAgent: e.record.userAgent,
    invokedBy: id.invokedBy,
  };
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as Actor;
}

function parseConfiguration(item: ConfigurationItem | undefined): unknown {
  if (!item?.configuration) return undefined;
  try {
    return { configuration: JSON.parse(item.configuration), tags: item.tags ?? {} };
  } catch {
    return { configuration: item.configuration, tags: item.tags ?? {} };
  }
}

function configEntries(
  resource: TimelineResource,
  items: ConfigurationItem[],
  baseline?: ConfigurationItem,
): TimelineEntry[] {
  let previous = parseConfiguration(baseline);
  return items.map((item) => {
    const current = parseConfiguration(item);
    const changes = previous === undefined ? [] : diffJson(previous, current);
    const status = item.configurationItemStatus ?? "OK";
    const summary =
      previous === undefined
        ? `configuration recorded (${status}; no earlier item to compare)`
        : `configuration changed (${status}): ${changes.length} ${changes.length === 1 ? "difference" : "differences"}`;
    previous = current ?? previous;
    return {
      time: (item.configurationItemCaptureTime ?? new Date(0)).toISOString(),
      source: "config" as const,
      resource,
      summary,
      ...(changes.length ? { changes } : {}),
      ...(item.relatedEvents?.length ? { relatedEvents: item.relatedEvents } : {}),
    };
  });
}

function trailEntry(resource: TimelineResource, e: LookedUpEvent): TimelineEntry {
  const error = e.record.errorCode;
  const request = e.record.requestParameters
    ? JSON.stringify(e.record.requestParameters).slice(0, 1000)
    : undefined;
  return {
    time: e.eventTime,
    source: "cloudtrail",
    resource,
    summary: `${e.eventSource.replace(/\.amazonaws\.com$/, "")}:${e.eventName}${error ? ` failed (${error})` : ""}`,
    who: actor(e),
    eventId: e.eventId,
    eventName: e.eventName,
    ...(error ? { errorCode: error } : {}),
    ...(request ? { request } : {}),
  };
}

export async function changeHistory(input: ChangeHistoryInput): Promise<ChangeTimeline> {
  const window = checkWindow(input.window.start, input.window.end);
  if (!INSTANCE_ID.test(input.instanceId)) {
    throw new AnalyzeInputError(
      `instance id "${input.instanceId}" is not valid: expected i- followed by 8 or 17 hex digits`,
    );
  }
  for (const g of input.securityGroupIds) {
    if (!/^sg-[0-9a-f]{8,17}$/.test(g))
      throw new AnalyzeInputError(
        `security group id "${g}" is not valid: expected sg- followed by 8 or 17 hex digits`,
      );
  }
  for (const n of input.networkInterfaceIds ?? []) {
    if (!/^eni-[0-9a-f]{8,17}$/.test(n)) {
      throw new AnalyzeInputError(
        `network interface id "${n}" is not valid: expected eni- followed by 8 or 17 hex digits`,
      );
    }
  }
  const { config, cloudTrail } = input.clients;
  const globalConfig = input.clients.globalConfig ?? config;
  const globalTrail = input.clients.globalCloudTrail ?? cloudTrail;
  const maxPages = input.options?.maxPages;
  const resources: TimelineResource[] = [
    { type: "AWS::EC2::Instance", id: input.instanceId },
    ...[...new Set(input.securityGroupIds)].map((id) => ({ type: "AWS::EC2::SecurityGroup" as const, id })),
    ...[...new Set(input.networkInterfaceIds ?? [])].map((id) => ({
      type: "AWS::EC2::NetworkInterface" as const,
      id,
    })),
    ...(input.role ? [{ type: "AWS::IAM::Role" as const, id: roleNameOf(input.role) }] : []),
  ];
  const gaps: string[] = [retentionWarning(window, input.options?.now?.())].filter((w): w is string => !!w);
  const entries: TimelineEntry[] = [];
  const events = new Map<string, LookedUpEvent>();
  // A service that failed for one resource (down, denied, an emulator without it) fails for the next
  // too: say so once per client instead of waiting out the retries again for every resource.
  const down = new Map<object, string>();

  for (const resource of resources) {
    const isRole = resource.type === "AWS::IAM::Role";
    const label = `${resource.type} ${resource.id}`;
    const trail = isRole ? globalTrail : cloudTrail;
    try {
      const known = down.get(trail);
      if (known)
        throw Object.assign(new Error(`${known} (as for the resources before)`), { name: "Unavailable" });
      const found = await lookupEvents(trail, { key: "ResourceName", value: resource.id }, window, {
        maxPages,
      });
      if (found.truncated)
        gaps.push(
          `${label}: CloudTrail lookup stopped at its page bound; narrow the window or raise maxPages`,
        );
      for (const e of found.events) {
        // One event can name several of our resources (e.g. a group change names the ENI and the group): keep the first.
        if (e.readOnly !== false || events.has(e.eventId)) continue;
        events.set(e.eventId, e);
        entries.push(trailEntry(resource, e));
      }
    } catch (err) {
      if (!down.has(trail) && !TRANSIENT.has((err as Error).name)) down.set(trail, describeError(err));
      gaps.push(`${label}: CloudTrail lookup failed (${describeError(err)})`);
    }
    const client = isRole ? globalConfig : config;
    try {
      const known = down.get(client);
      if (known)
        throw Object.assign(new Error(`${known} (as for the resources before)`), { name: "Unavailable" });
      const id = isRole ? (input.roleResourceId ?? (await roleResourceId(client, resource.id))) : resource.id;
      if (!id) {
        gaps.push(
          `${label}: not found in AWS Config (IAM roles are recorded only in the region set to record global resources: pass that region's client as globalConfig)`,
        );
        continue;
      }
      const history = await configHistory(client, resource.type, id, window, maxPages);
      if (history.truncated) gaps.push(`${label}: Config history stopped at its page bound`);
      entries.push(...configEntries(resource, history.items, history.baseline));
    } catch (err) {
      const name = (err as Error).name;
      // Only a missing resource is about this resource; anything else is about Config itself.
      if (name !== "ResourceNotDiscoveredException" && !TRANSIENT.has(name) && !down.has(client))
        down.set(client, describeError(err));
      const why =
        name === "ResourceNotDiscoveredException"
          ? "not recorded by AWS Config (the recorder does not cover this resource type, or it was never recorded)"
          : name === "NoAvailableConfigurationRecorderException"
            ? "no AWS Config recorder in this region: the baseline's Config component records one"
            : `Config history failed (${describeError(err)})`;
      gaps.push(`${label}: ${why}`);
    }
  }
  // Config items name the events behind them: give them the event's actor.
  for (const entry of entries) {
    const related = entry.relatedEvents?.map((id) => events.get(id)).find(Boolean);
    if (entry.source === "config" && related) entry.who = actor(related);
  }
  entries.sort(
    (a, b) =>
      a.time.localeCompare(b.time) ||
      a.source.localeCompare(b.source) ||
      a.resource.id.localeCompare(b.resource.id),
  );
  return {
    window: { start: window.start.toISOString(), end: window.end.toISOString() },
    resources,
    entries,
    gaps,
  };
}
