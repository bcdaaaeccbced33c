/**
 * Finding delivery as AWS does it: GuardDuty puts each finding on the account's default event bus, the
 * rule the baseline deploys (`ir-auto-contain`, with the pattern components/auto-containment-pattern.ts
 * generates) matches it or not, and Lambda invokes the function with the delivered event. The emulator
 * runs no Lambda, so here the rule's target is a queue standing in for the function: the events the rule
 * delivered are read from it and handed to the handler Lambda runs (automation/lambda/handler.ts).
 * Whether a finding matches is decided by the emulator's EventBridge (moto's pattern matcher), not by
 * this code: moto's TestEventPattern is a stub, the PutEvents → rule → target path is not.
 *
 * EventBridge and SQS clients are built here, not by the AwsClients factory: they are the emulated
 * AWS's own plumbing (GuardDuty publishing, Lambda's event source), never calls the responder makes.
 * `@aws-sdk/client-sqs` is a development dependency: the game day runs from a checkout (ts-node).
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
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import type { EventPattern } from "../../components/event-patterns";
import type { AwsClients } from "../aws/clients";

/** An EventBridge event as a rule delivers it to its target (and Lambda to the function). */
// biome-ignore lint/suspicious/noExplicitAny: events are free-form JSON, read by path
export type DeliveredEvent = Record<string, any>;

/** What GuardDuty publishes: the EventBridge envelope around a finding. */
export interface PublishedEvent {
  source: string;
  "detail-type": string;
  time?: string;
  resources?: string[];
  detail: unknown;
}

/** A rule deployed in the emulated account, its target a queue standing in for the function. */
export class DeployedRule {
  private constructor(
    readonly name: string,
    readonly pattern: EventPattern,
    private readonly events: EventBridgeClient,
    private readonly sqs: SQSClient,
    private readonly queueUrl: string,
  ) {}

  /**
   * Deploys `name` with `pattern` (as given: the caller passes the pattern the baseline generates) in the
   * account `world` acts in, replacing a rule of that name left by an earlier run.
   */
  static async deploy(world: AwsClients, name: string, pattern: EventPattern): Promise<DeployedRule> {
    const events = emulatorClient(world, (c) => new EventBridgeClient(c));
    const sqs = emulatorClient(world, (c) => new SQSClient(c));
    try {
      const queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: `${name}-inbox` }))).QueueUrl!;
      const queueArn = (
        await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["QueueArn"] }))
      ).Attributes!.QueueArn!;
      await events.send(new PutRuleCommand({ Name: name, EventPattern: JSON.stringify(pattern) }));
      await events.send(new PutTargetsCommand({ Rule: name, Targets: [{ Id: "function", Arn: queueArn }] }));
      return new DeployedRule(name, pattern, events, sqs, queueUrl);
    } catch (err) {
      events.destroy();
      sqs.destroy();
      throw err;
    }
  }

  /** Publishes `event` on the default bus as its source does; returns what the rule delivered (0 or 1). */
  async publish(event: PublishedEvent): Promise<DeliveredEvent[]> {
    const put = await this.events.send(
      new PutEventsCommand({
        Entries: [
          {
            Source: event.source,
            DetailType: event["detail-type"],
            Detail: JSON.stringify(event.detail),
            Resources: event.resources ?? [],
            ...(event.time ? { Time: new Date(event.time) } : {}),
          },
        ],
      }),
    );
    const failed = put.Entries?.find((e) => e.ErrorCode);
    if ((put.FailedEntryCount ?? 0) > 0)
      throw new Error(
        `the event bus refused the ${event["detail-type"]} event: ${failed?.ErrorCode} ${failed?.ErrorMessage ?? ""}`,
      );
    // The emulator delivers to the target within PutEvents: the queue holds every match by now.
    const delivered: DeliveredEvent[] = [];
    for (;;) {
      const got = await this.sqs.send(
        new ReceiveMessageCommand({ QueueUrl: this.queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
      );
      if (!got.Messages?.length) return delivered;
      for (const m of got.Messages) {
        delivered.push(JSON.parse(m.Body ?? "null"));
        await this.sqs.send(
          new DeleteMessageCommand({ QueueUrl: this.queueUrl, ReceiptHandle: m.ReceiptHandle }),
        );
      }
    }
  }

  /** Removes the rule and its queue (tests); the game day keeps them with the account (`--keep`). */
  async remove(): Promise<void> {
    await this.events.send(new RemoveTargetsCommand({ Rule: this.name, Ids: ["function"] }));
    await this.events.send(new DeleteRuleCommand({ Name: this.name }));
    await this.sqs.send(new DeleteQueueCommand({ QueueUrl: this.queueUrl }));
  }

  destroy(): void {
    this.events.destroy();
    this.sqs.destroy();
  }
}

/** A client of the emulator in the account `world` acts in (its endpoint, credentials, account header). */
function emulatorClient<T extends EventBridgeClient | SQSClient>(
  world: AwsClients,
  // biome-ignore lint/suspicious/noExplicitAny: the SDK clients' config types differ only in what is unused here
  make: (config: any) => T,
): T {
  const client = make({
    region: world.region,
    maxAttempts: 1,
    ...(world.endpoint ? { endpoint: world.endpoint } : {}),
    ...(world.options.credentials ? { credentials: world.options.credentials } : {}),
  });
  const headers = world.options.headers ?? {};
  // biome-ignore lint/suspicious/noExplicitAny: one middleware for two clients' stacks
  (client.middlewareStack as any).add(
    // biome-ignore lint/suspicious/noExplicitAny: the build step's handler arguments
    (next: (args: any) => Promise<unknown>) => async (args: any) => {
      if (args.request?.headers) Object.assign(args.request.headers, headers);
      return next(args);
    },
    { step: "build", name: "emulatorAccountHeaders" },
  );
  return client;
}
