/**
 * CloudTrail: the responder only reads (LookupEvents and trail descriptions), which support no
 * resource-level permission. Writes are not mapped: they are refused until someone maps them.
 * https://docs.aws.amazon.com/service-authorization/latest/reference/list_awscloudtrail.html
 */
import type { RuleContext, StrictRequest } from "../../types";
import { type Authorization, isUnscopedRead } from "./common";

export function cloudtrailAuthorizations(req: StrictRequest, _ctx: RuleContext): Authorization[] | undefined {
  const op = req.operation;
  return isUnscopedRead(op) || op === "GetTrailStatus"
    ? [{ action: `cloudtrail:${op}`, resource: "*" }]
    : undefined;
}
