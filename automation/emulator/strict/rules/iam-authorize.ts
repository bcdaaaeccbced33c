/**
 * Every call authorised as AWS authorises it: a role session's request is evaluated against the role's
 * identity policies, its permissions boundary and the resource's own policy (bucket, key, trust, table);
 * an administrator's only where a resource policy exists (an explicit Deny in a bucket or key policy
 * stops an administrator too). Refused in the service's shape, naming the action and the resource as
 * AWS does. An operation the layer cannot map to its authorisations is refused, never let through.
 */

import type { Authorization } from "../iam/authorizations";
import { authorizationsFor, mapperFile } from "../iam/authorizations";
import { lookups } from "../iam/authorizations/common";
import { decide } from "../iam/decide";
import { forgetOnWrite, resourcePolicy } from "../iam/policies";
import { forgetTagsOnWrite } from "../iam/tags";
import type { Principal, Refusal, RuleContext, StrictRequest, StrictRule } from "../types";

export { UNDECIDABLE } from "../iam/undecidable";

/** An administrator is evaluated only where a resource policy can stop it (and only there: speed). */
const adminEvaluated = (req: StrictRequest) =>
  req.service === "s3" || req.service === "kms" || (req.service === "sts" && req.operation === "AssumeRole");

function refusal(req: StrictRequest, p: Principal, a: Authorization, reason: string): Refusal {
  const why = reason.startsWith("an explicit deny") ? `with ${reason}` : `because ${reason}`;
  const text = `User: ${p.arn} is not authorized to perform: ${a.action} on resource: ${a.resource} ${why}`;
  switch (req.protocol) {
    case "ec2":
      return {
        status: 403,
        code: "UnauthorizedOperation",
        message: `You are not authorized to perform this operation. ${text}`,
      };
    case "json":
      return { status: 400, code: "AccessDeniedException", message: text };
    default:
      return { status: 403, code: "AccessDenied", message: text };
  }
}

/** Drops cached lookups a write passing through the layer made stale. */
function forgetLookups(ctx: RuleContext, req: StrictRequest): void {
  const op = req.operation;
  if (req.service === "s3" && /^(PutBucketEncryption|DeleteBucketEncryption|DeleteBucket)$/.test(op))
    lookups(ctx, "bucket-key").delete(req.s3?.bucket ?? "");
  if (req.service === "iam" && /^(AddRoleTo|RemoveRoleFrom|Delete)InstanceProfile$/.test(op))
    lookups(ctx, "profile-role").clear();
  if (req.service === "autoscaling" && op === "DeleteAutoScalingGroup") lookups(ctx, "asg").clear();
  if (req.service === "ec2" && op === "DeleteLaunchTemplate") lookups(ctx, "launch-template").clear();
  if (req.service === "kms" && /Alias$/.test(op)) lookups(ctx, "kms-key").clear();
}

export const iamAuthorize: StrictRule = {
  id: "iam-authorize",
  title:
    "every request is authorised by the caller's identity policies, permissions boundary and the resource's policy (explicit deny wins, then an allow is needed)",
  source: "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html",
  // Every request: the after hook must see the administrator's policy and tag writes too.
  matches: () => true,
  async before(req, ctx) {
    const p = req.principal;
    if (p.kind === "anonymous" || (p.kind !== "role-session" && !adminEvaluated(req))) return undefined;
    const auths = await authorizationsFor(req, ctx);
    if (!auths) {
      if (p.kind !== "role-session") return undefined;
      return {
        status: 400,
        code: "StrictLayerCannotAuthorize",
        message: `the strict layer cannot authorise ${req.service}:${req.operation} (${req.method} ${req.path}) for ${p.arn}: no authorisation mapping for this operation; add it to ${mapperFile(req.service)}`,
      };
    }
    const decisions = await Promise.all(
      auths.map(async (a) => {
        if (p.kind !== "role-session" && !(await resourcePolicy(ctx, a.action, a.resource, p.accountId)))
          return undefined;
        const context = { "aws:RequestedRegion": req.region, ...a.context };
        const d = await decide(ctx, { principal: p, action: a.action, resource: a.resource, context });
        return d.allowed ? undefined : refusal(req, p, a, d.reason);
      }),
    );
    return decisions.find((d) => d !== undefined);
  },
  after(req, answer, ctx) {
    if (answer.status >= 300) return;
    forgetOnWrite(ctx, req);
    forgetTagsOnWrite(ctx, req);
    forgetLookups(ctx, req);
  },
};
