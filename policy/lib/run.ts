/**
 * Runs policies over a list of resources the way the Pulumi engine's analyzer does (same argument
 * shapes, unknown-checking proxy around props, enforcement-level resolution, remediations before
 * validations, the object form of reportViolation), without a PolicyPack or a gRPC server. Used by
 * `policy:check`, the benchmark and the tests.
 */
import type {
  EnforcementLevel,
  PolicyResource,
  ReportViolation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationPolicy,
} from "@pulumi/policy";

// Exported by @pulumi/policy but marked @internal: proxy.d.ts declares nothing, so they would arrive untyped.
const policyRuntime = require("@pulumi/policy") as {
  unknownCheckingProxy: <T>(v: T) => T;
  UnknownValueError: new (...args: never[]) => Error;
};

export type AnyPolicy = ResourceValidationPolicy | StackValidationPolicy;
export type PackConfig = Record<
  string,
  EnforcementLevel | ({ enforcementLevel?: EnforcementLevel } & Record<string, unknown>)
>;

export interface ResourceInput {
  type: string;
  name: string;
  urn?: string;
  props: Record<string, unknown>;
  /** URN of the parent resource. */
  parent?: string;
  dependencies?: string[];
  propertyDependencies?: Record<string, string[]>;
}

export interface Diagnostic {
  policy: string;
  urn?: string;
  level: "advisory" | "mandatory";
  severity?: string;
  message: string;
}

export interface Remediation {
  policy: string;
  urn: string;
  before: Record<string, unknown>;
  after: Record<string, unknown>;
}

export interface RunOptions {
  policies: readonly AnyPolicy[];
  config?: PackConfig;
  /** The pack's default enforcement level. @default "mandatory" */
  packLevel?: EnforcementLevel;
  /** Wrap props in @pulumi/policy's unknown-checking proxy, as the engine does. @default true */
  proxy?: boolean;
  stackTags?: ReadonlyMap<string, string>;
}

export const urnOf = (r: ResourceInput, stack = "dev", project = "check") =>
  r.urn ?? `urn:pulumi:${stack}::${project}::${r.type}::${r.name}`;

/** Enforcement level as the CLI resolves it: the policy's own config, then "all", then the policy's default. */
export function levelOf(p: AnyPolicy, opts: Pick<RunOptions, "config" | "packLevel">): EnforcementLevel {
  const levelIn = (c: PackConfig[string] | undefined) => (typeof c === "string" ? c : c?.enforcementLevel);
  return (
    levelIn(opts.config?.[p.name]) ??
    levelIn(opts.config?.all) ??
    p.enforcementLevel ??
    opts.packLevel ??
    "mandatory"
  );
}

function configOf(p: AnyPolicy, config?: PackConfig): Record<string, unknown> {
  const c = config?.[p.name];
  if (!c || typeof c === "string") return {};
  const { enforcementLevel: _ignored, ...rest } = c;
  return rest;
}

const isStack = (p: AnyPolicy): p is StackValidationPolicy => "validateStack" in p && !!p.validateStack;

function reporter(p: AnyPolicy, level: EnforcementLevel, out: Diagnostic[], urn?: string): ReportViolation {
  const effective = level === "advisory" ? "advisory" : "mandatory";
  return ((message: unknown, reportedUrn?: string) => {
    if (message && typeof message === "object") {
      const d = message as { message?: string; urn?: string; enforcementLevel?: EnforcementLevel };
      out.push({
        policy: p.name,
        urn: d.urn ?? reportedUrn ?? urn,
        level: d.enforcementLevel === "advisory" ? "advisory" : effective,
        severity: p.severity,
        message: d.message ?? p.description,
      });
    } else
      out.push({
        policy: p.name,
        urn: reportedUrn ?? urn,
        level: effective,
        severity: p.severity,
        message: String(message ?? ""),
      });
  }) as ReportViolation;
}

/** Same test as the analyzer server: the class's static __pulumiType, else its isInstance. */
function isTypeOf(type: string, cls: unknown): boolean {
  const c = cls as { __pulumiType?: string; isInstance?: (o: unknown) => boolean };
  if (c?.__pulumiType) return c.__pulumiType === type;
  return typeof c?.isInstance === "function" && c.isInstance({ __pulumiType: type }) === true;
}

function notApplicable(reason?: string): never {
  throw Object.assign(new Error(reason ?? "not applicable"), { notApplicable: true });
}

/** Runs every enabled policy over the resources; returns diagnostics and the remediations applied. */
export async function runPolicies(resources: readonly ResourceInput[], opts: RunOptions) {
  const diagnostics: Diagnostic[] = [];
  const remediations: Remediation[] = [];
  const wrap = <T>(v: T): T => (opts.proxy === false ? v : policyRuntime.unknownCheckingProxy(v));
  const stackTags = opts.stackTags ?? new Map<string, string>();
  const finalProps = new Map<ResourceInput, Record<string, unknown>>();
  const unknownAdvisory = (p: AnyPolicy, e: Error, urn?: string) =>
    diagnostics.push({
      policy: p.name,
      urn,
      level: "advisory",
      severity: p.severity,
      message: `can't run policy '${p.name}' during preview: ${e.message}`,
    });

  for (const r of resources) {
    const urn = urnOf(r);
    let props = r.props;
    const argsFor = (p: AnyPolicy, current: Record<string, unknown>): ResourceValidationArgs => {
      const proxied = wrap(current);
      return {
        type: r.type,
        props: proxied,
        urn,
        name: r.name,
        opts: {
          protect: false,
          ignoreChanges: [],
          aliases: [],
          customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
          additionalSecretOutputs: [],
          parent: r.parent,
        },
        stackTags,
        isType: (cls) => isTypeOf(r.type, cls),
        asType: ((cls: unknown) =>
          isTypeOf(r.type, cls) ? proxied : undefined) as ResourceValidationArgs["asType"],
        getConfig: <T extends object>() => configOf(p, opts.config) as T,
        notApplicable,
      };
    };
    // Remediations first, in pack order, each seeing the previous one's result.
    for (const p of opts.policies) {
      if (isStack(p) || levelOf(p, opts) !== "remediate" || !p.remediateResource) continue;
      try {
        // A private copy: remediations write into the props they are given, as in the engine.
        const before = props;
        const result = await Promise.resolve(
          p.remediateResource(argsFor(p, JSON.parse(JSON.stringify(props)))),
        );
        if (result) {
          const after = JSON.parse(JSON.stringify(result)) as Record<string, unknown>;
          remediations.push({ policy: p.name, urn, before, after });
          props = after;
        }
      } catch (e) {
        if (e instanceof policyRuntime.UnknownValueError) unknownAdvisory(p, e, urn);
        else if (!(e as { notApplicable?: boolean }).notApplicable) throw withPolicy(e, p, r.name);
      }
    }
    finalProps.set(r, props);
    for (const p of opts.policies) {
      const level = levelOf(p, opts);
      if (isStack(p) || level === "disabled" || !p.validateResource) continue;
      // Like the analyzer server: the type fast path applies to a single validation function only;
      // each function of an array is called (with freshly deserialised props, there) and filters itself.
      if (!Array.isArray(p.validateResource)) {
        const pulumiType = (p.validateResource as { __pulumiType?: string }).__pulumiType;
        if (pulumiType && pulumiType !== r.type) continue;
      }
      const validations = Array.isArray(p.validateResource) ? p.validateResource : [p.validateResource];
      for (const v of validations) {
        try {
          await Promise.resolve(v(argsFor(p, props), reporter(p, level, diagnostics, urn)));
        } catch (e) {
          if (e instanceof policyRuntime.UnknownValueError) unknownAdvisory(p, e, urn);
          else if (!(e as { notApplicable?: boolean }).notApplicable) throw withPolicy(e, p, r.name);
        }
      }
    }
  }

  const stackPolicies = opts.policies.filter(isStack).filter((p) => levelOf(p, opts) !== "disabled");
  if (stackPolicies.length) {
    const byUrn = new Map<string, PolicyResource>();
    const views = resources.map((r) => {
      const props = wrap(finalProps.get(r) ?? r.props);
      const view: PolicyResource = {
        type: r.type,
        props,
        urn: urnOf(r),
        name: r.name,
        opts: {
          protect: false,
          ignoreChanges: [],
          aliases: [],
          customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
          additionalSecretOutputs: [],
        },
        dependencies: [],
        propertyDependencies: {},
        isType: (cls: unknown) => isTypeOf(r.type, cls),
        asType: (cls: unknown) => (isTypeOf(r.type, cls) ? props : undefined),
      } as PolicyResource;
      byUrn.set(view.urn, view);
      return view;
    });
    resources.forEach((r, i) => {
      const v = views[i] as PolicyResource & { parent?: PolicyResource };
      if (r.parent) v.parent = byUrn.get(r.parent);
      v.dependencies = (r.dependencies ?? [])
        .map((u) => byUrn.get(u))
        .filter((d): d is PolicyResource => !!d);
      for (const [k, urns] of Object.entries(r.propertyDependencies ?? {}))
        v.propertyDependencies[k] = urns.map((u) => byUrn.get(u)).filter((d): d is PolicyResource => !!d);
    });
    for (const p of stackPolicies) {
      try {
        await Promise.resolve(
          p.validateStack(
            {
              resources: views,
              stackTags,
              getConfig: <T extends object>() => configOf(p, opts.config) as T,
              notApplicable,
            },
            reporter(p, levelOf(p, opts), diagnostics),
          ),
        );
      } catch (e) {
        if (e instanceof policyRuntime.UnknownValueError) unknownAdvisory(p, e);
        else if (!(e as { notApplicable?: boolean }).notApplicable) throw withPolicy(e, p, "stack");
      }
    }
  }
  return { diagnostics, remediations };
}

function withPolicy(e: unknown, p: AnyPolicy, name: string): Error {
  const err = e instanceof Error ? e : new Error(String(e));
  if (err.name === "PolicyConfigError") return err; // already names the policy and the setting
  err.message = `policy ${p.name} failed on ${name}: ${err.message}`;
  return err;
}
