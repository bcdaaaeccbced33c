/**
 * IAM: roles, instance profiles, users and policies by ARN (global service: no region in the ARN), with
 * iam:PolicyARN on attach/detach, iam:PermissionsBoundary on boundary writes, request tags on creation
 * (and iam:TagRole / iam:TagInstanceProfile for tags given at creation), and iam:PassRole on the role a
 * caller adds to an instance profile ("the caller must be granted the PassRole permission on the role").
 * https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsidentityandaccessmanagementiam.html
 * https://docs.aws.amazon.com/IAM/latest/APIReference/API_AddRoleToInstanceProfile.html
 */
import type { RuleContext, StrictRequest } from "../../types";
import type { Context } from "../context";
import { type Authorization, memberTags, requestTagContext } from "./common";

export function iamAuthorizations(req: StrictRequest, _ctx: RuleContext): Authorization[] | undefined {
  const op = req.operation;
  const action = `iam:${op}`;
  const p = req.params;
  const arn = (suffix: string) => `arn:aws:iam::${req.accountId}:${suffix}`;
  const tags = requestTagContext(memberTags(p));
  const context: Context = { ...tags };
  if (p.PolicyArn && /^(Attach|Detach)\w*Policy$/.test(op)) context["iam:PolicyARN"] = p.PolicyArn;
  if (p.PermissionsBoundary) context["iam:PermissionsBoundary"] = p.PermissionsBoundary;
  const tagged = Object.keys(tags).length > 0;
  if (p.InstanceProfileName) {
    const resource = arn(`instance-profile/${p.InstanceProfileName}`);
    const out: Authorization[] = [{ action, resource, context }];
    if (op === "CreateInstanceProfile" && tagged)
      out.push({ action: "iam:TagInstanceProfile", resource, context });
    if (op === "AddRoleToInstanceProfile" && p.RoleName)
      out.push({
        action: "iam:PassRole",
        resource: arn(`role/${p.RoleName}`),
        context: { "iam:PassedToService": "ec2.amazonaws.com" },
      });
    return out;
  }
  if (p.RoleName) {
    const resource = arn(`role/${p.RoleName}`);
    const out: Authorization[] = [{ action, resource, context }];
    if (op === "CreateRole" && tagged) out.push({ action: "iam:TagRole", resource, context });
    return out;
  }
  if (p.UserName) return [{ action, resource: arn(`user/${p.UserName}`), context }];
  if (p.PolicyArn) return [{ action, resource: p.PolicyArn, context }];
  if (op === "CreatePolicy" && p.PolicyName)
    return [{ action, resource: arn(`policy${p.Path ?? "/"}${p.PolicyName}`), context }];
  // The simulator is authorised on the principal whose policies it reads.
  if (op === "SimulatePrincipalPolicy" && p.PolicySourceArn) return [{ action, resource: p.PolicySourceArn }];
  if (/^(List|Get)\w+$/.test(op)) return [{ action, resource: "*" }];
  return undefined;
}
