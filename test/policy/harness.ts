/**
 * Test harness for the policy pack: runs one policy (or all) over resources through the same
 * engine-like runner as `policy:check` (props wrapped in @pulumi/policy's unknown-checking proxy),
 * and turns the result into plain lists of messages. Never constructs a PolicyPack.
 */
import { expect } from "chai";
import {
  type AnyPolicy,
  type Diagnostic,
  type PackConfig,
  type ResourceInput,
  runPolicies,
} from "../../policy/lib/run";
import { policies } from "../../policy/policies";

export { UNKNOWN } from "../../policy/lib/unknown";

export function policyNamed(name: string): AnyPolicy {
  const p = policies.find((x) => x.name === name);
  if (!p) throw new Error(`no policy named ${name}`);
  return p;
}

export interface Verdict {
  /** Mandatory messages. */
  violations: string[];
  /** Advisory messages (exemption notes, preview notes). */
  notes: string[];
  diagnostics: Diagnostic[];
}

const toVerdict = (diagnostics: Diagnostic[]): Verdict => ({
  violations: diagnostics.filter((d) => d.level === "mandatory").map((d) => d.message),
  notes: diagnostics.filter((d) => d.level === "advisory").map((d) => d.message),
  diagnostics,
});

let counter = 0;
export function res(
  type: string,
  props: Record<string, unknown>,
  extra: Partial<ResourceInput> = {},
): ResourceInput {
  const name = extra.name ?? `r${++counter}`;
  return { type, name, props, urn: `urn:pulumi:test::pack::${type}::${name}`, ...extra };
}

/** Runs one policy on one resource. Config is the policy's own config (settings, exemptions, enforcementLevel). */
export async function check(
  policy: string,
  type: string,
  props: Record<string, unknown>,
  config?: Record<string, unknown>,
  extra: Partial<ResourceInput> = {},
): Promise<Verdict> {
  return checkAll(policy, [res(type, props, extra)], config);
}

/** Runs one policy (resource or stack) over several resources. */
export async function checkAll(
  policy: string,
  resources: ResourceInput[],
  config?: Record<string, unknown>,
): Promise<Verdict> {
  const p = policyNamed(policy);
  const pack: PackConfig = config
    ? { [policy]: { enforcementLevel: "mandatory", ...config } }
    : { [policy]: "mandatory" };
  const { diagnostics } = await runPolicies(resources, { policies: [p], config: pack });
  return toVerdict(diagnostics);
}

/** Runs the whole pack (default levels) over resources. */
export async function checkPack(resources: ResourceInput[], config?: PackConfig): Promise<Verdict> {
  const { diagnostics } = await runPolicies(resources, { policies, config });
  return toVerdict(diagnostics);
}

/** Runs one policy's remediation; returns the remediated props (or undefined). */
export async function remediate(policy: string, type: string, props: Record<string, unknown>) {
  const p = policyNamed(policy);
  const { remediations } = await runPolicies([res(type, props)], {
    policies: [p],
    config: { [policy]: "remediate" },
  });
  return remediations.at(-1)?.after;
}

/** A case of the specification: resources (one for resource policies) and optional config. */
export interface Case {
  title: string;
  resources: ResourceInput[];
  config?: Record<string, unknown>;
  /** For non-compliant cases: a fragment every violation message set must contain. */
  expect?: string | RegExp;
}

export interface Spec {
  policy: string;
  compliant: Case[];
  noncompliant: Case[];
}

/** A one-resource case. */
export const one = (
  title: string,
  type: string,
  props: Record<string, unknown>,
  opts: { config?: Record<string, unknown>; expect?: string | RegExp; name?: string } = {},
): Case => ({
  title,
  resources: [res(type, props, opts.name ? { name: opts.name } : {})],
  config: opts.config,
  expect: opts.expect,
});

/** Registers numbered mocha cases for a spec (cdk-nag style: they read like the rule's specification). */
export function specify(spec: Spec) {
  describe(spec.policy, () => {
    for (const [i, c] of spec.compliant.entries())
      it(`compliant ${i + 1}: ${c.title}`, async () => {
        const v = await checkAll(spec.policy, c.resources, c.config);
        expect(v.violations, v.violations.join("\n")).to.deep.equal([]);
      });
    for (const [i, c] of spec.noncompliant.entries())
      it(`non-compliant ${i + 1}: ${c.title}`, async () => {
        const v = await checkAll(spec.policy, c.resources, c.config);
        expect(v.violations, "expected a violation").to.not.be.empty;
        if (c.expect) {
          const text = v.violations.join("\n");
          if (typeof c.expect === "string") expect(text).to.include(c.expect);
          else expect(text).to.match(c.expect);
        }
      });
  });
}

/** Every spec registered by the per-service files (the unknowns property test walks them all). */
export const SPECS: Spec[] = [];
export function spec(s: Spec): Spec {
  SPECS.push(s);
  return s;
}
