/**
 * Sample events for the auto-containment tests, made from the realistic fixtures in
 * test/fixtures/events/ with the instance, region and account of the emulated world.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { TEST_ACCOUNT, TEST_REGION } from "../helpers/moto";

const fixture = (name: string) =>
  JSON.parse(readFileSync(join(__dirname, "..", "fixtures", "events", `${name}.json`), "utf8"));

/** Fixtures of findings that name an instance (resource.instanceDetails.instanceId). */
export type InstanceFixture =
  | "guardduty-high"
  | "guardduty-low"
  | "guardduty-medium-6.9"
  | "guardduty-backdoor-cc-dns"
  | "guardduty-bitcoin-tool-dns"
  | "guardduty-bitcoin-tool"
  | "guardduty-credential-exfiltration-outside"
  | "guardduty-credential-exfiltration-inside";

/** A GuardDuty finding event (EventBridge envelope) about `instanceId`, from a fixture. */
export function guardDutyEvent(
  instanceId: string,
  opts: { fixture?: InstanceFixture; account?: string } = {},
) {
  const e = inAccount(fixture(opts.fixture ?? "guardduty-high"), opts.account);
  e.detail.id = `finding-${instanceId}`;
  e.detail.resource.instanceDetails.instanceId = instanceId;
  return e;
}

/**
 * Stolen instance credentials used from outside AWS (or from another account: `inside`): an IAM finding
 * (resourceType AccessKey) naming the instance in resource.instanceDetails.
 */
export function credentialExfiltrationEvent(instanceId: string, where: "outside" | "inside" = "outside") {
  return guardDutyEvent(instanceId, { fixture: `guardduty-credential-exfiltration-${where}` });
}

/** A GuardDuty finding about an IAM user's access key: no instance anywhere in it. */
export function accessKeyFindingEvent() {
  const e = inAccount(fixture("guardduty-iam-user-exfiltration"));
  e.detail.id = "finding-iam-user-key";
  return e;
}

// biome-ignore lint/suspicious/noExplicitAny: a finding is free-form JSON, read by path
function inAccount(e: any, account = TEST_ACCOUNT) {
  e.account = account;
  e.region = TEST_REGION;
  e.detail.accountId = account;
  e.detail.region = TEST_REGION;
  return e;
}

/** A Security Hub "Findings - Imported" event with one ASFF finding about `instanceId`. */
export function securityHubEvent(instanceId: string, normalized: number) {
  return {
    version: "0",
    id: "8e5622f9-d81c-4d81-612a-9319e7ee2506",
    "detail-type": "Security Hub Findings - Imported",
    source: "aws.securityhub",
    account: TEST_ACCOUNT,
    time: "2026-11-28T03:20:00Z",
    region: TEST_REGION,
    resources: [],
    detail: {
      findings: [
        {
          SchemaVersion: "2018-10-08",
          Id: `sh-${instanceId}`,
          ProductArn: `arn:aws:securityhub:${TEST_REGION}::product/aws/guardduty`,
          AwsAccountId: TEST_ACCOUNT,
          Types: ["TTPs/Command and Control/Backdoor:EC2-C&CActivity.B!DNS"],
          FirstObservedAt: "2026-11-28T03:00:00.000Z",
          Severity: { Label: normalized >= 70 ? "HIGH" : "MEDIUM", Normalized: normalized },
          Title: "EC2 instance is querying a domain name associated with a known command and control server.",
          Resources: [
            {
              Type: "AwsEc2Instance",
              Id: `arn:aws:ec2:${TEST_REGION}:${TEST_ACCOUNT}:instance/${instanceId}`,
              Region: TEST_REGION,
            },
          ],
        },
      ],
    },
  };
}
