/**
 * The role writer: a small Lambda function (`ir-role-writer`, automation/role-writer/handler.ts) and its
 * execution role, the only principal of the baseline allowed iam:PutRolePolicy and iam:DeleteRolePolicy.
 * The responder may only invoke it. IAM has no condition on an inline policy's name or content, so a
 * responder holding iam:PutRolePolicy could give any role (its own excepted, by a deny) an Allow of its
 * choosing and use it: admin. The function writes nothing but the fixed revoke denies and the quarantine
 * document, built from instance ARNs and cut-offs, checked before every write
 * (docs/architecture.md, "Who may write a role's policies").
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { DENY_ALL_PROFILE_NAME, ROLE_WRITER_FUNCTION_NAME } from "../facts";
import { ROLE_WRITER_ENTRY } from "../scripts/bundle-lambda";
import { bundledCode } from "./lambda-code";
import { PROTECTED_ROLES, roleWriterPolicy } from "./role-writer-policy";
import { baseTags } from "./tags";

export interface RoleWriterArgs {
  /** CMK of the function's log group (its key policy must admit CloudWatch Logs). */
  logKmsKeyArn: pulumi.Input<string>;
  /** Log retention in days. @default 365 */
  logRetentionDays?: number;
  /** The quarantine instance profile (and role) name. @default ir-deny-all */
  quarantineProfileName?: string;
  /** Code archive (tests); default: the handler bundled with esbuild at program time. */
  code?: pulumi.asset.Archive;
}

/** The bundle, built once per program run. */
export const roleWriterCode = () => bundledCode("ir-role-writer", ROLE_WRITER_ENTRY);

export class RoleWriter extends pulumi.ComponentResource {
  readonly function: aws.lambda.Function;
  readonly functionName: pulumi.Output<string>;
  readonly functionArn: pulumi.Output<string>;
  readonly role: aws.iam.Role;

  constructor(name: string, args: RoleWriterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("incident-ready:response:RoleWriter", name, {}, opts);
    const parent = { parent: this };
    const quarantine = args.quarantineProfileName ?? DENY_ALL_PROFILE_NAME;
    const identity = aws.getCallerIdentityOutput({}, parent);
    const partition = aws.getPartitionOutput({}, parent).partition;
    const logGroup = new aws.cloudwatch.LogGroup(
      name,
      {
        name: `/aws/lambda/${ROLE_WRITER_FUNCTION_NAME}`,
        retentionInDays: args.logRetentionDays ?? 365,
        kmsKeyId: args.logKmsKeyArn,
        tags: baseTags(),
      },
      parent,
    );
    this.role = new aws.iam.Role(
      name,
      {
        name: ROLE_WRITER_FUNCTION_NAME,
        description:
          "ir role writer: puts and deletes the fixed revoke and quarantine policies, nothing else",
        assumeRolePolicy: pulumi.jsonStringify({
          Version: "2012-10-17",
          Statement: [
            {
              Effect: "Allow",
              Principal: { Service: "lambda.amazonaws.com" },
              Action: "sts:AssumeRole",
              Condition: { StringEquals: { "aws:SourceAccount": identity.accountId } },
            },
          ],
        }),
        tags: baseTags(),
      },
      parent,
    );
    const own = new aws.iam.RolePolicy(
      name,
      {
        role: this.role.name,
        name: ROLE_WRITER_FUNCTION_NAME,
        policy: pulumi
          .all([partition, identity.accountId, logGroup.arn])
          .apply(([p, a, logs]) => roleWriterPolicy({ partition: p, accountId: a, logGroupArn: logs })),
      },
      parent,
    );
    this.function = new aws.lambda.Function(
      name,
      {
        name: ROLE_WRITER_FUNCTION_NAME,
        description:
          "Writes the fixed revoke and quarantine policies ir asks for (the responder holds no iam:PutRolePolicy)",
        runtime: "nodejs22.x",
        architectures: ["arm64"],
        handler: "index.handler",
        code: args.code ?? roleWriterCode(),
        role: this.role.arn,
        timeout: 60,
        memorySize: 256,
        // A containment of many instances writes many denies at once; IAM's own write rate is the limit.
        reservedConcurrentExecutions: 20,
        loggingConfig: { logFormat: "Text", logGroup: logGroup.name },
        environment: {
          variables: {
            IR_QUARANTINE_ROLE: quarantine,
            IR_QUARANTINE_PROFILE: quarantine,
            IR_PROTECTED_ROLES: PROTECTED_ROLES.join(","),
          },
        },
        tags: baseTags(),
      },
      { ...parent, dependsOn: [logGroup, own] },
    );
    this.functionName = this.function.name;
    this.functionArn = this.function.arn;
    this.registerOutputs({ functionArn: this.functionArn });
  }
}
