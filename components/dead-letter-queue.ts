import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { policyJson } from "./service-role";
import { baseTags } from "./tags";

/** Retries of an EventBridge target before its event goes to the dead-letter queue: one day, the maximum. */
export const TARGET_RETRY = { maximumEventAgeInSeconds: 86400, maximumRetryAttempts: 185 };

/**
 * An SQS dead-letter queue for EventBridge targets (14 days retention), encrypted with the given CMK
 * or, where none is in the region, with SQS-managed keys; `allowRules` lets exactly these rules use it.
 */
export function deadLetterQueue(
  name: string,
  queueName: string,
  kmsKeyArn: pulumi.Input<string> | undefined,
  opts: pulumi.CustomResourceOptions,
) {
  const queue = new aws.sqs.Queue(
    name,
    {
      name: queueName,
      kmsMasterKeyId: kmsKeyArn,
      sqsManagedSseEnabled: kmsKeyArn ? undefined : true,
      messageRetentionSeconds: 1209600,
      tags: baseTags(),
    },
    opts,
  );
  const allowRules = (rules: aws.cloudwatch.EventRule[]) =>
    new aws.sqs.QueuePolicy(
      name,
      {
        queueUrl: queue.url,
        policy: pulumi.all([queue.arn, ...rules.map((r) => r.arn)]).apply(([queueArn, ...ruleArns]) =>
          policyJson({
            Sid: "AlertRulesDeadLetter",
            Effect: "Allow",
            Principal: { Service: "events.amazonaws.com" },
            Action: "sqs:SendMessage",
            Resource: queueArn,
            Condition: { ArnEquals: { "aws:SourceArn": ruleArns } },
          }),
        ),
      },
      opts,
    );
  return { queue, allowRules };
}
