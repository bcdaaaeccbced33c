/**
 * The alert rules' EventBridge patterns against realistic sample events, matched by the emulator's
 * EventBridge for real: each rule is created with an SQS target, each sample is put on the bus, and the
 * queue tells which rules fired. Each rule must match what it should and nothing else.
 * (moto's TestEventPattern is a stub that answers nothing, hence the round trip through SQS.)
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  DeleteRuleCommand,
  EventBridgeClient,
  PutEventsCommand,
  PutRuleCommand,
  PutTargetsCommand,
  RemoveTargetsCommand,
} from "@aws-sdk/client-eventbridge";
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { expect } from "chai";
import {
  alertRules,
  BUCKET_POLICY_RULE,
  bucketPolicyChangedPattern,
  KEY_DISABLED_RULE,
  keyDisabledPattern,
} from "../../components/event-patterns";
import { TEST_CREDENTIALS, TEST_REGION, useMoto } from "../helpers/moto";

const SAMPLES = [
  "guardduty-high",
  "guardduty-medium-6.9",
  "guardduty-low",
  "guardduty-backdoor-cc-dns",
  "guardduty-bitcoin-tool-dns",
  "guardduty-bitcoin-tool",
  "guardduty-credential-exfiltration-outside",
  "guardduty-credential-exfiltration-inside",
  "guardduty-iam-user-exfiltration",
  "cloudtrail-stoplogging",
  "cloudtrail-createtrail",
  "guardduty-disable-detector",
  "guardduty-update-frequency",
  "guardduty-archive-filter",
  "config-stop-recorder",
  "signin-root",
  "signin-iam-user",
] as const;

/** Which rule (if any) each sample must trigger, at the default threshold of 7. */
const EXPECTED: Record<(typeof SAMPLES)[number], string | undefined> = {
  "guardduty-high": "guardduty-finding",
  "guardduty-medium-6.9": undefined,
  "guardduty-low": undefined,
  // Every finding at the threshold alerts, whatever its resource: people hear of an IAM user's key too.
  "guardduty-backdoor-cc-dns": "guardduty-finding",
  "guardduty-bitcoin-tool-dns": "guardduty-finding",
  "guardduty-bitcoin-tool": "guardduty-finding",
  "guardduty-credential-exfiltration-outside": "guardduty-finding",
  "guardduty-credential-exfiltration-inside": "guardduty-finding",
  "guardduty-iam-user-exfiltration": "guardduty-finding",
  "cloudtrail-stoplogging": "trail-tampering",
  "cloudtrail-createtrail": undefined,
  "guardduty-disable-detector": "detection-disabled",
  "guardduty-update-frequency": undefined,
  "guardduty-archive-filter": "detection-disabled",
  "config-stop-recorder": "detection-disabled",
  "signin-root": "root-sign-in",
  "signin-iam-user": undefined,
};

const sample = (name: string) =>
  readFileSync(join(__dirname, "..", "fixtures", "events", `${name}.json`), "utf8");

describe("alert event patterns (EventBridge rules in the emulator)", () => {
  let events: EventBridgeClient;
  let sqs: SQSClient;
  let queueUrl: string;
  let queueArn: string;
  let ruleCounter = 0;

  /** Whether a rule with this pattern fires on the event: rule → SQS target, put the event, read the queue. */
  const fires = async (pattern: object, event: string): Promise<boolean> => {
    const name = `under-test-${++ruleCounter}`;
    await events.send(new PutRuleCommand({ Name: name, EventPattern: JSON.stringify(pattern) }));
    await events.send(new PutTargetsCommand({ Rule: name, Targets: [{ Id: "q", Arn: queueArn }] }));
    const e = JSON.parse(event);
    const put = await events.send(
      new PutEventsCommand({
        Entries: [
          {
            Source: e.source,
            DetailType: e["detail-type"],
            Detail: JSON.stringify(e.detail),
            Resources: e.resources,
            Time: new Date(e.time),
          },
        ],
      }),
    );
    expect(put.FailedEntryCount ?? 0).to.equal(0);
    const received = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
    );
    for (const m of received.Messages ?? [])
      await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle }));
    await events.send(new RemoveTargetsCommand({ Rule: name, Ids: ["q"] }));
    await events.send(new DeleteRuleCommand({ Name: name }));
    return (received.Messages?.length ?? 0) > 0;
  };
  const fired = async (rules: { id: string; pattern: object }[], event: string): Promise<string[]> => {
    const ids: string[] = [];
    for (const r of rules) if (await fires(r.pattern, event)) ids.push(r.id);
    return ids;
  };

  before(async () => {
    const endpoint = await useMoto();
    const common = { endpoint, region: TEST_REGION, credentials: TEST_CREDENTIALS, maxAttempts: 1 };
    events = new EventBridgeClient(common);
    sqs = new SQSClient(common);
    queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: "alerts-under-test" }))).QueueUrl!;
    queueArn = (
      await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["QueueArn"] }))
    ).Attributes!.QueueArn!;
  });

  for (const name of SAMPLES)
    it(`${name} triggers ${EXPECTED[name] ?? "no rule"}`, async () => {
      const expected = EXPECTED[name];
      expect(await fired(alertRules(7), sample(name))).to.deep.equal(expected ? [expected] : []);
    });

  // The rules bound to the project's resources (the log archive, the evidence bucket, the keys).
  const KEY = "arn:aws:kms:eu-central-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
  const boundRules = [
    {
      id: BUCKET_POLICY_RULE.id,
      pattern: bucketPolicyChangedPattern([
        "ir-log-archive-111122223333",
        "ir-evidence-111122223333-eu-central-1",
      ]),
    },
    {
      id: KEY_DISABLED_RULE.id,
      pattern: keyDisabledPattern([{ arn: KEY, keyId: "1234abcd-12ab-34cd-56ef-1234567890ab" }]),
    },
  ];
  const BOUND: [string, string | undefined][] = [
    ["s3-put-bucket-policy-archive", BUCKET_POLICY_RULE.id],
    ["s3-delete-bucket-policy-evidence", BUCKET_POLICY_RULE.id],
    ["s3-put-bucket-policy-other", undefined],
    ["kms-schedule-key-deletion", KEY_DISABLED_RULE.id],
    ["kms-disable-key-by-arn", KEY_DISABLED_RULE.id],
    ["kms-disable-key-other", undefined],
  ];
  for (const [name, expected] of BOUND)
    it(`${name} triggers ${expected ?? "no rule"} (and none of the other rules)`, async () => {
      const rules = [...alertRules(7), ...boundRules];
      expect(await fired(rules, sample(name))).to.deep.equal(expected ? [expected] : []);
    });

  it("moves the finding threshold with the configured severity", async () => {
    const finding = (min: number) => [
      { id: `finding-${min}`, pattern: alertRules(min).find((r) => r.id === "guardduty-finding")!.pattern },
    ];
    expect(await fired(finding(4), sample("guardduty-medium-6.9"))).to.deep.equal(["finding-4"]);
    expect(await fired(finding(4), sample("guardduty-low"))).to.deep.equal([]);
    expect(await fired(finding(8.5), sample("guardduty-high"))).to.deep.equal([]);
  });
});
