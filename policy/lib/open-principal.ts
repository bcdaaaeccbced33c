/**
 * Resource-based policy documents (role trust policies, KMS key policies) that allow any principal.
 * A statement is open when it allows Principal "*" (or {"AWS": "*"}, or Allow with NotPrincipal) and no
 * condition restricts who the caller is. A condition counts only by what it restricts: it must be a
 * positive string/ARN match (StringEquals, StringEqualsIgnoreCase, StringLike, ArnEquals, ArnLike, or
 * their ForAnyValue: form) on one of the caller-identifying keys the policy names, with values that
 * do not admit everyone (a Like pattern of only wildcards, or an ARN pattern whose account is a
 * wildcard, admits everyone). Negated operators (StringNotEquals...), `...IfExists` (true when the key is
 * absent, as it is for callers outside an organization) and ForAllValues: (true when the key is absent)
 * restrict nothing.
 */
import { restrictingClause } from "./conditions";
import { knownStatements } from "./statements";
import { isUnknown } from "./unknown";
import { asArray, containsUnknown, type Props } from "./values";

/** Caller-identifying condition keys that restrict an open role trust policy (lower case). */
export const TRUST_RESTRICTING_KEYS: readonly string[] = [
  "aws:principalorgid",
  "aws:principalorgpaths",
  "aws:principalaccount",
  "aws:sourceaccount",
  "aws:principalarn",
  "sts:externalid",
];

/** Keys that restrict an open KMS key policy: the trust keys plus KMS's own caller keys (lower case). */
export const KMS_RESTRICTING_KEYS: readonly string[] = [
  ...TRUST_RESTRICTING_KEYS.filter((k) => k !== "sts:externalid"),
  "aws:sourcearn",
  "aws:sourceorgid",
  "kms:calleraccount",
  "kms:viaservice",
];

export type Restriction = { kind: "restricted"; by: string } | { kind: "open" } | { kind: "unknown" };

/**
 * Whether a statement's Condition restricts the caller to a known set: the same semantics as bucket
 * policies (policy/lib/conditions.ts restrictingClause), with this kind of policy's keys, and preview-time
 * unknowns reported as such.
 */
export function conditionRestricts(condition: unknown, keys: readonly string[]): Restriction {
  if (condition === undefined || condition === null) return { kind: "open" };
  if (isUnknown(condition)) return { kind: "unknown" };
  if (typeof condition !== "object") return { kind: "open" };
  const keySet = new Set(keys);
  let unknown = false;
  for (const [rawOp, block] of Object.entries(condition as Props)) {
    if (isUnknown(block)) {
      unknown = true;
      continue;
    }
    if (!block || typeof block !== "object") continue;
    for (const [rawKey, rawValues] of Object.entries(block as Props)) {
      if (!keySet.has(rawKey.toLowerCase())) continue;
      if (containsUnknown(rawValues)) {
        unknown = true;
        continue;
      }
      if (restrictingClause(rawOp, rawKey, rawValues, keySet))
        return { kind: "restricted", by: `${rawOp} on ${rawKey}` };
    }
  }
  return unknown ? { kind: "unknown" } : { kind: "open" };
}

/** "*" as a principal: "*", {"AWS": "*"} or {"AWS": [..., "*"]}. Unknown when it cannot be told. */
function anyPrincipal(p: unknown): boolean | "unknown" {
  if (isUnknown(p)) return "unknown";
  if (p === "*") return true;
  if (p && typeof p === "object") {
    const aws = (p as Props).AWS;
    if (isUnknown(aws)) return "unknown";
    const list = asArray(aws);
    if (list.includes("*")) return true;
    return list.some(isUnknown) ? "unknown" : false;
  }
  return false;
}

export interface OpenFindings {
  /** One line per open statement, e.g. `Statement[0] allows "sts:AssumeRole" to Principal "*"`. */
  open: string[];
  /** Parts that are not known during preview (checked again on update). */
  undetermined: string[];
}

/**
 * The statements of a resource-based policy document that allow any principal without a restricting
 * condition. "unknown" when the document itself is not known; an unparseable document has none.
 */
export function openPrincipalStatements(
  doc: unknown,
  keys: readonly string[],
  path: string,
): OpenFindings | "unknown" {
  const out: OpenFindings = { open: [], undetermined: [] };
  const statements = knownStatements(doc, path, out.undetermined);
  if (statements === "unknown") return "unknown";
  for (const { stmt, label: named } of statements) {
    if (isUnknown(stmt.Effect)) {
      out.undetermined.push(`${path} ${named}.Effect`);
      continue;
    }
    if (stmt.Effect !== "Allow") continue;
    let who: string;
    if (stmt.NotPrincipal !== undefined)
      who = `every principal except ${JSON.stringify(stmt.NotPrincipal)} (NotPrincipal)`;
    else {
      const any = anyPrincipal(stmt.Principal);
      if (any === "unknown") {
        out.undetermined.push(`${path} ${named}.Principal`);
        continue;
      }
      if (!any) continue;
      who = 'Principal "*"';
    }
    const r = conditionRestricts(stmt.Condition, keys);
    if (r.kind === "restricted") continue;
    if (r.kind === "unknown") {
      out.undetermined.push(`${path} ${named}.Condition`);
      continue;
    }
    const action = isUnknown(stmt.Action) ? "its actions" : JSON.stringify(stmt.Action ?? stmt.NotAction);
    out.open.push(`${named} allows ${action} to ${who}`);
  }
  return out;
}
