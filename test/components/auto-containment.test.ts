/**
 * AutoContainment: the function (runtime, role, limits, encrypted environment, dead-letter queue), its
 * log group, its rule and invoke permission, under Pulumi mocks; the rule's pattern matched by the
 * emulator's EventBridge against real-format GuardDuty findings (test/fixtures/events): instance
 * findings and stolen instance credentials fire it, an IAM user's key does not.
 */
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
import * as pulumi from "@pulumi/pulumi";
import { expect } from "chai";
import {
  AutoContainment,
  type AutoContainmentArgs,
  checkAutoContainmentArgs,
} from "../../components/auto-containment";
import { autoContainmentPattern } from "../../components/auto-containment-pattern";
import { TEST_CREDENTIALS, TEST_REGION, useMoto } from "../helpers/moto";
import { installMocks, ofType, policyDoc, type RecordedResource, settle } from "../helpers/pulumi-mocks";
import { accessKeyFindingEvent, credentialExfiltrationEvent, guardDutyEvent } from "../lambda/events";

const ROLE = "arn:aws:iam::111122223333:role/ir-responder";
const TOPIC = "arn:aws:sns:us-east-1:111122223333:ir-alerts";
const ALERTS_KEY = "arn:aws:kms:us-east-1:111122223333:key/alerts";
const AUDIT_KEY = "arn:aws:kms:us-east-1:111122223333:key/audit";
const args = (extra: Partial<AutoContainmentArgs> = {}): AutoContainmentArgs => ({
  mode: "contain",
  roleArn: ROLE,
  roleName: "ir-responder",
  alertTopicArn: TOPIC,
  kmsKeyArn: ALERTS_KEY,
  logKmsKeyArn: AUDIT_KEY,
  // Under mocks assets are not read: the bundle itself is tested in test/lambda/bundle.test.ts.
  code: new pulumi.asset.AssetArchive({}),
  ...extra,
});

describe("AutoContainment", () => {
  describe("GIVEN contain mode with a threshold of 8", () => {
    let resources: RecordedResource[];
    const one = (type: string) => {
      const found = ofType(resources, type);
      expect(found, type).to.have.length(1);
      return found[0]!;
    };
    before(async () => {
      resources = await installMocks();
      new AutoContainment("auto", args({ minSeverity: 8, memoryCapture: true }));
      await settle(resources);
    });

    it("runs the bundled engine on nodejs22.x as the responder role, bounded to 900 s and 10 at once", () => {
      const f = one("aws:lambda/function:Function");
      expect(f.inputs).to.include({
        name: "ir-auto-contain",
        runtime: "nodejs22.x",
        handler: "index.handler",
        role: ROLE,
        timeout: 900,
        reservedConcurrentExecutions: 10,
        kmsKeyArn: ALERTS_KEY,
      });
      expect(f.inputs.tracingConfig).to.deep.equal({ mode: "PassThrough" });
    });

    it("tells the function its mode, threshold, memory setting, settings parameter and topic", () => {
      expect(one("aws:lambda/function:Function").inputs.environment.variables).to.deep.equal({
        IR_AUTO_CONTAIN_MODE: "contain",
        IR_AUTO_CONTAIN_MIN_SEVERITY: "8",
        IR_AUTO_CONTAIN_MEMORY: "on",
        IR_SETTINGS_PARAMETER: "/ir/responder-config",
        IR_ALERT_TOPIC_ARN: TOPIC,
      });
    });

    it("logs to an encrypted log group with retention, and dead-letters failed events in an encrypted queue", () => {
      const logs = one("aws:cloudwatch/logGroup:LogGroup");
      expect(logs.inputs).to.include({
        name: "/aws/lambda/ir-auto-contain",
        retentionInDays: 365,
        kmsKeyId: AUDIT_KEY,
      });
      const queue = one("aws:sqs/queue:Queue");
      expect(queue.inputs).to.include({ name: "ir-auto-contain-dlq", kmsMasterKeyId: ALERTS_KEY });
      // One queue for both: events the rule could not deliver, and invocations that failed after retries.
      const queueArn = "arn:aws:sqs:us-east-1:111122223333:auto-dlq";
      expect(one("aws:lambda/function:Function").inputs.deadLetterConfig.targetArn).to.equal(queueArn);
      expect(one("aws:cloudwatch/eventTarget:EventTarget").inputs.deadLetterConfig.arn).to.equal(queueArn);
      expect(one("aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig").inputs).to.include({
        maximumRetryAttempts: 2,
      });
    });

    it("grants the role only its own log streams, its queue and the alerts key", () => {
      const p = one("aws:iam/rolePolicy:RolePolicy");
      expect(p.inputs.role).to.equal("ir-responder");
      const doc = policyDoc(p.inputs.policy);
      const byAction = Object.fromEntries(doc.Statement.map((s) => [String(s.Action), s.Resource]));
      expect(byAction["logs:CreateLogStream,logs:PutLogEvents"]).to.match(/:log-stream:\*$/);
      expect(byAction["sqs:SendMessage"]).to.equal("arn:aws:sqs:us-east-1:111122223333:auto-dlq");
      expect(byAction["kms:Decrypt,kms:GenerateDataKey"]).to.equal(ALERTS_KEY);
      for (const s of doc.Statement) expect(s.Resource).to.not.equal("*");
    });

    it("lets only its rule invoke it, and the rule matches findings naming an instance of severity 8 or more", () => {
      const perm = one("aws:lambda/permission:Permission");
      expect(perm.inputs).to.include({
        action: "lambda:InvokeFunction",
        principal: "events.amazonaws.com",
        function: "ir-auto-contain",
      });
      const rule = one("aws:cloudwatch/eventRule:EventRule");
      expect(perm.inputs.sourceArn).to.be.a("string").and.match(/auto/);
      expect(JSON.parse(rule.inputs.eventPattern)).to.deep.equal(autoContainmentPattern(8));
    });
  });

  describe("GIVEN bad arguments", () => {
    it("refuses an unknown mode, a threshold outside 1 to 8.9, and unbounded limits", () => {
      expect(() => checkAutoContainmentArgs(args({ mode: "off" as "contain" }))).to.throw(
        'auto-containment mode "off" is not allowed: expected "approve" or "contain"',
      );
      expect(() => checkAutoContainmentArgs(args({ minSeverity: 10 }))).to.throw(
        "auto-containment severity 10 is not allowed: expected a number from 1 to 8.9 (7 = high)",
      );
      expect(() => checkAutoContainmentArgs(args({ reservedConcurrency: 0 }))).to.throw(
        /reserved concurrency 0 is not allowed/,
      );
      expect(() => checkAutoContainmentArgs(args({ timeoutSeconds: 1000 }))).to.throw(
        /timeout 1000 s is not allowed: expected 120 to 900 seconds/,
      );
    });
  });
});

describe("auto-containment rule pattern (EventBridge in the emulator)", () => {
  let events: EventBridgeClient;
  let sqs: SQSClient;
  let queueUrl: string;
  let queueArn: string;
  let n = 0;

  const fires = async (minSeverity: number, event: Record<string, any>): Promise<boolean> => {
    const name = `auto-contain-under-test-${++n}`;
    await events.send(
      new PutRuleCommand({ Name: name, EventPattern: JSON.stringify(autoContainmentPattern(minSeverity)) }),
    );
    await events.send(new PutTargetsCommand({ Rule: name, Targets: [{ Id: "q", Arn: queueArn }] }));
    await events.send(
      new PutEventsCommand({
        Entries: [
          {
            Source: event.source,
            DetailType: event["detail-type"],
            Detail: JSON.stringify(event.detail),
            Time: new Date(event.time),
          },
        ],
      }),
    );
    const got = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
    );
    for (const m of got.Messages ?? [])
      await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle }));
    await events.send(new RemoveTargetsCommand({ Rule: name, Ids: ["q"] }));
    await events.send(new DeleteRuleCommand({ Name: name }));
    return (got.Messages?.length ?? 0) > 0;
  };

  before(async () => {
    const endpoint = await useMoto();
    const common = { endpoint, region: TEST_REGION, credentials: TEST_CREDENTIALS, maxAttempts: 1 };
    events = new EventBridgeClient(common);
    sqs = new SQSClient(common);
    queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: "auto-contain-under-test" }))).QueueUrl!;
    queueArn = (
      await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["QueueArn"] }))
    ).Attributes!.QueueArn!;
  });
  after(() => {
    events.destroy();
    sqs.destroy();
  });

  const id = "i-0abcdef1234567890";
  it("fires on a high-severity finding about an instance (severity 8, threshold 7)", async () => {
    expect(await fires(7, guardDutyEvent(id))).to.equal(true);
  });
  it("does not fire below the threshold (6.9 and 2 at 7; 8 at 8.5)", async () => {
    expect(await fires(7, guardDutyEvent(id, { fixture: "guardduty-medium-6.9" }))).to.equal(false);
    expect(await fires(7, guardDutyEvent(id, { fixture: "guardduty-low" }))).to.equal(false);
    expect(await fires(8.5, guardDutyEvent(id))).to.equal(false);
  });
  it("moves with the threshold (6.9 fires at 4)", async () => {
    expect(await fires(4, guardDutyEvent(id, { fixture: "guardduty-medium-6.9" }))).to.equal(true);
  });
  it("fires on the EC2 findings the game day plays (C&C, Bitcoin tool by DNS and by connection)", async () => {
    for (const fixture of [
      "guardduty-backdoor-cc-dns",
      "guardduty-bitcoin-tool-dns",
      "guardduty-bitcoin-tool",
    ] as const)
      expect(await fires(7, guardDutyEvent(id, { fixture })), fixture).to.equal(true);
  });
  it("fires on stolen instance credentials (resourceType AccessKey naming the instance), outside and inside AWS", async () => {
    expect(await fires(7, credentialExfiltrationEvent(id, "outside"))).to.equal(true);
    expect(await fires(7, credentialExfiltrationEvent(id, "inside"))).to.equal(true);
    expect(await fires(8.5, credentialExfiltrationEvent(id, "outside"))).to.equal(false);
  });
  it("does not fire on a high-severity finding about an IAM user's access key (no instance in it)", async () => {
    expect(await fires(7, accessKeyFindingEvent())).to.equal(false);
    // An AccessKey finding whose instanceDetails names no instance id either.
    const empty = credentialExfiltrationEvent(id);
    delete empty.detail.resource.instanceDetails.instanceId;
    expect(await fires(7, empty)).to.equal(false);
  });
});
