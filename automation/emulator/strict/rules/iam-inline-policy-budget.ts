/**
 * A role's inline policies share one budget of 10,240 characters (whitespace not counted): a
 * `PutRolePolicy` that would take the role past it is refused with `LimitExceeded` (409) and changes
 * nothing. moto stores any number of inline policies of any size. This matters to the responder: its
 * revocation is an inline deny on the instance role, and a role already near its budget refuses it.
 *
 * The role's other inline policies are read from moto (ListRolePolicies, GetRolePolicy); their sizes
 * are cached per role and refreshed by the PutRolePolicy/DeleteRolePolicy calls the layer passes, so a
 * put costs one list call, not one read per policy.
 */
import { GetRolePolicyCommand, ListRolePoliciesCommand } from "@aws-sdk/client-iam";
import type { RuleContext, StrictRequest, StrictRule } from "../types";

/** Role policy size quota (aggregate of the role's inline policies, non-whitespace characters). */
export const ROLE_INLINE_POLICY_BUDGET = 10_240;

/** Size of a policy as IAM counts it against its quotas: characters, whitespace not counted. */
export const policySize = (document: string): number => document.replace(/\s/g, "").length;

/** Per account and role: inline policy name → its size. */
type Sizes = Map<string, Map<string, number>>;
const sizesOf = (ctx: RuleContext): Sizes => ctx.state.of("iam-inline-policy-budget", () => new Map());
const roleKey = (req: StrictRequest, role: string) => `${req.accountId}/${role}`;

async function inlineSizes(req: StrictRequest, ctx: RuleContext, role: string): Promise<Map<string, number>> {
  const iam = ctx.moto(req.accountId, req.region).iam;
  const names: string[] = [];
  let marker: string | undefined;
  do {
    const page = await iam.send(new ListRolePoliciesCommand({ RoleName: role, Marker: marker }));
    names.push(...(page.PolicyNames ?? []));
    marker = page.IsTruncated ? page.Marker : undefined;
  } while (marker);
  const all = sizesOf(ctx);
  const known = all.get(roleKey(req, role)) ?? new Map<string, number>();
  const sizes = new Map<string, number>();
  for (const name of names) {
    let size = known.get(name);
    if (size === undefined) {
      const got = await iam.send(new GetRolePolicyCommand({ RoleName: role, PolicyName: name }));
      // IAM returns the document URL-encoded (RFC 3986).
      size = policySize(decodeURIComponent(got.PolicyDocument ?? ""));
    }
    sizes.set(name, size);
  }
  all.set(roleKey(req, role), sizes);
  return sizes;
}

export const iamInlinePolicyBudget: StrictRule = {
  id: "iam-inline-policy-budget",
  title:
    "a role's inline policies share one 10,240-character budget (whitespace not counted); a PutRolePolicy past it is refused with LimitExceeded",
  source: "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html",
  matches: (req) =>
    req.service === "iam" && (req.operation === "PutRolePolicy" || req.operation === "DeleteRolePolicy"),
  async before(req, ctx) {
    if (req.operation !== "PutRolePolicy") return undefined;
    const { RoleName: role, PolicyName: name, PolicyDocument: document } = req.params;
    if (!role || !name || document === undefined) return undefined;
    let sizes: Map<string, number>;
    try {
      sizes = await inlineSizes(req, ctx, role);
    } catch {
      return undefined; // no such role: moto answers NoSuchEntity itself
    }
    // A put under an existing name replaces that policy: its old size leaves the budget.
    let total = policySize(document);
    for (const [other, size] of sizes) if (other !== name) total += size;
    if (total <= ROLE_INLINE_POLICY_BUDGET) return undefined;
    return {
      status: 409,
      code: "LimitExceeded",
      message: `Maximum policy size of ${ROLE_INLINE_POLICY_BUDGET} bytes exceeded for role ${role}`,
    };
  },
  after(req, answer, ctx) {
    if (answer.status !== 200) return;
    const { RoleName: role, PolicyName: name, PolicyDocument: document } = req.params;
    if (!role || !name) return;
    const sizes = sizesOf(ctx).get(roleKey(req, role));
    if (!sizes) return;
    if (req.operation === "DeleteRolePolicy") sizes.delete(name);
    else if (document !== undefined) sizes.set(name, policySize(document));
  },
};
