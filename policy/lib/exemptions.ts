/**
 * Exemptions: a resource can be exempted from one policy (never from all of them) by
 *   - a tag `ir:policy-exempt:<policy-name>` whose value is the reason, or
 *   - a resource-name pattern in that policy's config: `exemptions: [{ resourceName, reason }]`.
 * A reason is always required. An exempted resource is reported as an advisory note naming the policy
 * and the reason; an exemption tag with an empty reason is a violation.
 */
import { TAG } from "../../facts/tags";
import type { SettingsReader } from "./config";
import { isUnknown } from "./unknown";
import type { Props } from "./values";

export interface NamePatternExemption {
  /** Glob on the resource's logical name (`*` any run of characters, `?` one); or a full URN glob. */
  resourceName: string;
  /** Optional resource type token the exemption is limited to. */
  type?: string;
  /** Why the exemption is acceptable (ticket, compensating control...). Required. */
  reason: string;
}

export type Exemption =
  | { kind: "none" }
  | { kind: "tags-unknown" }
  | { kind: "tag-without-reason"; tagKey: string }
  | { kind: "tag"; tagKey: string; reason: string }
  | { kind: "config"; pattern: string; reason: string };

export const exemptionTagKey = (policyName: string) => `${TAG.policyExemptPrefix}${policyName}`;

/** JSON schema of the `exemptions` setting every policy accepts. */
export const EXEMPTIONS_SCHEMA = {
  type: "array",
  description:
    "Resources exempted from this policy by name pattern. Each exempted resource is reported as an advisory note.",
  items: {
    type: "object",
    properties: {
      resourceName: { type: "string", minLength: 1, description: "Glob on the logical name (or URN)." },
      type: { type: "string", description: "Limit to one resource type token." },
      reason: { type: "string", minLength: 1, description: "Why this resource is exempt (required)." },
    },
    required: ["resourceName", "reason"],
  },
} as const;

const globCache = new Map<string, RegExp>();
export function globToRegExp(glob: string): RegExp {
  let re = globCache.get(glob);
  if (!re) {
    const body = glob
      .replace(/[.+^${}()|[\]\\]/g, "\\$&")
      .replace(/\*/g, ".*")
      .replace(/\?/g, ".");
    re = new RegExp(`^${body}$`);
    globCache.set(glob, re);
  }
  return re;
}

/** Parses and checks the `exemptions` setting. */
export function readExemptions(reader: SettingsReader): NamePatternExemption[] {
  const v = reader.raw.exemptions;
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v))
    reader.fail("exemptions", v, 'a list of { resourceName: "<glob>", reason: "<why>" } objects');
  return v.map((e, i) => {
    const key = `exemptions[${i}]`;
    if (!e || typeof e !== "object")
      reader.fail(key, e, 'an object { resourceName: "<glob>", reason: "<why>" }');
    const { resourceName, reason, type } = e as Record<string, unknown>;
    if (typeof resourceName !== "string" || resourceName.trim() === "")
      reader.fail(`${key}.resourceName`, resourceName, 'a non-empty glob such as "bastion-*"');
    if (typeof reason !== "string" || reason.trim() === "")
      reader.fail(
        `${key}.reason`,
        reason,
        "a non-empty reason: every exemption must say why it is acceptable",
      );
    if (type !== undefined && (typeof type !== "string" || !type.includes(":")))
      reader.fail(`${key}.type`, type, 'a resource type token such as "aws:ec2/instance:Instance"');
    return { resourceName, reason: reason.trim(), type: type as string | undefined };
  });
}

/** Finds the exemption (if any) of one resource from one policy. */
export function findExemption(
  policyName: string,
  resource: { name: string; urn: string; type: string; props: Props },
  patterns: readonly NamePatternExemption[],
): Exemption {
  const tagKey = exemptionTagKey(policyName);
  const tags = resource.props.tags;
  let tagsUnknown = false;
  if (isUnknown(tags)) tagsUnknown = true;
  else if (tags && typeof tags === "object" && Object.hasOwn(tags, tagKey)) {
    const value = (tags as Record<string, unknown>)[tagKey];
    if (isUnknown(value)) tagsUnknown = true;
    else if (typeof value === "string" && value.trim() !== "")
      return { kind: "tag", tagKey, reason: value.trim() };
    else return { kind: "tag-without-reason", tagKey };
  }
  for (const p of patterns) {
    if (p.type && p.type !== resource.type) continue;
    const re = globToRegExp(p.resourceName);
    if (re.test(resource.name) || re.test(resource.urn))
      return { kind: "config", pattern: p.resourceName, reason: p.reason };
  }
  return tagsUnknown ? { kind: "tags-unknown" } : { kind: "none" };
}

export function describeExemption(e: Exemption & { reason: string }): string {
  if (e.kind === "tag") return `tag "${e.tagKey}"`;
  return `config exemption "${(e as { pattern: string }).pattern}"`;
}

export function missingReasonMessage(tagKey: string, resourceName: string): string {
  return (
    `exemption tag "${tagKey}" on "${resourceName}" has an empty reason, so it is ignored: ` +
    `an exemption must say why the risk is acceptable, e.g. tags: { "${tagKey}": "bastion: SSH limited by NACL, ticket SEC-123" }`
  );
}
