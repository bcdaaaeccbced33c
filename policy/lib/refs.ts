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

/**
 * An index of target resources by their identities (id, ARN, name keys, ARN tails), so that stack
 * policies resolve references in constant time instead of scanning every resource. Gives the same
 * answers as `refers`.
 */
export class RefIndex {
  private readonly byIdentity = new Map<string, StackResource[]>();
  /** Targets whose identity is not known yet (preview): any literal reference may be to them. */
  private readonly unidentified: StackResource[] = [];
  private readonly set: Set<StackResource>;

  constructor(
    readonly targets: readonly StackResource[],
    keys: readonly string[],
  ) {
    this.set = new Set(targets);
    for (const t of targets) {
      for (const id of identities(t, keys)) {
        for (const k of new Set([id, tail(id)])) {
          const list = this.byIdentity.get(k);
          if (list) list.push(t);
          else this.byIdentity.set(k, [t]);
        }
      }
      if (["id", "arn", ...keys].some((k) => isUnknown(t.props[k]))) this.unidentified.push(t);
    }
  }

  /** Targets `from.props[prop]` (or `value`) may refer to, with the strength of each match. */
  match(from: StackResource, prop: string, value?: unknown): Array<{ target: StackResource; m: Match }> {
    const deps = from.propertyDependencies[prop];
    const out = new Map<StackResource, Match>();
    for (const d of deps ?? []) if (this.set.has(d)) out.set(d, "yes");
    const v = value === undefined ? from.props[prop] : value;
    if (typeof v === "string" && !isUnknown(v)) {
      for (const t of [...(this.byIdentity.get(v) ?? []), ...(this.byIdentity.get(tail(v)) ?? [])])
        out.set(t, "yes");
      if (!deps) for (const t of this.unidentified) if (!out.has(t)) out.set(t, "maybe");
    } else if (isUnknown(v) && !deps?.length)
      for (const t of this.targets) if (!out.has(t)) out.set(t, "maybe");
    return [...out].map(([target, m]) => ({ target, m }));
  }
}

/** Groups `sources` by the targets they refer to through `prop`: target → [{ r, m }]. */
export function referrers(
  index: RefIndex,
  sources: readonly StackResource[],
  prop: string,
): Map<StackResource, Array<{ r: StackResource; m: Match }>> {
  const out = new Map<StackResource, Array<{ r: StackResource; m: Match }>>();
  for (const r of sources)
    for (const { target, m } of index.match(r, prop)) {
      const list = out.get(target);
      if (list) list.push({ r, m });
      else out.set(target, [{ r, m }]);
    }
  return out;
}
