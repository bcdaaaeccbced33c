/**
 * STS: AssumeRole is authorised on the role's ARN, by the caller's identity policies and the role's
 * trust policy (the resource policy); GetCallerIdentity needs no permission at all ("No permissions are
 * required to perform this operation", even an explicit deny does not stop it).
 * https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_permissions-to-switch.html
 */
import type { RuleContext, StrictRequest } from "../../types";
import { type Authorization, memberTags, requestTagContext } from "./common";

export function stsAuthorizations(req: StrictRequest, _ctx: RuleContext): Authorization[] | undefined {
  const op = req.operation;
  const p = req.params;
  if (op === "GetCallerIdentity") return [];
  if (op === "AssumeRole" && p.RoleArn) {
    const tags = memberTags(p);
    const context = {
      ...requestTagContext(tags),
      ...(p.RoleSessionName ? { "sts:RoleSessionName": p.RoleSessionName } : {}),
    };
    const out: Authorization[] = [{ action: "sts:AssumeRole", resource: p.RoleArn, context }];
    // Session tags are authorised by sts:TagSession on the same role (identity and trust policy).
    if (Object.keys(tags).length > 0) out.push({ action: "sts:TagSession", resource: p.RoleArn, context });
    return out;
  }
  return undefined;
}
