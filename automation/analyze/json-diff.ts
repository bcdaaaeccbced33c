/**
 * What changed between two configuration documents, as paths. Arrays are compared as sets (a
 * security group's rules or a role's policies have no meaningful order, and an index-by-index diff
 * would report every later element as changed after one insertion).
 */
export interface Change {
  path: string;
  before?: unknown;
  after?: unknown;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  !!v && typeof v === "object" && !Array.isArray(v);
const key = (v: unknown) => JSON.stringify(v);

function walk(before: unknown, after: unknown, path: string, out: Change[], max: number): void {
  if (out.length >= max) return;
  if (isObject(before) && isObject(after)) {
    for (const k of [...new Set([...Object.keys(before), ...Object.keys(after)])].sort()) {
      walk(before[k], after[k], path ? `${path}.${k}` : k, out, max);
    }
    return;
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    const b = new Set(before.map(key));
    const a = new Set(after.map(key));
    for (const item of before)
      if (!a.has(key(item)) && out.length < max) out.push({ path: `${path}[-]`, before: item });
    for (const item of after)
      if (!b.has(key(item)) && out.length < max) out.push({ path: `${path}[+]`, after: item });
    return;
  }
  if (key(before) === key(after)) return;
  out.push({
    path: path || "(document)",
    ...(before !== undefined ? { before } : {}),
    ...(after !== undefined ? { after } : {}),
  });
}

/** Changed paths from `before` to `after`, at most `max` of them. */
export function diffJson(before: unknown, after: unknown, max = 50): Change[] {
  const out: Change[] = [];
  walk(before, after, "", out, max);
  return out;
}
