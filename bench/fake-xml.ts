/** Small helpers for the fake AWS: XML of the query protocols and the parameters of query requests. */

export function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** `<tag>content</tag>`; strings in `content` are escaped when `text` is true. */
export function x(
  tag: string,
  content: string | number | boolean,
  text = typeof content !== "string",
): string {
  return `<${tag}>${text ? esc(String(content)) : content}</${tag}>`;
}

/** A text element (escaped). */
export const t = (tag: string, value: string | number | boolean) => x(tag, value, true);

/** EC2's lists: `<tag><item>..</item>...</tag>`. */
export function items<T>(tag: string, list: readonly T[], each: (v: T) => string): string {
  return `<${tag}>${list.map((v) => `<item>${each(v)}</item>`).join("")}</${tag}>`;
}

/** The query protocol's lists: `<Tag><member>..</member>...</Tag>`. */
export function members<T>(tag: string, list: readonly T[], each: (v: T) => string): string {
  return `<${tag}>${list.map((v) => `<member>${each(v)}</member>`).join("")}</${tag}>`;
}

/** `Prefix.1`, `Prefix.2`... of a query body, in order. */
export function listOf(q: URLSearchParams, prefix: string): string[] {
  const out: [number, string][] = [];
  const re = new RegExp(`^${prefix.replace(/\./g, "\\.")}\\.(\\d+)$`);
  for (const [k, v] of q) {
    const m = re.exec(k);
    if (m) out.push([Number(m[1]), v]);
  }
  return out.sort((a, b) => a[0] - b[0]).map(([, v]) => v);
}

/** EC2's `Filter.N.Name` / `Filter.N.Value.M` as a map of name to values. */
export function filtersOf(q: URLSearchParams): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [k, name] of q) {
    const m = /^Filter\.(\d+)\.Name$/.exec(k);
    if (m) out.set(name, listOf(q, `Filter.${m[1]}.Value`));
  }
  return out;
}
