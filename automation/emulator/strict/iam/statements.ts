/**
 * What a set of policies looks at, so the evaluator fetches and keys only what can change a decision:
 * the condition keys (and policy variables) of the statements that apply to an action, and whether any
 * of them tests a resource tag (then, and only then, the resource's tags are read from moto).
 */

interface Statement {
  Action?: string | string[];
  NotAction?: string | string[];
  Condition?: Record<string, Record<string, unknown>>;
  Resource?: unknown;
  NotResource?: unknown;
  Principal?: unknown;
}

const list = (v: string | string[] | undefined) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

const patternCache = new Map<string, RegExp>();
/** IAM action patterns: case-insensitive, `*` and `?` wildcards. */
function actionPattern(p: string): RegExp {
  let re = patternCache.get(p);
  if (!re) {
    re = new RegExp(
      `^${p
        .replace(/[.+^${}()|[\]\\]/g, "\\$&")
        .replace(/\*/g, ".*")
        .replace(/\?/g, ".")}$`,
      "i",
    );
    patternCache.set(p, re);
  }
  return re;
}

function statementsOf(policy: unknown): Statement[] {
  const s = (policy as { Statement?: Statement | Statement[] } | undefined)?.Statement;
  return s === undefined ? [] : Array.isArray(s) ? s : [s];
}

function applies(s: Statement, action: string): boolean {
  if (s.Action !== undefined) return list(s.Action).some((p) => actionPattern(p).test(action));
  if (s.NotAction !== undefined) return !list(s.NotAction).some((p) => actionPattern(p).test(action));
  return false;
}

export interface Needs {
  /** Context keys (lower case) the applicable statements test or substitute; "*" when unknowable. */
  keys: Set<string>;
  /** An applicable statement tests a resource tag. */
  resourceTags: boolean;
}

const VARIABLE = /\$\{([^}]+)\}/g;

/** The context keys that can change the decision of `action` under these policies. */
export function needsOf(policies: readonly unknown[], action: string): Needs {
  const keys = new Set<string>();
  let resourceTags = false;
  for (const policy of policies)
    for (const s of statementsOf(policy)) {
      if (!applies(s, action)) continue;
      for (const byKey of Object.values(s.Condition ?? {}))
        for (const key of Object.keys(byKey)) {
          const k = key.toLowerCase();
          keys.add(k);
          if (/:resourcetag\//.test(k)) resourceTags = true;
        }
      // Policy variables in resources or conditions (${aws:username}, ${aws:PrincipalTag/team}).
      const text = JSON.stringify([s.Resource, s.NotResource, s.Condition, s.Principal]);
      for (const m of text.matchAll(VARIABLE)) keys.add(m[1]!.toLowerCase());
    }
  return { keys, resourceTags };
}

/** A stable key of the context values that matter (the rest cannot change the decision). */
export function contextKey(context: Record<string, string | string[]>, needs: Needs): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(context)) {
    const lk = k.toLowerCase();
    // Tag keys are matched with their whole prefix: aws:ResourceTag/ir:case-id.
    if (needs.keys.has(lk)) parts.push(`${lk}=${Array.isArray(v) ? v.join("\u0001") : v}`);
  }
  return parts.sort().join("\u0002");
}

/** A policy cut down to the statements that apply to one action, with their original 1-based numbers. */
export interface Applicable {
  policy: unknown;
  /** index[i] = the original number of the (i+1)-th kept statement. */
  index: number[];
}

/**
 * The statements of `policy` that apply to `action` (undefined when none does). Statements that cannot
 * apply do not change a decision; leaving them out makes iam-simulate 5-10 times faster on the
 * responder's 30-statement policy (it parses and checks every statement of every run).
 */
export function applicableOnly(policy: unknown, action: string): Applicable | undefined {
  const all = statementsOf(policy);
  const index: number[] = [];
  const kept = all.filter((s, i) => applies(s, action) && index.push(i + 1) > 0);
  if (kept.length === 0) return undefined;
  return { policy: { ...(policy as object), Statement: kept }, index };
}
