/**
 * Does one resource's property refer to another resource? Stack policies follow references by the
 * engine's property dependencies when present (exact, and available during preview), otherwise by
 * value: a name, id or ARN in the property equal to the target's.
 */
import type { StackResource } from "./define";
import { isUnknown } from "./unknown";

export type Match = "yes" | "no" | "maybe";

/** Last path segment of an ARN (`.../role/path/name` → `name`), or the value itself. */
const tail = (v: string) =>
  v.startsWith("arn:")
    ? v
        .slice(v.lastIndexOf("/") + 1)
        .split(":")
        .pop()!
    : v;

function identities(r: StackResource, keys: readonly string[]): string[] {
  const out: string[] = [];
  for (const k of ["id", "arn", ...keys]) {
    const v = r.props[k];
    if (typeof v === "string" && !isUnknown(v) && v !== "") out.push(v);
  }
  return out;
}

/**
 * Whether `from.props[prop]` (or `value`, an element inside it) refers to `to`. `keys` are the target's
 * properties that hold its name (e.g. ["name"], ["bucket"]).
 */
export function refers(
  from: StackResource,
  prop: string,
  to: StackResource,
  keys: readonly string[],
  value?: unknown,
): Match {
  const deps = from.propertyDependencies[prop];
  if (deps?.includes(to)) return "yes";
  const v = value === undefined ? from.props[prop] : value;
  if (typeof v === "string" && !isUnknown(v)) {
    const ids = identities(to, keys);
    if (ids.includes(v) || ids.some((id) => tail(id) === tail(v))) return "yes";
    // The target's own name or id is not known yet: the reference may still be to it.
    if (!deps && ["id", "arn", ...keys].some((k) => isUnknown(to.props[k]))) return "maybe";
    return "no";
  }
  if (isUnknown(v)) return deps?.length ? "no" : "maybe";
  return "no";
}

/** Best of several matches. */
export const best = (ms: Match[]): Match =>
  ms.includes("yes") ? "yes" : ms.includes("maybe") ? "maybe" : "no";
