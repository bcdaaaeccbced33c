/**
 * Policy settings: parsing with clear errors. Pulumi validates pack config against each policy's JSON
 * schema, but the pack parses it again so that a bad value (run through `policy:check`, tests, or an
 * older CLI) fails with a message that names the policy, the key, the bad value and what is allowed.
 */
import type { Props } from "./values";

export class PolicyConfigError extends Error {
  constructor(policy: string, key: string, value: unknown, expected: string) {
    super(`policy "${policy}": config ${key} = ${JSON.stringify(value)} is not valid: expected ${expected}`);
    this.name = "PolicyConfigError";
  }
}

/** Reads typed settings from a policy's raw config, applying defaults. */
export class SettingsReader {
  constructor(
    readonly policy: string,
    readonly raw: Props,
  ) {}

  fail(key: string, value: unknown, expected: string): never {
    throw new PolicyConfigError(this.policy, key, value, expected);
  }

  boolean(key: string, dflt: boolean): boolean {
    const v = this.raw[key];
    if (v === undefined || v === null) return dflt;
    if (typeof v !== "boolean") this.fail(key, v, "true or false");
    return v;
  }

  integer(key: string, dflt: number, min: number, max: number): number {
    const v = this.raw[key];
    if (v === undefined || v === null) return dflt;
    if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max)
      this.fail(key, v, `an integer from ${min} to ${max}`);
    return v;
  }

  string(key: string, dflt: string, allowed?: readonly string[]): string {
    const v = this.raw[key];
    if (v === undefined || v === null) return dflt;
    if (typeof v !== "string" || (allowed && !allowed.includes(v)))
      this.fail(key, v, allowed ? `one of ${allowed.map((a) => `"${a}"`).join(", ")}` : "a string");
    return v;
  }

  strings(key: string, dflt: readonly string[], check?: (s: string) => string | undefined): string[] {
    const v = this.raw[key];
    if (v === undefined || v === null) return [...dflt];
    if (!Array.isArray(v)) this.fail(key, v, "a list of strings");
    return v.map((item, i) => {
      if (typeof item !== "string" || item.trim() === "")
        this.fail(`${key}[${i}]`, item, "a non-empty string");
      const problem = check?.(item);
      if (problem) this.fail(`${key}[${i}]`, item, problem);
      return item;
    });
  }

  /** Ports and port ranges: 22, "22", "8000-8080". Returns [from, to] pairs. */
  portRanges(key: string, dflt: readonly (number | string)[]): Array<[number, number]> {
    const v = this.raw[key];
    const items = v === undefined || v === null ? dflt : v;
    if (!Array.isArray(items)) this.fail(key, v, 'a list of ports, e.g. [22, 3389, "8000-8080"]');
    const expected = 'a port number from 0 to 65535, or a range "from-to" such as "8000-8080"';
    return items.map((item, i): [number, number] => {
      const range = parsePortRange(item);
      if (!range) this.fail(`${key}[${i}]`, item, expected);
      return range;
    });
  }

  /** A list of regular expressions (strings), compiled. */
  regexes(key: string, flags = "i"): RegExp[] {
    return this.strings(key, []).map((src, i) => {
      try {
        return new RegExp(src, flags);
      } catch (e) {
        return this.fail(`${key}[${i}]`, src, `a valid regular expression (${(e as Error).message})`);
      }
    });
  }
}

export function parsePortRange(item: unknown): [number, number] | undefined {
  const valid = (n: number) => Number.isInteger(n) && n >= 0 && n <= 65535;
  if (typeof item === "number") return valid(item) ? [item, item] : undefined;
  if (typeof item !== "string") return undefined;
  const m = /^\s*(\d{1,5})\s*(?:-\s*(\d{1,5})\s*)?$/.exec(item);
  if (!m) return undefined;
  const from = Number(m[1]);
  const to = m[2] === undefined ? from : Number(m[2]);
  return valid(from) && valid(to) && from <= to ? [from, to] : undefined;
}
