/**
 * AWS Config: the responder only reads (resource history, discovered resources, advanced queries),
 * which support no resource-level permission. Writes are not mapped: they are refused until mapped.
 * https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsconfig.html
 */
import type { RuleContext, StrictRequest } from "../../types";
import { type Authorization, isUnscopedRead } from "./common";

export function configAuthorizations(req: StrictRequest, _ctx: RuleContext): Authorization[] | undefined {
  const op = req.operation;
  return isUnscopedRead(op) || /^(Get|BatchGet)\w+$/.test(op)
    ? [{ action: `config:${op}`, resource: "*" }]
    : undefined;
}
