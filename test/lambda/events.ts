/**
 * Sample events for the auto-containment tests, made from the realistic fixtures in
 * test/fixtures/events/ with the instance, region and account of the emulated world.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { TEST_ACCOUNT, TEST_REGION } from "../helpers/moto";

const fixture = (name: string) =>
  JSON.parse(readFileSync(join(__dirname, "..", "fixtures", "events", `${name}.json`), "utf8"));

/** A GuardDuty finding event (EventBridge envelope) about `instanceId`, from a fixture. */
export function guardDutyEvent(
  instanceId: string,
  opts: { fixture?: "guardduty-high" | "guardduty-low" | "guardduty-medium-6.9"; account?: string } = {},
) {
  const e = fixture(opts.fixture ?? "guardduty-high");
  const account = opts.account ?? TEST_ACCOUNT;
  e.account = account;
  e.region = TEST_REGION;
  e.detail.accountId = account;
  e.detail.region = TEST_REGION;
  e.detail.id = `finding-${instanceId}`;
  e.detail.resource.instanceDetails.instanceId = instanceId;
  return e;
}

/** A GuardDuty finding about an IAM access key (not an EC2 instance). */
export function accessKeyFindingEvent() {
  const e = guardDutyEvent("i-0abcdef1234567890");
  e.detail.type = "UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS";
  e.detail.resource = { resourceType: "AccessKey", accessKeyDetails: { userName: "web" } };
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
