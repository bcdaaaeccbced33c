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
import { type Applicable, applicableOnly, contextKey, type Needs, needsOf } from "./statements";
import { instanceProfileContext, resourceTagContext } from "./tags";

export interface Decision {
  allowed: boolean;
  /** AWS-style reason: which policy/statement decided, or "no identity-based policy allows ..." */
  reason: string;
}

/** A decision with what the policy simulator also reports. */
interface Detailed extends Decision {
  /** Denied by a Deny statement (not merely for want of an Allow). */
  explicit: boolean;
  /** The policies whose statements decided (the allowing ones, or the explicitly denying ones). */
  policies: string[];
}

/** An administrator's identity: everything (resource policies may still deny it). */
const ADMIN: NamedPolicy = {
  name: "administrator (allow-all)",
  policy: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] },
};

const MAX_CACHED = 20_000;

/** The policies of one (principal, resource policy, action), cut to the statements that apply. */
interface Prepared {
  needs: Needs;
  identity: { name: string; cut: Applicable }[];
  boundary?: { name: string; cut: Applicable };
  resource?: { name: string; cut: Applicable };
}

const decisionCache = (ctx: RuleContext) =>
  ctx.state.of("iam-authorize/decisions", () => ({
    decisions: new Map<string, Decision>(),
    prepared: new Map<string, Prepared>(),
  }));

/** Whose decisions may be shared: a role session's name is part of its ARN (and of aws:userid). */
const principalKey = (p: Principal) => p.arn;

/** The resource's account: from its ARN, else (S3, snapshots, images, "*") the caller's. */
/** The resource's account; an AWS-owned one (no account, or "aws" for ownerless documents) is the caller's own. */
const accountOf = (resource: string, fallback: string) => {
  const account = resource.split(":")[4];
  return account && account !== "aws" ? account : fallback;
};

/** A boundary or resource policy with no applicable statement still decides (it allows nothing). */
const whole = (policy: unknown, action: string): Applicable =>
  applicableOnly(policy, action) ?? { policy, index: [] };

function prepare(
  action: string,
  identity: NamedPolicy[],
  role?: RolePolicies,
  resource?: NamedPolicy,
): Prepared {
  const docs = [...identity, role?.boundary, resource].flatMap((x) => (x ? [x.policy] : []));
  return {
    needs: needsOf(docs, action),
    identity: identity.flatMap((x) => {
      const cut = applicableOnly(x.policy, action);
      return cut ? [{ name: x.name, cut }] : [];
    }),
    ...(role?.boundary
      ? { boundary: { name: role.boundary.name, cut: whole(role.boundary.policy, action) } }
      : {}),
    ...(resource ? { resource: { name: resource.name, cut: whole(resource.policy, action) } } : {}),
  };
}

/** The statement as the whole policy numbers it ("statement Sid" or "statement #n"). */
function statementName(
  prep: Prepared,
  type: string,
  policyName: string | undefined,
  sid?: string,
  n?: number,
) {
  if (sid) return `statement ${sid}`;
  const cut =
    type === "resource"
      ? prep.resource?.cut
      : type === "pb"
        ? prep.boundary?.cut
        : prep.identity.find((x) => x.name === policyName)?.cut;
  return `statement #${(n !== undefined && cut?.index[n - 1]) || n}`;
}

const KINDS: Record<string, string> = {
  identity: "identity-based policy",
  resource: "resource-based policy",
  pb: "permissions boundary",
  scp: "service control policy",
  rcp: "resource control policy",
  vpce: "VPC endpoint policy",
};

function denied(action: string, analysis: RequestAnalysis, prep: Prepared): string {
  const parts = getDenialReasons(analysis).map((d) => {
    const kind = KINDS[d.policyType] ?? d.policyType;
    if (d.denialType === "Implicit") {
      const which = d.policyType === "resource" && prep.resource ? ` (${prep.resource.name})` : "";
      return `no ${kind} allows the ${action} action${which}`;
    }
    const name =
      d.policyType === "resource"
        ? prep.resource?.name
        : d.policyType === "pb"
          ? prep.boundary?.name
          : d.policyIdentifier;
    const statement = statementName(prep, d.policyType, d.policyIdentifier, d.statementId, d.statementIndex);
    return `an explicit deny in ${/^[aeiou]/.test(kind) ? "an" : "a"} ${kind}: ${name ?? "?"}, ${statement}`;
  });
  return parts.join("; ") || "the request was denied";
}

function granted(analysis: RequestAnalysis, prep: Prepared): string {
  return getGrantReasons(analysis)
    .map((g) => {
      const id = g.policyType === "resource" ? undefined : g.policyIdentifier;
      const name = g.policyType === "resource" ? (prep.resource?.name ?? "resource policy") : id;
      return `allowed by ${name}, ${statementName(prep, g.policyType, id, g.statementId, g.statementIndex)}`;
    })
    .join("; ");
}

export async function decide(
  ctx: RuleContext,
  q: { principal: Principal; action: string; resource: string; context: Record<string, string | string[]> },
): Promise<Decision> {
  const p = q.principal;
  const generation = policyCache(ctx).generation;
  const [role, resource] = await Promise.all([
    p.kind === "role-session" ? rolePolicies(ctx, p.accountId, p.roleName) : undefined,
    resourcePolicy(ctx, q.action, q.resource, p.accountId),
  ]);
  // An administrator may do anything its resource policies allow; EC2 acting as a service has no
  // identity policy at all (the resource's policy alone decides, as for any service principal).
  const identity = p.kind === "admin" ? [ADMIN] : (role?.identity ?? []);
  const { decisions, prepared } = decisionCache(ctx);
  const prepKey = `${generation}|${principalKey(p)}|${resource?.name ?? ""}|${q.action}`;
  let prep = prepared.get(prepKey);
  if (!prep) {
    prep = prepare(q.action, identity, role, resource);
    if (prepared.size >= MAX_CACHED) prepared.clear();
    prepared.set(prepKey, prep);
  }
  let context: Context = { ...globalContext(p, ctx.now()), ...q.context };
  if (p.kind === "role-session" && role?.roleId) context["aws:userid"] = `${role.roleId}:${p.sessionName}`;
  const hasTags = Object.keys(q.context).some((k) => /:ResourceTag\//i.test(k));
  if (prep.needs.resourceTags && !hasTags)
    context = { ...context, ...(await resourceTagContext(ctx, q.resource, p.accountId)) };
  if (prep.needs.keys.has("ec2:instanceprofile") && !("ec2:InstanceProfile" in q.context))
    context = { ...context, ...(await instanceProfileContext(ctx, q.resource, p.accountId)) };
  const key = `${prepKey}|${q.resource}|${contextKey(context, prep.needs)}`;
  const hit = decisions.get(key);
  if (hit) return hit;
  const { allowed, reason } = await simulate(q.action, q.resource, p, context, prep);
  const decision: Decision = { allowed, reason };
  if (decisions.size >= MAX_CACHED) decisions.clear();
  // A write that changed the policies while this ran must not leave a stale decision behind.
  if (policyCache(ctx).generation === generation) decisions.set(key, decision);
  return decision;
}

/**
 * AWS-owned SSM documents have no account in their ARN (arn:aws:ssm:<region>::document/AWS-RunShellScript),
 * which iam-data's resource pattern for documents does not admit ("no.resource.types"). They are
 * evaluated with the account written as "aws", in the request and in the policies' `::document/`
 * patterns alike: a `*` account matches either way, a named account matches neither, as on AWS.
 */
const OWNERLESS_DOCUMENT = /^(arn:[^:]+:ssm:[^:]*:):document\//;
const ownerlessAsAws = <T>(value: T): T =>
  JSON.parse(JSON.stringify(value).replace(/(arn:[^:"]+:ssm:[^:"]*:):document\//g, "$1aws:document/")) as T;

async function simulate(
  action: string,
  resourceArn: string,
  p: Principal,
  context: Context,
  prep: Prepared,
): Promise<Detailed> {
  if (OWNERLESS_DOCUMENT.test(resourceArn)) {
    const cut = <X extends { cut: Applicable }>(x: X): X => ({
      ...x,
      cut: { ...x.cut, policy: ownerlessAsAws(x.cut.policy) },
    });
    return simulateOnce(action, ownerlessAsAws(resourceArn), p, context, {
      ...prep,
      identity: prep.identity.map(cut),
      ...(prep.boundary ? { boundary: cut(prep.boundary) } : {}),
      ...(prep.resource ? { resource: cut(prep.resource) } : {}),
    });
  }
  return simulateOnce(action, resourceArn, p, context, prep);
}

async function simulateOnce(
  action: string,
  resourceArn: string,
  p: Principal,
  context: Context,
  prep: Prepared,
): Promise<Detailed> {
  const result = await runSimulation(
    {
      request: {
        principal: p.kind === "anonymous" ? anonymousPrincipal : p.arn,
        action,
        resource: { resource: resourceArn, accountId: accountOf(resourceArn, p.accountId) },
        contextVariables: context,
      },
      identityPolicies: prep.identity.map((x) => ({ name: x.name, policy: x.cut.policy })),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      ...(prep.resource ? { resourcePolicy: prep.resource.cut.policy } : {}),
      ...(prep.boundary
        ? { permissionBoundaryPolicies: [{ name: prep.boundary.name, policy: prep.boundary.cut.policy }] }
        : {}),
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
  const analysis = analyses.find((a) => (a.result === "Allowed") === allowed) ?? analyses[0];
  if (!analysis)
    return {
      allowed,
      reason: allowed ? "allowed" : `no identity-based policy allows the ${action} action`,
      explicit: false,
      policies: [],
    };
  const explicitDenials = allowed
    ? []
    : getDenialReasons(analysis).filter((d) => d.denialType !== "Implicit");
  const policies = allowed
    ? getGrantReasons(analysis).map((g) => ("policyIdentifier" in g ? g.policyIdentifier : g.policyType))
    : explicitDenials.map((d) => d.policyIdentifier ?? d.policyType);
  return {
    allowed,
    reason: allowed ? granted(analysis, prep) : denied(action, analysis, prep),
    explicit: explicitDenials.length > 0,
    policies: [...new Set(policies)],
  };
}

/**
 * The simulator reads no resource policy, so it answers for identity policies alone; the evaluator
 * (like KMS) refuses a key whose key policy does not admit the caller. A key is therefore simulated
 * under the default key policy, which hands the decision to the account's IAM policies:
 * https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html#key-policy-default-allow-root-enable-iam
 */
function keyTrustsAccount(resource: string): NamedPolicy | undefined {
  const [, partition, service, , account, rest = ""] = resource.split(":");
  if (service !== "kms" || !rest.startsWith("key/")) return undefined;
  return {
    name: "default key policy (the simulator reads no key policy)",
    policy: {
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Principal: { AWS: `arn:${partition}:iam::${account}:root` },
          Action: "kms:*",
          Resource: "*",
        },
      ],
    },
  };
}

/**
 * What IAM's policy simulator decides (SimulatePrincipalPolicy): the role's own identity policies and
 * permissions boundary, with exactly the given context. Unlike `decide`, nothing is read from the
 * resource (no resource policy, no tags) and no global key is added: the simulator evaluates only what
 * the caller supplies. Also returns the context keys the applicable statements test that were not given.
 */
export async function simulateRole(
  ctx: RuleContext,
  q: { principal: Principal & { kind: "role-session" }; action: string; resource: string; context: Context },
): Promise<Detailed & { missing: string[] }> {
  const p = q.principal;
  const role = await rolePolicies(ctx, p.accountId, p.roleName);
  const prep = prepare(q.action, role.identity, role, keyTrustsAccount(q.resource));
  const given = new Set(Object.keys(q.context).map((k) => k.toLowerCase()));
  const missing = [...prep.needs.keys].filter((k) => !given.has(k)).sort();
  return { ...(await simulate(q.action, q.resource, p, q.context, prep)), missing };
}
