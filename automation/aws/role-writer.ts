/**
 * Who carries out `ir`'s role-policy writes (automation/aws/role-writes.ts): the baseline's role writer
 * function when the settings name one (the responder then holds no iam:PutRolePolicy at all, only
 * lambda:InvokeFunction on that function), else `ir`'s own credentials. Errors come back with IAM's
 * names (NoSuchEntity, LimitExceeded), so the revoke and release steps handle both writers alike.
 */
import type { IAMClient } from "@aws-sdk/client-iam";
import { InvokeCommand, type LambdaClient } from "@aws-sdk/client-lambda";
import { applyRoleWrite, type RoleWrite } from "./role-writes";

export interface RoleWriter {
  /** "function ir-role-writer" or "direct": said in records and errors. */
  readonly via: string;
  write(w: RoleWrite): Promise<void>;
}

/** What the function answers (automation/role-writer/handler.ts). */
export type RoleWriterAnswer =
  | { ok: true; policyName: string }
  | { ok: false; error: { name: string; message: string } };

/** An error the writer reported, with the name IAM (or the writer's check) gave it. */
export class RoleWriterError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

export class DirectRoleWriter implements RoleWriter {
  readonly via = "direct";
  constructor(
    private readonly iam: IAMClient,
    private readonly scope: { partition: string; accountId: string },
  ) {}
  write(w: RoleWrite): Promise<void> {
    return applyRoleWrite(this.iam, w, this.scope);
  }
}

export class FunctionRoleWriter implements RoleWriter {
  readonly via: string;
  constructor(
    private readonly lambda: LambdaClient,
    private readonly functionName: string,
  ) {
    this.via = `function ${functionName}`;
  }
  async write(w: RoleWrite): Promise<void> {
    const res = await this.lambda.send(
      new InvokeCommand({
        FunctionName: this.functionName,
        InvocationType: "RequestResponse",
        Payload: new TextEncoder().encode(JSON.stringify(w)),
      }),
    );
    const text = res.Payload ? new TextDecoder().decode(res.Payload) : "";
    if (res.FunctionError)
      throw new RoleWriterError(
        "RoleWriterFailed",
        `the role writer ${this.functionName} failed (${res.FunctionError}): ${text.slice(0, 500)}; its log group /aws/lambda/${this.functionName} has the details`,
      );
    let answer: RoleWriterAnswer;
    try {
      answer = JSON.parse(text) as RoleWriterAnswer;
    } catch {
      throw new RoleWriterError(
        "RoleWriterFailed",
        `the role writer ${this.functionName} answered something that is not JSON: ${text.slice(0, 200)}`,
      );
    }
    if (!answer.ok)
      throw new RoleWriterError(
        answer.error.name,
        `${answer.error.message} (role writer ${this.functionName})`,
      );
  }
}

/**
 * The writer for these settings: the function when `roleWriterFunction` is set, else direct. `accountId`
 * and `partition` bind the quarantine document to the account's instances (direct writes only: the
 * function knows its own account).
 */
export function roleWriterFor(
  clients: { iam: IAMClient; lambda: LambdaClient },
  settings: { roleWriterFunction?: string },
  scope: { partition: string; accountId: string },
): RoleWriter {
  return settings.roleWriterFunction
    ? new FunctionRoleWriter(clients.lambda, settings.roleWriterFunction)
    : new DirectRoleWriter(clients.iam, scope);
}
