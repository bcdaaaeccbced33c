/**
 * CloudTrail `LookupEvents`, paginated, with the event record (a JSON string in `CloudTrailEvent`)
 * parsed once. LookupEvents takes one lookup attribute per call and answers at most 50 events a page
 * at 2 calls per second per account and region, so callers bound the pages and the result says when
 * the bound cut it short rather than pretending to be complete. It serves management events of the
 * last 90 days only: data events (S3 object reads, Lambda invocations) need the trail's files in S3.
 */
import {
  type CloudTrailClient,
  type LookupAttributeKey,
  LookupEventsCommand,
} from "@aws-sdk/client-cloudtrail";
import type { IncidentWindow } from "./subject";

/** The parts of a CloudTrail record the analysis reads (the record has many more). */
export interface CloudTrailRecord {
  eventID?: string;
  eventTime?: string;
  eventSource?: string;
  eventName?: string;
  awsRegion?: string;
  sourceIPAddress?: string;
  userAgent?: string;
  readOnly?: boolean;
  errorCode?: string;
  errorMessage?: string;
  vpcEndpointId?: string;
  userIdentity?: {
    type?: string;
    principalId?: string;
    arn?: string;
    accountId?: string;
    accessKeyId?: string;
    invokedBy?: string;
    sessionContext?: { sessionIssuer?: { arn?: string; userName?: string }; ec2RoleDelivery?: string };
  };
  requestParameters?: Record<string, unknown> | null;
  resources?: { ARN?: string; accountId?: string; type?: string }[];
}

export interface LookedUpEvent {
  eventId: string;
  eventName: string;
  eventSource: string;
  eventTime: string;
  readOnly?: boolean;
  username?: string;
  accessKeyId?: string;
  resources: { type?: string; name?: string }[];
  record: CloudTrailRecord;
}

export interface LookupResult {
  events: LookedUpEvent[];
  pages: number;
  /** True when the page bound stopped the lookup before CloudTrail ran out of events. */
  truncated: boolean;
  /** Events whose CloudTrailEvent was not valid JSON (kept out of `events`). */
  unparsable: number;
}

/** LookupEvents answers for the last 90 days only. */
export const LOOKUP_RETENTION_DAYS = 90;

/** A warning when part of the window is older than LookupEvents can answer for, else undefined. */
export function retentionWarning(window: IncidentWindow, now = new Date()): string | undefined {
  const oldest = new Date(now.getTime() - LOOKUP_RETENTION_DAYS * 86_400_000);
  if (window.start >= oldest) return undefined;
  return `the window starts ${window.start.toISOString()}, before ${oldest.toISOString()}: CloudTrail LookupEvents keeps ${LOOKUP_RETENTION_DAYS} days, so earlier events are missing; query the trail's files in S3 (Athena) for them`;
}

export interface LookupOptions {
  /** @default 40 (2,000 events) */
  maxPages?: number;
}

/** All events in the window with one lookup attribute (e.g. Username = the instance id). */
export async function lookupEvents(
  client: CloudTrailClient,
  attribute: { key: LookupAttributeKey | `${LookupAttributeKey}`; value: string },
  window: IncidentWindow,
  options: LookupOptions = {},
): Promise<LookupResult> {
  const maxPages = options.maxPages ?? 40;
  const events: LookedUpEvent[] = [];
  let token: string | undefined;
  let pages = 0;
  let unparsable = 0;
  do {
    const page = await client.send(
      new LookupEventsCommand({
        LookupAttributes: [
          { AttributeKey: attribute.key as LookupAttributeKey, AttributeValue: attribute.value },
        ],
        StartTime: window.start,
        EndTime: window.end,
        MaxResults: 50,
        ...(token ? { NextToken: token } : {}),
      }),
    );
    pages++;
    for (const e of page.Events ?? []) {
      let record: CloudTrailRecord;
      try {
        record = JSON.parse(e.CloudTrailEvent ?? "") as CloudTrailRecord;
      } catch {
        unparsable++;
        continue;
      }
      events.push({
        eventId: e.EventId ?? record.eventID ?? "",
        eventName: e.EventName ?? record.eventName ?? "",
        eventSource: e.EventSource ?? record.eventSource ?? "",
        eventTime: (e.EventTime ?? new Date(record.eventTime ?? 0)).toISOString(),
        ...(e.ReadOnly !== undefined
          ? { readOnly: e.ReadOnly === "true" }
          : record.readOnly !== undefined
            ? { readOnly: record.readOnly }
            : {}),
        ...(e.Username ? { username: e.Username } : {}),
        ...((e.AccessKeyId ?? record.userIdentity?.accessKeyId)
          ? { accessKeyId: e.AccessKeyId ?? record.userIdentity?.accessKeyId }
          : {}),
        resources: (e.Resources ?? []).map((r) => ({ type: r.ResourceType, name: r.ResourceName })),
        record,
      });
    }
    token = page.NextToken;
  } while (token && pages < maxPages);
  return { events, pages, truncated: !!token, unparsable };
}
