/**
 * Lambda: a function is authorised on its ARN (a name, a partial ARN or a full ARN in the path; a
 * qualifier after ":" is not part of the resource).
 * https://docs.aws.amazon.com/service-authorization/latest/reference/list_awslambda.html
 */
import { lambdaFunctionOf } from "../../request";
import type { RuleContext, StrictRequest } from "../../types";
import type { Authorization } from "./common";

const ACTIONS: Record<string, string> = {
  Invoke: "lambda:InvokeFunction",
  GetFunction: "lambda:GetFunction",
};

/** The function's ARN from what the caller named. */
export function functionArn(named: string, region: string, accountId: string): string {
  if (named.startsWith("arn:")) return named.split(":").slice(0, 7).join(":");
  return `arn:aws:lambda:${region}:${accountId}:function:${named.split(":")[0]}`;
}

export function lambdaAuthorizations(req: StrictRequest, _ctx: RuleContext): Authorization[] | undefined {
  const action = ACTIONS[req.operation];
  const named = lambdaFunctionOf(req.path);
  if (!action || !named) return undefined;
  return [{ action, resource: functionArn(named, req.region, req.accountId) }];
}
