/**
 * Preview-time unknown values. During `pulumi preview` an input that depends on another resource's
 * output is not known yet; the engine sends a sentinel string in its place, and `@pulumi/policy`
 * wraps the properties in a proxy that throws on reading one. The pack unwraps that proxy once and
 * checks for the sentinels explicitly, so that one unknown field never hides a definite violation in
 * another, and never crashes a policy or produces a violation by itself.
 */

/** The sentinels `@pulumi/policy` (proxy.js) and `@pulumi/pulumi` (rpc.js) use for unknown values. */
export const UNKNOWN_SENTINELS: readonly string[] = [
  "04da6b54-80e4-46f7-96ec-b56ff0331ba9", // string (also the engine's generic unknown)
  "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7", // boolean
  "3eeb2bf0-c639-47a8-9e75-3b44932eb421", // number
  "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2", // array
  "030794c1-ac77-496b-92df-f27374a8bd58", // asset
  "e48ece36-62e2-4504-bad9-02848725956a", // archive
  "dd056dcd-154b-4c76-9bd3-c8f88648b5ff", // object
];
const sentinels = new Set(UNKNOWN_SENTINELS);

/** The value tests and tools use to stand for "not known until apply". */
export const UNKNOWN = UNKNOWN_SENTINELS[0];

/** True when a value is not known during preview. */
export function isUnknown(value: unknown): boolean {
  return typeof value === "string" && sentinels.has(value);
}

/** Key under which `@pulumi/policy`'s proxy hands out the object it wraps. */
const PROXY_TARGET = "__getSpecialProxyTarget";

/**
 * Returns the plain object behind `@pulumi/policy`'s unknown-checking proxy (its nested values are
 * plain too), or the value itself when it is not proxied.
 */
export function unwrap<T = Record<string, unknown>>(props: unknown): T {
  if (props && typeof props === "object") {
    const target = (props as Record<string, unknown>)[PROXY_TARGET];
    if (target && typeof target === "object") return target as T;
  }
  return props as T;
}
