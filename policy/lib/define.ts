/**
 * The one wrapper every policy goes through. A rule states its risk, metadata and a small `check`;
 * the wrapper turns it into a `@pulumi/policy` policy object and does, once for all rules:
 * settings parsing (with clear errors), exemptions (tag with reason, or name pattern from config),
 * advisory notes for exempted resources, preview-time unknowns, and remediation plumbing.
 */
import type {
  EnforcementLevel,
  PolicyConfigSchema,
  PolicyResource,
  ReportViolation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  Severity,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";
import { SettingsReader } from "./config";
import { EXEMPTIONS_SCHEMA, findExemption, type NamePatternExemption, readExemptions } from "./exemptions";
import { collector, type Outcome, publish } from "./publish";
import { unwrap } from "./unknown";
import type { Props } from "./values";

/** Everything a reader of the rule table needs to know about a policy. */
export interface RuleMeta {
  /** kebab-case, unique in the pack. */
  name: string;
  /** The risk, in one or two sentences. */
  description: string;
  severity: Severity;
  /** How to fix a violation. */
  remediationSteps: string;
  /** CIS AWS Foundations Benchmark v3.0.0 control ids, when one matches. */
  cis?: readonly string[];
  /** Matching AWS Config managed rule identifier, when one exists. */
  configRule?: string;
  /** Default enforcement level. @default "mandatory" */
  enforcementLevel?: EnforcementLevel;
  /** Resource types the rule looks at (resource rules: validated types, "*" for all; stack rules: subjects). */
  resourceTypes: readonly string[];
  /** JSON schema of the rule's own settings (the wrapper adds `exemptions`). */
  settings?: PolicyConfigSchema["properties"];
  /** True when the rule has an always-safe `remediateResource`. */
  remediates?: boolean;
  /** "resource" or "stack". */
  kind?: "resource" | "stack";
}

/** What a rule sees of one resource. */
export interface RuleResource {
  type: string;
  name: string;
  urn: string;
  /** Plain props; preview-time unknowns are sentinel strings (see unknown.ts). */
  props: Props;
}

export interface Reporter {
  /** A violation, reported at the policy's enforcement level. */
  violation(message: string): void;
  /** Information only (advisory), e.g. a value that cannot be judged. */
  note(message: string): void;
  /** A value the rule needs is unknown during preview (it is checked again on update). */
  undetermined(path: string): void;
}

export interface ResourceRule<S> extends RuleMeta {
  /** Parses settings (use the reader: it fails with a clear message). */
  parse?: (reader: SettingsReader) => S;
  check(resource: RuleResource, settings: S, report: Reporter): void;
  /**
   * Returns the top-level properties to set (a patch), or undefined when nothing needs fixing. Only
   * for always-safe fixes. The wrapper writes the patch through the engine's secrets-preserving
   * proxy, so every other property keeps its secretness.
   */
  remediate?(resource: RuleResource, settings: S): Props | undefined;
}

/** What a stack rule sees of one resource. */
export interface StackResource extends RuleResource {
  parent?: StackResource;
  dependencies: StackResource[];
  propertyDependencies: Record<string, StackResource[]>;
}

export interface StackReporter {
  violation(resource: StackResource, message: string): void;
  note(resource: StackResource, message: string): void;
}

export interface StackRule<S> extends RuleMeta {
  parse?: (reader: SettingsReader) => S;
  checkStack(resources: readonly StackResource[], settings: S, report: StackReporter): void;
}

/** Metadata of every rule defined, by name (README, policy:check, the exemption-tag policy). */
export const RULES = new Map<string, RuleMeta>();

interface Parsed<S> {
  settings: S;
  exemptions: NamePatternExemption[];
}

function settingsParser<S>(name: string, parse?: (r: SettingsReader) => S) {
  const cache = new Map<string, Parsed<S>>();
  return (raw: Props | undefined): Parsed<S> => {
    // Config is usually empty: skip serialising it then (this runs once per resource and policy).
    let empty = true;
    for (const _ in raw ?? {}) {
      empty = false;
      break;
    }
    const key = empty ? "" : JSON.stringify(raw);
    let parsed = cache.get(key);
    if (!parsed) {
      const reader = new SettingsReader(name, raw ?? {});
      parsed = { settings: parse ? parse(reader) : (undefined as S), exemptions: readExemptions(reader) };
      if (cache.size > 50) cache.clear();
      cache.set(key, parsed);
    }
    return parsed;
  };
}

function schemaOf(meta: RuleMeta): PolicyConfigSchema {
  return { properties: { ...(meta.settings ?? {}), exemptions: EXEMPTIONS_SCHEMA as never } };
}

function register(meta: RuleMeta) {
  if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(meta.name))
    throw new Error(`policy name "${meta.name}" is not kebab-case`);
  if (RULES.has(meta.name)) throw new Error(`policy name "${meta.name}" is defined twice`);
  RULES.set(meta.name, meta);
}

function common(meta: RuleMeta) {
  const tags = [meta.kind ?? "resource", ...(meta.cis ?? []).map((c) => `cis-aws-3.0.0:${c}`)];
  if (meta.configRule) tags.push(`aws-config:${meta.configRule}`);
  return {
    name: meta.name,
    description: meta.description,
    enforcementLevel: meta.enforcementLevel ?? "mandatory",
    severity: meta.severity,
    remediationSteps: meta.remediationSteps,
    ...(meta.configRule
      ? { url: `https://docs.aws.amazon.com/config/latest/developerguide/${meta.configRule}.html` }
      : {}),
    configSchema: schemaOf(meta),
    tags,
    ...(meta.cis?.length
      ? {
          framework: {
            name: "CIS AWS Foundations Benchmark",
            version: "3.0.0",
            reference: meta.cis.join(", "),
            specification: meta.description,
          },
        }
      : {}),
  };
}

/** Builds a resource policy from a rule. */
export function resourcePolicy<S = undefined>(rule: ResourceRule<S>): ResourceValidationPolicy {
  register({ ...rule, kind: "resource", remediates: !!rule.remediate });
  const types = new Set(rule.resourceTypes);
  const anyType = types.has("*");
  const parse = settingsParser(rule.name, rule.parse);

  const validate = (args: ResourceValidationArgs, report: ReportViolation) => {
    if (!anyType && !types.has(args.type)) return;
    const { settings, exemptions } = parse(args.getConfig<Props>());
    const resource: RuleResource = {
      type: args.type,
      name: args.name,
      urn: args.urn,
      props: unwrap(args.props),
    };
    const [outcome, reporter] = collector();
    rule.check(resource, settings, reporter);
    publish(rule.name, resource, findExemption(rule.name, resource, exemptions), outcome, report);
  };
  if (types.size === 1 && !anyType)
    (validate as unknown as { __pulumiType: string }).__pulumiType = rule.resourceTypes[0];

  const policy: ResourceValidationPolicy = {
    ...common({ ...rule, kind: "resource" }),
    validateResource: validate,
  };
  const remediate = rule.remediate;
  if (remediate) {
    policy.remediateResource = (args: ResourceValidationArgs) => {
      if (!types.has(args.type)) return undefined;
      const { settings, exemptions } = parse(args.getConfig<Props>());
      const resource: RuleResource = {
        type: args.type,
        name: args.name,
        urn: args.urn,
        props: unwrap(args.props),
      };
      const exemption = findExemption(rule.name, resource, exemptions);
      if (exemption.kind !== "none" && exemption.kind !== "tag-without-reason") return undefined;
      const patch = remediate(resource, settings);
      if (!patch) return undefined;
      const target = args.props as Props;
      for (const [key, value] of Object.entries(patch)) target[key] = value;
      return target;
    };
  }
  return policy;
}

/** Builds a stack policy from a rule. */
export function stackPolicy<S = undefined>(rule: StackRule<S>): StackValidationPolicy {
  register({ ...rule, kind: "stack" });
  const subjects = new Set(rule.resourceTypes);
  const parse = settingsParser(rule.name, rule.parse);

  const validateStack = (args: StackValidationArgs, report: ReportViolation) => {
    const { settings, exemptions } = parse(args.getConfig<Props>());
    const views = toStackResources(args.resources);
    const outcomes = new Map<StackResource, Outcome>();
    const outcomeOf = (r: StackResource) => {
      let o = outcomes.get(r);
      if (!o) {
        o = { violations: [], notes: [], undetermined: [] };
        outcomes.set(r, o);
      }
      return o;
    };
    rule.checkStack(views, settings, {
      violation: (r, m) => outcomeOf(r).violations.push(m),
      note: (r, m) => outcomeOf(r).notes.push(m),
    });
    for (const r of views) {
      const exemption = findExemption(rule.name, r, exemptions);
      const outcome = outcomes.get(r);
      if (
        !outcome &&
        !(subjects.has(r.type) && exemption.kind !== "none" && exemption.kind !== "tags-unknown")
      )
        continue;
      publish(
        rule.name,
        r,
        exemption,
        outcome ?? { violations: [], notes: [], undetermined: [] },
        report,
        r.urn,
      );
    }
  };
  return { ...common({ ...rule, kind: "stack" }), validateStack };
}

/** Plain views of the engine's stack resources (props unwrapped; parents and dependencies kept). */
export function toStackResources(resources: readonly PolicyResource[]): StackResource[] {
  const map = new Map<PolicyResource, StackResource>();
  for (const r of resources)
    map.set(r, {
      type: r.type,
      name: r.name,
      urn: r.urn,
      props: unwrap(r.props),
      dependencies: [],
      propertyDependencies: {},
    });
  for (const r of resources) {
    const v = map.get(r)!;
    if (r.parent) v.parent = map.get(r.parent);
    v.dependencies = (r.dependencies ?? []).map((d) => map.get(d)).filter((d): d is StackResource => !!d);
    for (const [k, deps] of Object.entries(r.propertyDependencies ?? {}))
      v.propertyDependencies[k] = deps.map((d) => map.get(d)).filter((d): d is StackResource => !!d);
  }
  return [...map.values()];
}
