/**
 * Lambda runs a function's code with its execution role's credentials; moto can run none without a
 * container runtime. The layer plays the one function `ir` invokes, the role writer
 * (automation/role-writer/handler.ts): an Invoke of `ir-role-writer` (authorised first, as
 * lambda:InvokeFunction, by iam-authorize) runs the handler in this process, its IAM and EC2 calls
 * signed with a session of the role the function is configured with in moto, sent back through the
 * layer: each is authorised against that role's policy, as AWS would. Other functions are left to moto.
 */
import { randomBytes } from "node:crypto";
import { GetFunctionCommand } from "@aws-sdk/client-lambda";
import { ROLE_WRITER_FUNCTION_NAME } from "../../../../facts/names";
import { AwsClients } from "../../../aws/clients";
import { handleRoleWrite } from "../../../role-writer/handler";
import { functionArn } from "../iam/authorizations/lambda";
import { identitiesOf, type RoleSession } from "../identity";
import { lambdaFunctionOf } from "../request";
import type { Answer, RuleContext, StrictRequest, StrictRule } from "../types";
import { errorAnswer } from "../wire";

const SESSION_MS = 3600_000;

/** A session of the function's execution role, known to the layer (as Lambda's credentials would be). */
function executionSession(ctx: RuleContext, accountId: string, roleArn: string): RoleSession {
  const roleName = roleArn.split("/").pop() ?? "";
  const session: RoleSession = {
    kind: "role-session",
    accountId,
    roleArn,
    roleName,
    sessionName: ROLE_WRITER_FUNCTION_NAME,
    arn: `arn:aws:sts::${accountId}:assumed-role/${roleName}/${ROLE_WRITER_FUNCTION_NAME}`,
    accessKeyId: `ASIA${randomBytes(8).toString("hex").toUpperCase()}`,
    issuedAt: ctx.now(),
    expiresAt: ctx.now() + SESSION_MS,
  };
  identitiesOf(ctx.state).add(session);
  return session;
}

const named = (req: StrictRequest) => {
  const fn = lambdaFunctionOf(req.path) ?? "";
  return functionArn(fn, req.region, req.accountId).split(":")[6];
};

async function invoke(req: StrictRequest, ctx: RuleContext): Promise<Answer> {
  if (!ctx.endpoint) throw new Error("the strict layer's endpoint is not known yet");
  const conf = await ctx
    .moto(req.accountId, req.region)
    .lambda.send(new GetFunctionCommand({ FunctionName: ROLE_WRITER_FUNCTION_NAME }))
    .catch(() => undefined);
  const roleArn = conf?.Configuration?.Role;
  if (!roleArn)
    return errorAnswer("json", {
      status: 404,
      code: "ResourceNotFoundException",
      message: `Function not found: arn:aws:lambda:${req.region}:${req.accountId}:function:${ROLE_WRITER_FUNCTION_NAME}`,
    });
  const session = executionSession(ctx, req.accountId, roleArn);
  const clients = (region: string) =>
    new AwsClients({
      endpoint: ctx.endpoint,
      region,
      credentials: {
        accessKeyId: session.accessKeyId,
        secretAccessKey: "strict-layer",
        sessionToken: "strict-layer",
      },
      retry: { maxAttempts: 1 },
      headers: { "x-moto-account-id": req.accountId },
      ec2RateLimit: false,
    });
  const home = clients(req.region);
  const env = conf?.Configuration?.Environment?.Variables ?? {};
  const quarantine = env.IR_QUARANTINE_ROLE ?? "ir-deny-all";
  const made: AwsClients[] = [home];
  try {
    const answer = await handleRoleWrite(req.json ?? {}, {
      iam: home.iam,
      ec2For: (region) => {
        const c = region === req.region ? home : clients(region);
        made.push(c);
        return c.ec2;
      },
      scope: () => ({
        partition: "aws",
        accountId: req.accountId,
        quarantineRoleName: quarantine,
        protectedRoles: (env.IR_PROTECTED_ROLES ?? "").split(",").filter(Boolean),
        now: ctx.now(),
      }),
      quarantineProfileName: env.IR_QUARANTINE_PROFILE ?? quarantine,
    });
    return {
      status: 200,
      headers: { "content-type": "application/json", "x-amz-executed-version": "$LATEST" },
      body: Buffer.from(JSON.stringify(answer)),
    };
  } finally {
    for (const c of made) c.destroy();
  }
}

export const lambdaRoleWriter: StrictRule = {
  id: "lambda-role-writer",
  title:
    "Lambda runs the role writer's code with its execution role's credentials (moto runs no function without a container runtime)",
  source: "https://docs.aws.amazon.com/lambda/latest/dg/lambda-intro-execution-role.html",
  matches: (req) =>
    req.service === "lambda" && req.operation === "Invoke" && named(req) === ROLE_WRITER_FUNCTION_NAME,
  answer: invoke,
};
