/**
 * IAM's policy simulator, which moto lacks (it answers SimulatePrincipalPolicy with an HTML 500): the
 * layer answers it with its own evaluator (iam/decide.ts `simulateRole`). For a role, AWS evaluates the
 * role's identity policies and permissions boundary for each action on each resource, with only the
 * context keys the caller supplies, and returns one result per action (the most restrictive decision
 * across the resources) with a result per resource; the keys the policies test that were not supplied
 * are listed as missing. The simulator reads no resource policy: a KMS key is decided by the role's
 * policies alone (as under the default key policy), not refused for want of a key policy. `ir doctor`
 * relies on it.
 *
 * Not simulated (refused with StrictLayerCannotSimulate, never answered wrongly): users and groups as
 * the policy source, extra policies (PolicyInputList, PermissionsBoundaryPolicyInputList), and a
 * ResourcePolicy (for a role AWS takes one only with a CallerArn, which must be an IAM user).
 */
import { randomUUID } from "node:crypto";
import { simulateRole } from "../iam/decide";
import type { RoleSession } from "../identity";
import type { Answer, StrictRequest, StrictRule } from "../types";
import { errorAnswer } from "../wire";

const NS = "https://iam.amazonaws.com/doc/2010-05-08/";
type Verdict = "allowed" | "explicitDeny" | "implicitDeny";
const RANK: Record<Verdict, number> = { allowed: 0, implicitDeny: 1, explicitDeny: 2 };

const esc = (s: string) =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** `Name.member.N` values in order. */
function members(params: Record<string, string>, name: string): string[] {
  const re = new RegExp(`^${name.replace(/\./g, "\\.")}\\.member\\.(\\d+)$`);
  return Object.entries(params)
    .flatMap(([k, v]) => {
      const m = re.exec(k);
      return m ? [[Number(m[1]), v] as const] : [];
    })
    .sort((a, b) => a[0] - b[0])
    .map(([, v]) => v);
}

/** ContextEntries as the evaluator takes them: list types become lists, the rest single values. */
function contextOf(params: Record<string, string>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, name] of Object.entries(params)) {
    const m = /^ContextEntries\.member\.(\d+)\.ContextKeyName$/.exec(k);
    if (!m) continue;
    const prefix = `ContextEntries.member.${m[1]}`;
    const values = members(params, `${prefix}.ContextKeyValues`);
    const type = params[`${prefix}.ContextKeyType`] ?? "string";
    out[name] = /List$/.test(type) ? values : (values[0] ?? "");
  }
  return out;
}

/** How AWS names a matched policy: an inline policy by its name, a managed one by its ARN. */
function statementXml(policy: string): string {
  const inline = /^inline policy (.+) of role /.exec(policy);
  const type = inline ? "role" : /^arn:[^:]+:iam::aws:policy\//.test(policy) ? "aws-managed" : "user-managed";
  return `<member><SourcePolicyId>${esc(inline?.[1] ?? policy)}</SourcePolicyId><SourcePolicyType>${type}</SourcePolicyType></member>`;
}

const list = (tag: string, items: string[]) => `<${tag}>${items.join("")}</${tag}>`;

interface One {
  resource: string;
  verdict: Verdict;
  policies: string[];
  missing: string[];
}

function resultXml(action: string, results: One[], perResource: boolean): string {
  const worst = results.reduce((a, b) => (RANK[b.verdict] > RANK[a.verdict] ? b : a));
  const deciding = results.filter((r) => r.verdict === worst.verdict);
  const policies = [...new Set(deciding.flatMap((r) => r.policies))];
  const missing = [...new Set(results.flatMap((r) => r.missing))];
  const specific = results.map(
    (r) =>
      `<member><EvalResourceName>${esc(r.resource)}</EvalResourceName><EvalResourceDecision>${r.verdict}</EvalResourceDecision>${list("MatchedStatements", r.policies.map(statementXml))}${list(
        "MissingContextValues",
        r.missing.map((k) => `<member>${esc(k)}</member>`),
      )}</member>`,
  );
  return `<member><EvalActionName>${esc(action)}</EvalActionName><EvalResourceName>${esc(results.length === 1 ? results[0]!.resource : "*")}</EvalResourceName><EvalDecision>${worst.verdict}</EvalDecision>${list("MatchedStatements", policies.map(statementXml))}${list(
    "MissingContextValues",
    missing.map((k) => `<member>${esc(k)}</member>`),
  )}<OrganizationsDecisionDetail><AllowedByOrganizations>true</AllowedByOrganizations></OrganizationsDecisionDetail>${perResource ? list("ResourceSpecificResults", specific) : ""}</member>`;
}

const refuse = (code: string, message: string, status = 400): Answer =>
  errorAnswer("query", { status, code, message });

async function answer(req: StrictRequest, ctx: Parameters<NonNullable<StrictRule["answer"]>>[1]) {
  const p = req.params;
  const source = p.PolicySourceArn ?? "";
  const role = /^arn:([^:]+):iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/.exec(source);
  if (!role)
    return refuse(
      "StrictLayerCannotSimulate",
      `the strict layer simulates roles only; PolicySourceArn "${source}" is not a role ARN`,
    );
  const unsupported = [
    "ResourcePolicy",
    "CallerArn",
    "PolicyInputList",
    "PermissionsBoundaryPolicyInputList",
  ].filter((k) => p[k] !== undefined || p[`${k}.member.1`] !== undefined);
  if (unsupported.length > 0)
    return refuse(
      "StrictLayerCannotSimulate",
      `the strict layer does not simulate ${unsupported.join(", ")}: only the role's own policies`,
    );
  const actions = members(p, "ActionNames");
  if (actions.length === 0)
    return refuse(
      "ValidationError",
      "1 validation error detected: Value null at 'actionNames' failed to satisfy constraint: Member must not be null",
    );
  const given = members(p, "ResourceArns");
  const resources = given.length > 0 ? given : ["*"];
  const context = contextOf(p);
  const [, partition, accountId, roleName] = role as unknown as [string, string, string, string];
  const principal: RoleSession = {
    kind: "role-session",
    accountId,
    roleArn: source,
    roleName,
    sessionName: "policy-simulator",
    arn: `arn:${partition}:sts::${accountId}:assumed-role/${roleName}/policy-simulator`,
    accessKeyId: "",
    issuedAt: ctx.now(),
    expiresAt: ctx.now() + 3_600_000,
  };
  const results: string[] = [];
  for (const action of actions) {
    const one: One[] = [];
    for (const resource of resources) {
      let d: Awaited<ReturnType<typeof simulateRole>>;
      try {
        d = await simulateRole(ctx, { principal, action, resource, context });
      } catch (err) {
        const name = (err as { name?: string }).name ?? "";
        if (name === "NoSuchEntity" || name === "NoSuchEntityException")
          return refuse("NoSuchEntity", `The role with name ${roleName} cannot be found.`, 404);
        // The evaluator cannot decide this pair (an action that takes no such resource type...):
        // refused, so a wrong probe shows instead of passing as a guess.
        return refuse(
          "StrictLayerCannotSimulate",
          `the strict layer cannot simulate ${action} on ${resource}: ${(err as Error).message}`,
        );
      }
      const verdict: Verdict = d.allowed ? "allowed" : d.explicit ? "explicitDeny" : "implicitDeny";
      one.push({ resource, verdict, policies: d.policies, missing: d.missing });
    }
    results.push(resultXml(action, one, given.length > 0));
  }
  const max = Number(p.MaxItems ?? "100") || 100;
  const from = Number(p.Marker ?? "0") || 0;
  const page = results.slice(from, from + max);
  const truncated = from + max < results.length;
  const body = `<SimulatePrincipalPolicyResponse xmlns="${NS}"><SimulatePrincipalPolicyResult><IsTruncated>${truncated}</IsTruncated>${truncated ? `<Marker>${from + max}</Marker>` : ""}${list("EvaluationResults", page)}</SimulatePrincipalPolicyResult><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></SimulatePrincipalPolicyResponse>`;
  return { status: 200, headers: { "content-type": "text/xml" }, body: Buffer.from(body) };
}

export const iamSimulatePrincipalPolicy: StrictRule = {
  id: "iam-simulate-principal-policy",
  title:
    "IAM's policy simulator (SimulatePrincipalPolicy) evaluates a role's identity policies and permissions boundary for each action on each resource with only the context keys supplied (the layer answers it with its own evaluator: moto lacks it)",
  source: "https://docs.aws.amazon.com/IAM/latest/APIReference/API_SimulatePrincipalPolicy.html",
  matches: (req) => req.service === "iam" && req.operation === "SimulatePrincipalPolicy",
  answer,
};
