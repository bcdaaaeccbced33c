/**
 * Asks IAM's policy simulator whether the responder role may make each probed call
 * (iam:SimulatePrincipalPolicy: the role's identity policies, its permissions boundary and the
 * organisation's SCPs; https://docs.aws.amazon.com/IAM/latest/APIReference/API_SimulatePrincipalPolicy.html).
 * The simulator reads nothing from the resources: every context key a real call carries is supplied
 * here (the Region, the principal, the resource's tags, the request's tags...), or its condition sees it
 * missing. Probes that share a context are asked in one call, every action on every resource of it.
 *
 * Resource tags that no statement of the role tests are left out, so that instances whose tested tags
 * agree share calls (a Name tag would otherwise make every instance its own call).
 */
import {
  type ContextEntry,
  type ContextKeyTypeEnum,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  ListAttachedRolePoliciesCommand,
  ListRolePoliciesCommand,
  SimulatePrincipalPolicyCommand,
} from "@aws-sdk/client-iam";
import type { AwsClients } from "../aws/clients";
import { errorName } from "../aws/errors";
import type { Context, Decision, Probe, ProbeResult } from "./types";

/** Services whose calls go to a global endpoint signed for us-east-1. */
const GLOBAL = new Set(["iam", "sts"]);
const DATES = new Set(["aws:currenttime", "aws:tokenissuetime", "s3:object-lock-retain-until-date"]);
const BOOLEANS = new Set(["aws:securetransport", "aws:multifactorauthpresent", "kms:grantisforawsresource"]);
const CALLS_AT_ONCE = 4;
const RESOURCES_PER_CALL = 20;

function typeOf(key: string, value: string | string[]): ContextKeyTypeEnum {
  if (Array.isArray(value)) return "stringList";
  const k = key.toLowerCase();
  if (DATES.has(k)) return "date";
  if (BOOLEANS.has(k)) return "boolean";
  if (k === "aws:epochtime") return "numeric";
  return "string";
}

const entries = (c: Context): ContextEntry[] =>
  Object.entries(c)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([ContextKeyName, v]) => ({
      ContextKeyName,
      ContextKeyValues: Array.isArray(v) ? v : [v],
      ContextKeyType: typeOf(ContextKeyName, v),
    }));

/** Keys of the resource tags the role's policies (and boundary) test; undefined when they cannot be read. */
export async function testedTagKeys(clients: AwsClients, roleName: string): Promise<Set<string> | undefined> {
  const iam = clients.iam;
  try {
    const texts: string[] = [];
    const role = await iam.send(new GetRoleCommand({ RoleName: roleName }));
    const managed = async (arn: string) => {
      const p = await iam.send(new GetPolicyCommand({ PolicyArn: arn }));
      const v = await iam.send(
        new GetPolicyVersionCommand({ PolicyArn: arn, VersionId: p.Policy?.DefaultVersionId ?? "v1" }),
      );
      texts.push(decodeURIComponent(v.PolicyVersion?.Document ?? ""));
    };
    const boundary = role.Role?.PermissionsBoundary?.PermissionsBoundaryArn;
    if (boundary) await managed(boundary);
    for (const name of (await iam.send(new ListRolePoliciesCommand({ RoleName: roleName }))).PolicyNames ??
      [])
      texts.push(
        decodeURIComponent(
          (await iam.send(new GetRolePolicyCommand({ RoleName: roleName, PolicyName: name })))
            .PolicyDocument ?? "",
        ),
      );
    let marker: string | undefined;
    do {
      const page = await iam.send(
        new ListAttachedRolePoliciesCommand({ RoleName: roleName, Marker: marker }),
      );
      for (const a of page.AttachedPolicies ?? []) if (a.PolicyArn) await managed(a.PolicyArn);
      marker = page.IsTruncated ? page.Marker : undefined;
    } while (marker);
    const keys = new Set<string>();
    for (const t of texts)
      for (const m of t.matchAll(/ResourceTag\/([^"]+)"/gi)) keys.add(m[1]!.toLowerCase());
    return keys;
  } catch {
    return undefined;
  }
}

export interface SimulationInput {
  roleArn: string;
  accountId: string;
  region: string;
  probes: Probe[];
  /** From testedTagKeys: only these tag keys go into the context (undefined: every tag). */
  tagKeys?: Set<string>;
}

/** The context of one probe: global keys, the resource's tested tags, the request's own keys. */
function contextOf(p: Probe, input: SimulationInput, now: Date): Context {
  const service = p.action.split(":")[0]!;
  const c: Context = {
    "aws:RequestedRegion": GLOBAL.has(service) ? "us-east-1" : input.region,
    "aws:PrincipalArn": input.roleArn,
    "aws:PrincipalAccount": input.accountId,
    "aws:PrincipalType": "AssumedRole",
    "aws:SecureTransport": "true",
    "aws:CurrentTime": now.toISOString(),
    "aws:EpochTime": String(Math.floor(now.getTime() / 1000)),
    "aws:TokenIssueTime": now.toISOString(),
  };
  for (const [k, v] of Object.entries(p.tags ?? {}))
    if (!input.tagKeys || input.tagKeys.has(k.toLowerCase())) c[`aws:ResourceTag/${k}`] = v;
  return { ...c, ...(p.context ?? {}) };
}

interface Call {
  context: Context;
  actions: string[];
  resources: string[];
}

/** Groups probes into calls: same context and same actions → one call over their resources. */
function plan(input: SimulationInput, now: Date) {
  const byResource = new Map<string, { context: Context; resource: string; actions: Set<string> }>();
  const keyOf = new Map<Probe, string>();
  for (const p of input.probes) {
    const context = contextOf(p, input, now);
    const ctxKey = JSON.stringify(entries(context));
    const k = `${ctxKey}\u0000${p.resource}`;
    keyOf.set(p, k);
    const slot = byResource.get(k) ?? { context, resource: p.resource, actions: new Set<string>() };
    slot.actions.add(p.action);
    byResource.set(k, slot);
  }
  const calls = new Map<string, Call>();
  for (const s of byResource.values()) {
    const actions = [...s.actions].sort();
    const k = `${JSON.stringify(entries(s.context))}\u0000${actions.join(",")}`;
    const call = calls.get(k) ?? { context: s.context, actions, resources: [] };
    call.resources.push(s.resource);
    calls.set(k, call);
  }
  const split = [...calls.values()].flatMap((c) => {
    const out: Call[] = [];
    for (let i = 0; i < c.resources.length; i += RESOURCES_PER_CALL)
      out.push({ ...c, resources: c.resources.slice(i, i + RESOURCES_PER_CALL) });
    return out;
  });
  return { calls: split, keyOf };
}

interface Answer {
  decision: Decision;
  matched?: string[];
  missing?: string[];
  error?: string;
}

async function ask(clients: AwsClients, roleArn: string, call: Call): Promise<Map<string, Answer>> {
  const out = new Map<string, Answer>();
  const key = (action: string, resource: string) => `${action}\u0000${resource}`;
  try {
    let marker: string | undefined;
    do {
      const r = await clients.iam.send(
        new SimulatePrincipalPolicyCommand({
          PolicySourceArn: roleArn,
          ActionNames: call.actions,
          ...(call.resources.length === 1 && call.resources[0] === "*"
            ? {}
            : { ResourceArns: call.resources }),
          ContextEntries: entries(call.context),
          Marker: marker,
        }),
      );
      for (const e of r.EvaluationResults ?? []) {
        const specific = e.ResourceSpecificResults ?? [];
        const per =
          specific.length > 0
            ? specific.map((s) => ({
                resource: s.EvalResourceName ?? "",
                decision: s.EvalResourceDecision as Decision,
                matched: s.MatchedStatements,
                missing: s.MissingContextValues,
              }))
            : call.resources.map((resource) => ({
                resource,
                decision: e.EvalDecision as Decision,
                matched: e.MatchedStatements,
                missing: e.MissingContextValues,
              }));
        for (const x of per)
          out.set(key(e.EvalActionName ?? "", x.resource), {
            decision: x.decision,
            ...(x.matched?.length ? { matched: x.matched.map((m) => m.SourcePolicyId ?? "?") } : {}),
            ...(x.missing?.length ? { missing: x.missing } : {}),
          });
      }
      marker = r.IsTruncated ? r.Marker : undefined;
    } while (marker);
  } catch (err) {
    const error = `${errorName(err)}: ${(err as Error).message}`;
    for (const a of call.actions)
      for (const res of call.resources) out.set(key(a, res), { decision: "error", error });
  }
  return out;
}

/** Every probe's decision. */
export async function simulate(clients: AwsClients, input: SimulationInput): Promise<ProbeResult[]> {
  const now = new Date();
  const { calls, keyOf } = plan(input, now);
  const answers = new Map<string, Answer>();
  let next = 0;
  const worker = async () => {
    while (next < calls.length) {
      const call = calls[next++]!;
      const got = await ask(clients, input.roleArn, call);
      const ctxKey = JSON.stringify(entries(call.context));
      for (const [k, v] of got) {
        const [action, resource] = k.split("\u0000");
        answers.set(`${ctxKey}\u0000${resource}\u0000${action}`, v);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(CALLS_AT_ONCE, calls.length) }, worker));
  return input.probes.map((p) => {
    const a = answers.get(`${keyOf.get(p)}\u0000${p.action}`) ?? {
      decision: "error" as const,
      error: "the simulator gave no result for this action and resource",
    };
    return {
      action: p.action,
      purpose: p.purpose,
      resource: p.resource,
      ...(p.instanceId ? { instanceId: p.instanceId } : {}),
      ...a,
    };
  });
}
