/**
 * Automatic containment: the `ir-auto-contain` Lambda function (the responder engine, bundled with
 * esbuild), run as the responder role, invoked by an EventBridge rule on GuardDuty findings that name
 * an EC2 instance (instance findings, and the instance's stolen role credentials) at or above a severity
 * threshold (components/auto-containment-pattern.ts). In `approve` mode it only publishes an approval
 * request to the alert topic; in `contain` mode it contains and publishes the outcome.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { SSM } from "../facts";
import { HANDLER_ENTRY } from "../scripts/bundle-lambda";
import {
  AUTO_CONTAIN_FUNCTION_NAME,
  autoContainmentPattern,
  checkAutoContainSeverity,
} from "./auto-containment-pattern";
import { deadLetterQueue, TARGET_RETRY } from "./dead-letter-queue";
import { bundledCode } from "./lambda-code";
import { policyJson } from "./service-role";
import { baseTags } from "./tags";

export { AUTO_CONTAIN_FUNCTION_NAME };

export interface AutoContainmentArgs {
  /** `approve` publishes an approval request and changes nothing; `contain` contains. */
  mode: "approve" | "contain";
  /** Lowest GuardDuty severity acted on (1–8.9). @default 7 */
  minSeverity?: number;
  /** Capture memory over SSM from the function (can outlast the 15-minute limit). @default false */
  memoryCapture?: boolean;
  /**
   * Execution role: the responder role. It trusts Lambda only when the baseline turns auto-containment
   * on (ResponderAccess `autoContainment`), and its policy denies every call from any other function.
   */
  roleArn: pulumi.Input<string>;
  /** Its name: the function's own needs (logs, dead-letter queue, keys) are added to it inline. */
  roleName: pulumi.Input<string>;
  /** Alert topic for approval requests and outcomes. */
  alertTopicArn: pulumi.Input<string>;
  /** CMK of the alert topic; also encrypts the function's environment and its dead-letter queue. */
  kmsKeyArn: pulumi.Input<string>;
  /** CMK of the log group (its key policy must admit CloudWatch Logs: the audit key). */
  logKmsKeyArn: pulumi.Input<string>;
  /** SSM parameter with the responder settings. @default "/ir/responder-config" */
  settingsParameterName?: string;
  /** Log retention in days. @default 365 */
  logRetentionDays?: number;
  /** Reserved concurrency: at most this many containments at once; more findings wait in Lambda's queue. @default 10 */
  reservedConcurrency?: number;
  /** Function timeout in seconds (containment is bounded below it). @default 900 */
  timeoutSeconds?: number;
  /** Code archive (tests); default: the handler bundled with esbuild at program time. */
  code?: pulumi.asset.Archive;
}

/** The bundle, built once per program run (no pre-built file needed). */
export const autoContainmentCode = () => bundledCode("ir-auto-contain", HANDLER_ENTRY);

/** Checks the plain arguments; throws a specific error naming the value. */
export function checkAutoContainmentArgs(args: AutoContainmentArgs): void {
  if (args.mode !== "approve" && args.mode !== "contain")
    throw new Error(`auto-containment mode "${args.mode}" is not allowed: expected "approve" or "contain"`);
  checkAutoContainSeverity(args.minSeverity ?? 7);
  const c = args.reservedConcurrency ?? 10;
  if (!Number.isInteger(c) || c < 1 || c > 100)
    throw new Error(
      `auto-containment reserved concurrency ${c} is not allowed: expected a whole number from 1 to 100`,
    );
  const t = args.timeoutSeconds ?? 900;
  if (!Number.isInteger(t) || t < 120 || t > 900)
    throw new Error(`auto-containment timeout ${t} s is not allowed: expected 120 to 900 seconds`);
}

export class AutoContainment extends pulumi.ComponentResource {
  readonly function: aws.lambda.Function;
  readonly functionArn: pulumi.Output<string>;
  readonly rule: aws.cloudwatch.EventRule;
  readonly logGroup: aws.cloudwatch.LogGroup;
  readonly deadLetterQueue: aws.sqs.Queue;

  constructor(name: string, args: AutoContainmentArgs, opts?: pulumi.ComponentResourceOptions) {
    super("incident-ready:response:AutoContainment", name, {}, opts);
    checkAutoContainmentArgs(args);
    const parent = { parent: this };
    const minSeverity = args.minSeverity ?? 7;
    // Lambda writes to /aws/lambda/<function>: created here first, with retention and encryption.
    this.logGroup = new aws.cloudwatch.LogGroup(
      name,
      {
        name: `/aws/lambda/${AUTO_CONTAIN_FUNCTION_NAME}`,
        retentionInDays: args.logRetentionDays ?? 365,
        kmsKeyId: args.logKmsKeyArn,
        tags: baseTags(),
      },
      parent,
    );
    const dlq = deadLetterQueue(`${name}-dlq`, `${AUTO_CONTAIN_FUNCTION_NAME}-dlq`, args.kmsKeyArn, parent);
    this.deadLetterQueue = dlq.queue;
    // What the function needs beyond the responder's actions: its logs, its dead-letter queue, its keys.
    const own = new aws.iam.RolePolicy(
      `${name}-function`,
      {
        role: args.roleName,
        name: `${AUTO_CONTAIN_FUNCTION_NAME}-function`,
        policy: pulumi.all([this.logGroup.arn, dlq.queue.arn, args.kmsKeyArn]).apply(([logs, queue, key]) =>
          policyJson(
            {
              Sid: "WriteOwnLogs",
              Effect: "Allow",
              Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
              Resource: `${logs}:log-stream:*`,
            },
            { Sid: "DeadLetter", Effect: "Allow", Action: "sqs:SendMessage", Resource: queue },
            {
              // Decrypts its environment; publishes to the encrypted alert topic.
              Sid: "UseAlertsKey",
              Effect: "Allow",
              Action: ["kms:Decrypt", "kms:GenerateDataKey"],
              Resource: key,
            },
          ),
        ),
      },
      parent,
    );
    this.function = new aws.lambda.Function(
      name,
      {
        name: AUTO_CONTAIN_FUNCTION_NAME,
        description: `Contains EC2 instances named in GuardDuty findings of severity ${minSeverity} or more (mode: ${args.mode})`,
        runtime: "nodejs22.x",
        architectures: ["arm64"],
        handler: "index.handler",
        code: args.code ?? autoContainmentCode(),
        role: args.roleArn,
        timeout: args.timeoutSeconds ?? 900,
        memorySize: 1024,
        reservedConcurrentExecutions: args.reservedConcurrency ?? 10,
        kmsKeyArn: args.kmsKeyArn,
        tracingConfig: { mode: "PassThrough" },
        deadLetterConfig: { targetArn: dlq.queue.arn },
        // Text: the handler writes its own JSON lines (one per engine event) on stdout.
        loggingConfig: { logFormat: "Text", logGroup: this.logGroup.name },
        environment: {
          variables: {
            IR_AUTO_CONTAIN_MODE: args.mode,
            IR_AUTO_CONTAIN_MIN_SEVERITY: String(minSeverity),
            IR_AUTO_CONTAIN_MEMORY: args.memoryCapture ? "on" : "off",
            IR_SETTINGS_PARAMETER: args.settingsParameterName ?? SSM.responderConfig,
            IR_ALERT_TOPIC_ARN: args.alertTopicArn,
          },
        },
        tags: baseTags(),
      },
      { ...parent, dependsOn: [this.logGroup, own] },
    );
    this.functionArn = this.function.arn;
    // Lambda's own retries of a failed (thrown) invocation, then the dead-letter queue.
    new aws.lambda.FunctionEventInvokeConfig(
      name,
      { functionName: this.function.name, maximumRetryAttempts: 2, maximumEventAgeInSeconds: 3600 },
      parent,
    );
    this.rule = new aws.cloudwatch.EventRule(
      name,
      {
        name: AUTO_CONTAIN_FUNCTION_NAME,
        description: `GuardDuty findings naming an EC2 instance, severity ${minSeverity} or more: ${args.mode}`,
        eventPattern: JSON.stringify(autoContainmentPattern(minSeverity)),
        tags: baseTags(),
      },
      parent,
    );
    const permission = new aws.lambda.Permission(
      name,
      {
        function: this.function.name,
        action: "lambda:InvokeFunction",
        principal: "events.amazonaws.com",
        sourceArn: this.rule.arn,
      },
      parent,
    );
    new aws.cloudwatch.EventTarget(
      name,
      {
        rule: this.rule.name,
        arn: this.function.arn,
        deadLetterConfig: { arn: dlq.queue.arn },
        retryPolicy: TARGET_RETRY,
      },
      { ...parent, dependsOn: [permission] },
    );
    dlq.allowRules([this.rule]);
    this.registerOutputs({ functionArn: this.functionArn });
  }
}
