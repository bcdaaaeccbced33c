/**
 * GuardDuty findings as EventBridge delivers them (`detail-type: GuardDuty Finding`), built from the
 * victim's real attributes in the emulated account so `ir respond finding.json` resolves them like a
 * production finding. Field names and shapes follow the GuardDuty finding format (schemaVersion 2.0).
 */
import { randomBytes } from "node:crypto";

/** What a finding says about the instance it concerns (read from the emulated account). */
export interface Victim {
  accountId: string;
  region: string;
  instanceId: string;
  imageId: string;
  instanceType: string;
  availabilityZone: string;
  launchTime: string;
  profileArn: string;
  roleName: string;
  eniId: string;
  privateIp: string;
  subnetId: string;
  vpcId: string;
  groups: { groupId: string; groupName: string }[];
}

export interface FindingSpec {
  type: string;
  severity: number;
  title: string;
  description: string;
  firstSeen: Date;
  lastSeen: Date;
  count: number;
  action: Record<string, unknown>;
  /** "Instance" for EC2 findings; "AccessKey" for IAM ones (which still carry instanceDetails). */
  resourceType?: "Instance" | "AccessKey";
  accessKeyDetails?: Record<string, unknown>;
}

export type GuardDutyEvent = {
  version: "0";
  id: string;
  "detail-type": "GuardDuty Finding";
  source: "aws.guardduty";
  account: string;
  time: string;
  region: string;
  resources: string[];
  // biome-ignore lint/suspicious/noExplicitAny: a finding is free-form JSON, read by path
  detail: Record<string, any>;
};

const hex = (bytes: number) => randomBytes(bytes).toString("hex");
/** One detector per account, as in GuardDuty. */
const detectors = new Map<string, string>();

export function guardDutyEvent(v: Victim, f: FindingSpec): GuardDutyEvent {
  const detectorId = detectors.get(v.accountId) ?? hex(16);
  detectors.set(v.accountId, detectorId);
  const findingId = hex(16);
  const updatedAt = f.lastSeen.toISOString();
  return {
    version: "0",
    id: `${hex(4)}-${hex(2)}-${hex(2)}-${hex(2)}-${hex(6)}`,
    "detail-type": "GuardDuty Finding",
    source: "aws.guardduty",
    account: v.accountId,
    time: updatedAt,
    region: v.region,
    resources: [],
    detail: {
      schemaVersion: "2.0",
      accountId: v.accountId,
      region: v.region,
      partition: "aws",
      id: findingId,
      arn: `arn:aws:guardduty:${v.region}:${v.accountId}:detector/${detectorId}/finding/${findingId}`,
      type: f.type,
      resource: {
        resourceType: f.resourceType ?? "Instance",
        ...(f.accessKeyDetails ? { accessKeyDetails: f.accessKeyDetails } : {}),
        instanceDetails: {
          instanceId: v.instanceId,
          instanceType: v.instanceType,
          imageId: v.imageId,
          iamInstanceProfile: { arn: v.profileArn, id: `AIPA${hex(8).toUpperCase()}` },
          networkInterfaces: [
            {
              networkInterfaceId: v.eniId,
              privateIpAddress: v.privateIp,
              subnetId: v.subnetId,
              vpcId: v.vpcId,
              securityGroups: v.groups,
            },
          ],
          tags: [{ key: "aws:autoscaling:groupName", value: "web-asg" }],
          instanceState: "running",
          availabilityZone: v.availabilityZone,
          launchTime: v.launchTime,
        },
      },
      service: {
        serviceName: "guardduty",
        detectorId,
        action: f.action,
        eventFirstSeen: f.firstSeen.toISOString(),
        eventLastSeen: updatedAt,
        archived: false,
        count: f.count,
        resourceRole: "TARGET",
      },
      severity: f.severity,
      createdAt: f.firstSeen.toISOString(),
      updatedAt,
      title: f.title,
      description: f.description,
    },
  };
}

/** remoteIpDetails as GuardDuty fills it from its geolocation data. */
export function remoteIp(ip: string, country: string, city: string, org: string, asn: string) {
  return {
    ipAddressV4: ip,
    country: { countryName: country },
    city: { cityName: city },
    organization: { asn, asnOrg: org, isp: org, org },
    geoLocation: { lat: 0, lon: 0 },
  };
}
