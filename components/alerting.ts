import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { NAME_PREFIX } from "../facts";
import { deadLetterQueue, TARGET_RETRY } from "./dead-letter-queue";
import {
  alertRules,
  BUCKET_POLICY_RULE,
  bucketPolicyChangedPattern,
  KEY_DISABLED_RULE,
  keyDisabledPattern,
  type WatchedKey,
} from "./event-patterns";
import { baseTags } from "./tags";

export interface AlertingArgs {
  accountId: pulumi.Input<string>;
  /** The alerts CMK (admits EventBridge and SNS). */
  kmsKeyArn: pulumi.Input<string>;
  /** Email subscriptions (each recipient confirms). @default [] */
  emails?: string[];
  /** Lowest GuardDuty severity that alerts (1–8.9). */
  minSeverity: number;
  /** Buckets (home region) whose policy changes alert: the log archive and the evidence bucket. @default [] */
  watchedBucketNames?: pulumi.Input<string>[];
  /** Home-region keys whose disabling or scheduled deletion alerts. @default [] */
  watchedKeys?: { arn: pulumi.Input<string>; keyId: pulumi.Input<string> }[];
}

/** Resolves watched keys to plain values. */
export const resolveKeys = (keys: { arn: pulumi.Input<string>; keyId: pulumi.Input<string> }[]) =>
  pulumi
    .all(keys.map((k) => pulumi.all([k.arn, k.keyId])))
    .apply((pairs) => pairs.map(([arn, keyId]): WatchedKey => ({ arn, keyId })));

/**
 * Alerting in the home region: a KMS-encrypted SNS topic with email subscriptions, EventBridge rules
 * for the events that matter (high findings, trail tampering, detection disabled, root sign-in, the
 * archive's or evidence bucket's policy changed, a project key disabled or scheduled for deletion), and a
 * KMS-encrypted dead-letter queue for deliveries that fail. Other regions forward their events here
 * (see AlertForwarding), so one topic sees the whole account.
 */
export class Alerting extends pulumi.ComponentResource {
  readonly topic: aws.sns.Topic;
  readonly topicArn: pulumi.Output<string>;
  readonly deadLetterQueue: aws.sqs.Queue;
  readonly rules: aws.cloudwatch.EventRule[] = [];

  constructor(name: string, args: AlertingArgs, opts?: pulumi.ComponentResourceOptions) {
    super("incident-ready:alerting:Alerting", name, {}, opts);
    if (!Number.isFinite(args.minSeverity) || args.minSeverity < 1 || args.minSeverity > 8.9)
      throw new Error(`alert severity ${args.minSeverity} is not allowed: expected a number from 1 to 8.9`);
    const parent = { parent: this };
    this.topic = new aws.sns.Topic(
      name,
      { name: `${NAME_PREFIX}-alerts`, kmsMasterKeyId: args.kmsKeyArn, tags: baseTags() },
      parent,
    );
    this.topicArn = this.topic.arn;
    new aws.sns.TopicPolicy(
      name,
      {
        arn: this.topic.arn,
        policy: pulumi.all([this.topic.arn, args.accountId]).apply(([arn, account]) =>
          JSON.stringify({
            Version: "2012-10-17",
            Statement: [
              {
                Sid: "EventBridgePublishes",
                Effect: "Allow",
                Principal: { Service: "events.amazonaws.com" },
                Action: "sns:Publish",
                Resource: arn,
                Condition: { StringEquals: { "aws:SourceAccount": account } },
              },
              {
                Sid: "DenyInsecureTransport",
                Effect: "Deny",
                Principal: "*",
                Action: "sns:Publish",
                Resource: arn,
                Condition: { Bool: { "aws:SecureTransport": "false" } },
              },
            ],
          }),
        ),
      },
      parent,
    );
    (args.emails ?? []).forEach((endpoint, i) => {
      new aws.sns.TopicSubscription(
        `${name}-email-${i}`,
        { topic: this.topic.arn, protocol: "email", endpoint },
        parent,
      );
    });
    const dlq = deadLetterQueue(`${name}-dlq`, `${NAME_PREFIX}-alerts-dlq`, args.kmsKeyArn, parent);
    this.deadLetterQueue = dlq.queue;
    const addRule = (id: string, description: string, pattern: pulumi.Input<string>) => {
      const eventRule = new aws.cloudwatch.EventRule(
        `${name}-${id}`,
        { name: `${NAME_PREFIX}-${id}`, description, eventPattern: pattern, tags: baseTags() },
        parent,
      );
      new aws.cloudwatch.EventTarget(
        `${name}-${id}`,
        {
          rule: eventRule.name,
          arn: this.topic.arn,
          deadLetterConfig: { arn: this.deadLetterQueue.arn },
          retryPolicy: TARGET_RETRY,
        },
        parent,
      );
      this.rules.push(eventRule);
    };
    for (const rule of alertRules(args.minSeverity))
      addRule(rule.id, rule.description, JSON.stringify(rule.pattern));
    if (args.watchedBucketNames?.length)
      addRule(
        BUCKET_POLICY_RULE.id,
        BUCKET_POLICY_RULE.description,
        pulumi
          .all(args.watchedBucketNames)
          .apply((names) => JSON.stringify(bucketPolicyChangedPattern(names))),
      );
    if (args.watchedKeys?.length)
      addRule(
        KEY_DISABLED_RULE.id,
        KEY_DISABLED_RULE.description,
        resolveKeys(args.watchedKeys).apply((keys) => JSON.stringify(keyDisabledPattern(keys))),
      );
    dlq.allowRules(this.rules);
    this.registerOutputs({ topicArn: this.topicArn });
  }
}
