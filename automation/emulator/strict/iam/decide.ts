/**
 * One authorisation decision, as AWS's policy evaluation logic makes it:
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
 *
 * The principal's identity policies (a role session: the role's inline and managed policies and its
 * permissions boundary; an administrator: allow-all) and the resource's own policy (bucket, key, trust,
 * table) are read from moto, and iam-simulate (devDependency, test world only) evaluates them. There are
 * no SCPs, RCPs, session policies or VPC endpoint policies in the emulated accounts.
 *
 * Decisions are cached by (policy generation, principal, action, resource, the context values the
 * applicable statements test): a repeated call costs a map lookup.
 */
import {
  anonymousPrincipal,
  getDenialReasons,
  getGrantReasons,
  type RequestAnalysis,
  runSimulation,
} from "@cloud-copilot/iam-simulate";
import type { Principal, RuleContext } from "../types";
import { type Context, globalContext } from "./context";
import { type NamedPolicy, policyCache, type RolePolicies, resourcePolicy, rolePolicies } from "./policies";
import { contextKey, type Needs, needsOf } from "./statements";
import { resourceTagContext } from "./tags";

export interface Decision {
  allowed: boolean;
  /** AWS-style reason: which policy/statement decided, or "no identity-based policy allows ..." */
  reason: string;
}

/** An administrator's identity: everything (resource policies may still deny it). */
const ADMIN: NamedPolicy = {
  name: "administrator (allow-all)",
  policy: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] },
};

const MAX_CACHED = 20_000;

const decisionCache = (ctx: RuleContext) =>
  ctx.state.of("iam-authorize/decisions", () => ({
    decisions: new Map<string, Decision>(),
    needs: new Map<string, Needs>(),
  }));

const principalKey = (p: Principal) => (p.kind === "role-session" ? `${p.roleArn}|${p.accessKeyId}` : p.arn);

/** The resource's account: from its ARN, else (S3, snapshots, images, "*") the caller's. */
const accountOf = (resource: string, fallback: string) => resource.split(":")[4] || fallback;

function describe(
  action: string,
  analysis: RequestAnalysis,
  names: { resource?: NamedPolicy; boundary?: NamedPolicy },
): string {
  const kinds: Record<string, string> = {
    identity: "identity-based policy",
    resource: "resource-based policy",
    pb: "permissions boundary",
    scp: "service control policy",
    rcp: "resource control policy",
    vpce: "VPC endpoint policy",
  };
  const parts = getDenialReasons(analysis).map((d) => {
    const kind = kinds[d.policyType] ?? d.policyType;
    if (d.denialType === "Implicit") {
      const which = d.policyType === "resource" && names.resource ? ` (${names.resource.name})` : "";
      return `no ${kind} allows the ${action} action${which}`;
    }
    const name =
      d.policyType === "resource"
        ? names.resource?.name
        : d.policyType === "pb"
          ? names.boundary?.name
          : d.policyIdentifier;
    const statement = d.statementId ? `statement ${d.statementId}` : `statement #${d.statementIndex}`;
    return `an explicit deny in ${/^[aeiou]/.test(kind) ? "an" : "a"} ${kind}: ${name ?? "?"}, ${statement}`;
  });
  return parts.join("; ") || "the request was denied";
}

function grants(analysis: RequestAnalysis, resource?: NamedPolicy): string {
  return getGrantReasons(analysis)
    .map((g) => {
      const name = g.policyType === "resource" ? (resource?.name ?? "resource policy") : g.policyIdentifier;
      return `allowed by ${name}, ${g.statementId ? `statement ${g.statementId}` : `statement #${g.statementIndex}`}`;
    })
    .join("; ");
}

export async function decide(
  ctx: RuleContext,
  q: { principal: Principal; action: string; resource: string; context: Record<string, string | string[]> },
): Promise<Decision> {
  const p = q.principal;
  const cache = policyCache(ctx);
  const generation = cache.generation;
  const [role, resource] = await Promise.all([
    p.kind === "role-session" ? rolePolicies(ctx, p.accountId, p.roleName) : undefined,
    resourcePolicy(ctx, q.action, q.resource, p.accountId),
  ]);
  const identity = p.kind === "admin" ? [ADMIN] : (role?.identity ?? []);
  const { decisions, needs: needsCache } = decisionCache(ctx);
  const needsKey = `${generation}|${principalKey(p)}|${resource?.name ?? ""}|${q.action}`;
  let needs = needsCache.get(needsKey);
  if (!needs) {
    const docs = [...identity, role?.boundary, resource].flatMap((x) => (x ? [x.policy] : []));
    needs = needsOf(docs, q.action);
    needsCache.set(needsKey, needs);
  }
  let context: Context = { ...globalContext(p, ctx.now()), ...q.context };
  if (p.kind === "role-session" && role?.roleId) context["aws:userid"] = `${role.roleId}:${p.sessionName}`;
  const hasTags = Object.keys(q.context).some((k) => /:ResourceTag\//i.test(k));
  if (needs.resourceTags && !hasTags && q.resource !== "*")
    context = { ...context, ...(await resourceTagContext(ctx, q.resource)) };
  const key = `${needsKey}|${q.resource}|${contextKey(context, needs)}`;
  const hit = decisions.get(key);
  if (hit) return hit;
  const decision = await simulate(q.action, q.resource, p, context, identity, role, resource);
  if (decisions.size >= MAX_CACHED) decisions.clear();
  // A write that changed the policies while this ran must not leave a stale decision behind.
  if (policyCache(ctx).generation === generation) decisions.set(key, decision);
  return decision;
}

async function simulate(
  action: string,
  resourceArn: string,
  p: Principal,
  context: Context,
  identity: NamedPolicy[],
  role: RolePolicies | undefined,
  resource: NamedPolicy | undefined,
): Promise<Decision> {
  const result = await runSimulation(
    {
      request: {
        principal: p.kind === "anonymous" ? anonymousPrincipal : p.arn,
        action,
        resource: { resource: resourceArn, accountId: accountOf(resourceArn, p.accountId) },
        contextVariables: context,
      },
      identityPolicies: identity.map((x) => ({ name: x.name, policy: x.policy })),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      ...(resource ? { resourcePolicy: resource.policy } : {}),
      ...(role?.boundary ? { permissionBoundaryPolicies: [role.boundary] } : {}),
    },
    { simulationMode: "Strict" },
  );
  if (result.resultType === "error")
    throw new Error(
      `iam-simulate could not evaluate ${action} on ${resourceArn}: ${JSON.stringify(result.errors)}`,
    );
  const analyses =
    result.resultType === "single" ? [result.result.analysis] : result.results.map((r) => r.analysis);
  const allowed = result.overallResult === "Allowed";
  const names = { resource, boundary: role?.boundary };
  const analysis = analyses.find((a) => (a.result === "Allowed") === allowed) ?? analyses[0];
  if (!analysis)
    return { allowed, reason: allowed ? "allowed" : `no identity-based policy allows the ${action} action` };
  return { allowed, reason: allowed ? grants(analysis, resource) : describe(action, analysis, names) };
}
