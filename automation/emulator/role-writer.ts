/**
 * The role writer in an emulated account, as the baseline deploys it (components/role-writer.ts): its
 * execution role with the same policy, and the function registered in moto (code is a placeholder: the
 * strict layer plays the function itself, rule lambda-role-writer). Used by the tests and the game day.
 */
import { CreateRoleCommand, GetRoleCommand, PutRolePolicyCommand } from "@aws-sdk/client-iam";
import { CreateFunctionCommand, GetFunctionCommand } from "@aws-sdk/client-lambda";
import { PROTECTED_ROLES, roleWriterPolicy } from "../../components/role-writer-policy";
import { DENY_ALL_PROFILE_NAME, ROLE_WRITER_FUNCTION_NAME } from "../../facts/names";
import type { AwsClients } from "../aws/clients";

/** An empty zip archive (end-of-central-directory record only): moto stores it, nobody runs it. */
const EMPTY_ZIP = Buffer.concat([Buffer.from([0x50, 0x4b, 0x05, 0x06]), Buffer.alloc(18)]);

/** Creates the writer's role and function when missing; returns the function's name. */
export async function provisionRoleWriter(admin: AwsClients, accountId: string): Promise<string> {
  const found = await admin.lambda
    .send(new GetFunctionCommand({ FunctionName: ROLE_WRITER_FUNCTION_NAME }))
    .then(() => true)
    .catch(() => false);
  if (found) return ROLE_WRITER_FUNCTION_NAME;
  const roleArn =
    (await admin.iam
      .send(new GetRoleCommand({ RoleName: ROLE_WRITER_FUNCTION_NAME }))
      .then((r) => r.Role?.Arn)
      .catch(() => undefined)) ??
    (
      await admin.iam.send(
        new CreateRoleCommand({
          RoleName: ROLE_WRITER_FUNCTION_NAME,
          AssumeRolePolicyDocument: JSON.stringify({
            Version: "2012-10-17",
            Statement: [
              { Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" },
            ],
          }),
        }),
      )
    ).Role!.Arn!;
  await admin.iam.send(
    new PutRolePolicyCommand({
      RoleName: ROLE_WRITER_FUNCTION_NAME,
      PolicyName: ROLE_WRITER_FUNCTION_NAME,
      PolicyDocument: roleWriterPolicy({
        partition: "aws",
        accountId,
        logGroupArn: `arn:aws:logs:${admin.region}:${accountId}:log-group:/aws/lambda/${ROLE_WRITER_FUNCTION_NAME}`,
      }),
    }),
  );
  await admin.lambda.send(
    new CreateFunctionCommand({
      FunctionName: ROLE_WRITER_FUNCTION_NAME,
      Runtime: "nodejs22.x",
      Handler: "index.handler",
      Role: roleArn,
      Code: { ZipFile: EMPTY_ZIP },
      Environment: {
        Variables: {
          IR_QUARANTINE_ROLE: DENY_ALL_PROFILE_NAME,
          IR_QUARANTINE_PROFILE: DENY_ALL_PROFILE_NAME,
          IR_PROTECTED_ROLES: PROTECTED_ROLES.join(","),
        },
      },
    }),
  );
  return ROLE_WRITER_FUNCTION_NAME;
}
