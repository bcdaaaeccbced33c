/**
 * What one request asks AWS to authorise: a list of (action, resource ARN, request context), the
 * call's own action first, then the actions it implies (tag-on-create, iam:PassRole, kms:* through
 * S3...). One mapper per service; `undefined` means the layer does not know the operation, and the rule
 * refuses it rather than let it through unevaluated.
 */
import type { RuleContext, StrictRequest } from "../../types";
import type { Context } from "../context";

export interface Authorization {
  action: string;
  resource: string;
  context?: Context;
}

export type Mapper = (
  req: StrictRequest,
  ctx: RuleContext,
) => Promise<Authorization[] | undefined> | Authorization[] | undefined;

/** Query-protocol lists: `InstanceId.1`, `InstanceId.2`... (EC2) or `InstanceIds.member.1` (others). */
export function listOf(params: Record<string, string>, name: string): string[] {
  const re = new RegExp(`^${name.replace(/\./g, "\\.")}\\.(?:member\\.)?(\\d+)$`);
  return Object.entries(params)
    .flatMap(([k, v]) => {
      const m = re.exec(k);
      return m ? [[Number(m[1]), v] as const] : [];
    })
    .sort((a, b) => a[0] - b[0])
    .map(([, v]) => v);
}

/** Request tags as AWS puts them in the context: aws:RequestTag/<key> and aws:TagKeys. */
export function requestTagContext(tags: Record<string, string>): Context {
  const keys = Object.keys(tags);
  if (keys.length === 0) return {};
  const c: Context = { "aws:TagKeys": keys };
  for (const [k, v] of Object.entries(tags)) c[`aws:RequestTag/${k}`] = v;
  return c;
}

/** Query-protocol tags `Tags.member.N.Key/Value` (IAM, ASG, SNS, ELB). */
export function memberTags(params: Record<string, string>, prefix = "Tags"): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(params)) {
    const m = new RegExp(`^${prefix}\\.member\\.(\\d+)\\.Key$`).exec(k);
    if (m) out[v] = params[`${prefix}.member.${m[1]}.Value`] ?? "";
  }
  return out;
}

/** The same action on each resource. */
export const each = (action: string, resources: string[], context?: Context): Authorization[] =>
  resources.map((resource) => ({ action, resource, ...(context ? { context } : {}) }));

/** Read calls a service authorises on "*" (no resource-level permission): Describe*, List*... */
export const isUnscopedRead = (op: string) => /^(Describe|List|Lookup|Search|Select)/.test(op);

/** A per-layer memo of lookups (ARNs by name...), forgotten with the layer's state. */
export function lookups(ctx: RuleContext, slot: string): Map<string, Promise<string | undefined>> {
  return ctx.state.of(`iam-authorize/lookup/${slot}`, () => new Map<string, Promise<string | undefined>>());
}

export function remember(
  map: Map<string, Promise<string | undefined>>,
  key: string,
  load: () => Promise<string | undefined>,
): Promise<string | undefined> {
  let p = map.get(key);
  if (!p) {
    p = load();
    map.set(key, p);
    p.then(
      (v) => v === undefined && map.delete(key),
      () => map.delete(key),
    );
  }
  return p;
}

export const jsonString = (json: Record<string, unknown> | undefined, key: string): string | undefined => {
  const v = json?.[key];
  return typeof v === "string" ? v : undefined;
};
