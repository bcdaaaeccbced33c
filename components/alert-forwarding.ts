import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { NAME_PREFIX } from "../facts";
import { resolveKeys } from "./alerting";
import { deadLetterQueue, TARGET_RETRY } from "./dead-letter-queue";
import { type AlertRule, alertRules, KEY_DISABLED_RULE, keyDisabledPattern } from "./event-patterns";
import { policyJson, serviceRole } from "./service-role";
import { baseTags } from "./tags";

export interface AlertForwardingArgs {
  /** Default event bus of the home region. */
  homeBusArn: pulumi.Input<string>;
  /** Role EventBridge uses to put events on the home bus (see forwardingRole). */
  roleArn: pulumi.Input<string>;
  minSeverity: number;
  /** Forward only these rules (e.g. root sign-in in us-east-1). @default all */
  only?: string[];
  /** This region's keys: their disabling or scheduled deletion is forwarded. @default [] */
  watchedKeys?: { arn: pulumi.Input<string>; keyId: pulumi.Input<string> }[];
}

/** The IAM role (global, created once) that lets EventBridge forward events to the home region's bus. */
export function forwardingRole(
  name: string,
  homeBusArn: pulumi.Input<string>,
  opts: pulumi.CustomResourceOptions,
) {
  const policy = pulumi
    .output(homeBusArn)
    .apply((bus) => policyJson({ Effect: "Allow", Action: "events:PutEvents", Resource: bus }));
  return serviceRole(name, "events.amazonaws.com", policy, opts).role;
}

/**
 * In a region other than the home region: the same alert rules, forwarding matching events to the home
 * region's default bus, where Alerting's rules publish them to the one topic.
 */
export class AlertForwarding extends pulumi.ComponentResource {
  constructor(name: string, args: AlertForwardingArgs, opts?: pulumi.ComponentResourceOptions) {
    super("incident-ready:alerting:AlertForwarding", name, {}, opts);
    const rules: (Omit<AlertRule, "pattern"> & { pattern: pulumi.Input<string> })[] = alertRules(
      args.minSeverity,
    )
      .filter((r) => !args.only || args.only.includes(r.id))
      .map((r) => ({ ...r, pattern: JSON.stringify(r.pattern) }));
    if (args.watchedKeys?.length && (!args.only || args.only.includes(KEY_DISABLED_RULE.id)))
      rules.push({
        ...KEY_DISABLED_RULE,
        pattern: resolveKeys(args.watchedKeys).apply((keys) => JSON.stringify(keyDisabledPattern(keys))),
      });
    // Deliveries to the home bus that keep failing land here (SQS-managed keys: the alerts CMK is in the home region).
    const dlq = deadLetterQueue(`${name}-dlq`, `${NAME_PREFIX}-forward-dlq`, undefined, { parent: this });
    const eventRules: aws.cloudwatch.EventRule[] = [];
    for (const rule of rules) {
      const eventRule = new aws.cloudwatch.EventRule(
        `${name}-${rule.id}`,
        {
          name: `${NAME_PREFIX}-forward-${rule.id}`,
          description: `${rule.description} (forwarded to the home region)`,
          eventPattern: rule.pattern,
          tags: baseTags(),
        },
        { parent: this },
      );
      new aws.cloudwatch.EventTarget(
        `${name}-${rule.id}`,
        {
          rule: eventRule.name,
          arn: args.homeBusArn,
          roleArn: args.roleArn,
          deadLetterConfig: { arn: dlq.queue.arn },
          retryPolicy: TARGET_RETRY,
        },
        { parent: this },
      );
      eventRules.push(eventRule);
    }
    dlq.allowRules(eventRules);
    this.registerOutputs({});
  }
}
