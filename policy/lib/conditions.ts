/**
 * IAM condition semantics for resource policies that name a public principal ("*"): does a statement's
 * Condition block restrict *who* can use it? Judged by what the condition restricts, not by which keys
 * it mentions:
 * - a restricting key (the caller's account, organization, ARN, VPC, VPC endpoint, source IP...) under a
 *   positive operator (StringEquals, StringLike, ArnEquals, ArnLike, IpAddress) restricts, unless one of
 *   its values admits everyone (a bare wildcard, an ARN in any account, a world CIDR such as 0.0.0.0/0
 *   or ::0/0);
 * - negated operators (StringNotEquals, ArnNotLike, NotIpAddress...) do not restrict an allow to a set
 *   of principals: everyone outside the excluded set passes;
 * - `...IfExists` operators do not restrict (a request without the key passes), nor `ForAllValues:`
 *   (an absent key is the empty set, which passes);
 * - Bool, Null, Numeric and Date operators, and keys that say nothing about the caller, do not restrict.
 *
 * The blocks of a Condition are ANDed, so one restricting (operator, key) pair is enough.
 */
import { isWorldCidr } from "./cidr";
import { asArray, type Props } from "./values";

/** Condition keys that identify the caller (or where it calls from), lower case. */
export const RESTRICTING_KEYS: ReadonlySet<string> = new Set([
  "aws:sourcevpce",
  "aws:sourcevpc",
  "aws:principalorgid",
  "aws:principalorgpaths",
  "aws:principalaccount",
  "aws:sourceaccount",
  "aws:sourceowner",
  "aws:sourcearn",
  "aws:sourceorgid",
  "aws:sourceorgpaths",
  "aws:principalarn",
  "aws:userid",
  "aws:sourceip",
  "aws:principalservicename",
  "s3:dataaccesspointaccount",
]);

/** Keys whose values are ARNs: a pattern whose account is a wildcard admits any account. */
const ARN_KEYS = new Set(["aws:sourcearn", "aws:principalarn"]);
const IP_KEYS = new Set(["aws:sourceip"]);

/** Operators that admit only requests whose key matches one of the values (lower case, no prefix). */
const POSITIVE_OPERATORS = new Set([
  "stringequals",
  "stringequalsignorecase",
  "stringlike",
  "arnequals",
  "arnlike",
  "ipaddress",
]);
/** Operators whose values are patterns (`*`, `?`); ArnEquals matches like ArnLike. */
const PATTERN_OPERATORS = new Set(["stringlike", "arnequals", "arnlike"]);

const wildcardOnly = (s: string) => /^[*?]*$/.test(s) && s.includes("*");

/** Does one value of a positive operator admit everyone (so the key restricts nothing)? */
function admitsEveryone(key: string, operator: string, value: unknown): boolean {
  if (typeof value !== "string") return false;
  if (IP_KEYS.has(key)) return isWorldCidr(value);
  if (!PATTERN_OPERATORS.has(operator)) return false; // StringEquals "*" is a literal "*": it matches nobody.
  if (wildcardOnly(value)) return true;
  if (ARN_KEYS.has(key)) {
    const parts = value.split(":");
    // A pattern that stops before the account field ("arn:aws:*") spans every account.
    if (parts.length < 6) return /[*?]/.test(value);
    const account = parts[4];
    const resource = parts.slice(5).join(":");
    // arn:aws:sns:us-east-1:*:topic — any account can create a resource with that name.
    if (/[*?]/.test(account)) return true;
    // Global resources without an account (S3 buckets): the resource part must name something.
    if (account === "") return resource === "" || /^[*?/]*$/.test(resource);
  }
  return false;
}

/** Splits "ForAnyValue:StringLike" into its set qualifier and operator, lower case. */
function parseOperator(op: string): { qualifier: string; operator: string; ifExists: boolean } {
  const lower = op.toLowerCase();
  const colon = lower.indexOf(":");
  const qualifier = colon >= 0 ? lower.slice(0, colon) : "";
  let operator = colon >= 0 ? lower.slice(colon + 1) : lower;
  const ifExists = operator.endsWith("ifexists");
  if (ifExists) operator = operator.slice(0, -"ifexists".length);
  return { qualifier, operator, ifExists };
}

/**
 * True when this (operator, key, values) triple admits only a restricted set of callers. `keys` (lower
 * case) are the caller-identifying keys that count for the kind of policy (default: bucket policies).
 */
export function restrictingClause(
  op: string,
  key: string,
  values: unknown,
  keys: ReadonlySet<string> = RESTRICTING_KEYS,
): boolean {
  const k = key.toLowerCase();
  if (!keys.has(k)) return false;
  const { qualifier, operator, ifExists } = parseOperator(op);
  if (ifExists) return false;
  if (qualifier !== "" && qualifier !== "foranyvalue") return false; // ForAllValues: absent key passes.
  if (!POSITIVE_OPERATORS.has(operator)) return false; // negated, Null, Bool, Numeric...
  if (operator === "ipaddress" && !IP_KEYS.has(k)) return false;
  return !asArray(values).some((v) => admitsEveryone(k, operator, v));
}

/**
 * True when a statement's Condition block restricts who can use it (see the file comment). Absent or
 * malformed conditions restrict nothing. Callers handle preview-time unknowns before asking.
 */
export function restrictsPrincipals(
  condition: unknown,
  keys: ReadonlySet<string> = RESTRICTING_KEYS,
): boolean {
  if (!condition || typeof condition !== "object" || Array.isArray(condition)) return false;
  return Object.entries(condition as Props).some(
    ([op, block]) =>
      !!block &&
      typeof block === "object" &&
      !Array.isArray(block) &&
      Object.entries(block as Props).some(([key, values]) => restrictingClause(op, key, values, keys)),
  );
}
