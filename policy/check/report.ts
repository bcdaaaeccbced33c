/** Renders a policy:check result: resources grouped by parent component, each with every verdict. */
import type { RuleMeta } from "../lib/define";
import type { Diagnostic } from "../lib/run";
import type { Collected, ProgramRun } from "./program";

export interface CheckResult {
  run: ProgramRun;
  diagnostics: Diagnostic[];
  remediated: Array<{ policy: string; urn: string }>;
  rules: RuleMeta[];
  levels: Record<string, string>;
  packDiagnostics: Diagnostic[];
}

export interface Summary {
  resources: number;
  components: number;
  mandatory: number;
  advisory: number;
  unanswered: string[];
  incomplete: boolean;
}

export function summarise(r: CheckResult): Summary {
  const unanswered = [...new Set(r.run.invokes.filter((i) => !i.answer).map((i) => i.token))];
  return {
    resources: r.run.resources.filter((c) => c.custom && c.type !== "pulumi:pulumi:Stack").length,
    components: r.run.resources.filter((c) => !c.custom && c.type !== "pulumi:pulumi:Stack").length,
    mandatory: r.diagnostics.filter((d) => d.level === "mandatory").length,
    advisory: r.diagnostics.filter((d) => d.level === "advisory").length,
    unanswered,
    incomplete: unanswered.length > 0 || r.run.errors.length > 0,
  };
}

const paint = (on: boolean) => (code: string, s: string) => (on ? `\x1b[${code}m${s}\x1b[0m` : s);

/** Plain-text report (colour only on a terminal). */
export function renderText(r: CheckResult, opts: { color: boolean; onlyFindings: boolean }): string {
  const c = paint(opts.color);
  const out: string[] = [];
  const byUrn = new Map(r.run.resources.map((x) => [x.urn, x]));
  const findings = new Map<string, Diagnostic[]>();
  for (const d of r.diagnostics) {
    const key = d.urn ?? "(stack)";
    findings.set(key, [...(findings.get(key) ?? []), d]);
  }
  const remediated = new Map<string, string[]>();
  for (const x of r.remediated) remediated.set(x.urn, [...(remediated.get(x.urn) ?? []), x.policy]);
  const applicable = (res: Collected) =>
    r.rules
      .filter((rule) => rule.resourceTypes.includes(res.type) && r.levels[rule.name] !== "disabled")
      .map((rule) => rule.name);
  const ancestry = (urn?: string): string => {
    const chain: string[] = [];
    let cur = urn ? byUrn.get(urn) : undefined;
    while (cur && cur.type !== "pulumi:pulumi:Stack") {
      chain.unshift(`${cur.type} "${cur.name}"`);
      cur = cur.parent ? byUrn.get(cur.parent) : undefined;
    }
    return chain.length ? chain.join(" › ") : `stack ${r.run.stack} (no component)`;
  };

  out.push(c("1", `policy:check: project ${r.run.project}, stack ${r.run.stack}`));
  const groups = new Map<string, Collected[]>();
  for (const res of r.run.resources) {
    if (!res.custom || res.type === "pulumi:pulumi:Stack") continue;
    const key = res.parent ?? "";
    groups.set(key, [...(groups.get(key) ?? []), res]);
  }
  const order = [...groups.keys()].sort((a, b) => ancestry(a).localeCompare(ancestry(b)));
  for (const key of order) {
    const members = groups
      .get(key)!
      .sort((a, b) => `${a.type} ${a.name}`.localeCompare(`${b.type} ${b.name}`));
    const lines: string[] = [];
    const unchecked: string[] = [];
    for (const res of members) {
      const ds = findings.get(res.urn) ?? [];
      const failed = new Set(ds.filter((d) => d.level === "mandatory").map((d) => d.policy));
      const passed = applicable(res).filter((p) => !ds.some((d) => d.policy === p));
      if (opts.onlyFindings && !ds.length) continue;
      if (!passed.length && !ds.length && !remediated.has(res.urn)) {
        unchecked.push(`${res.type.split(":").pop()} "${res.name}"`);
        continue;
      }
      lines.push(`  ${res.type} ${c("1", `"${res.name}"`)}`);
      for (const d of ds)
        lines.push(
          d.level === "mandatory"
            ? `    ${c("31", "✗ mandatory")} ${d.policy}: ${d.message}`
            : `    ${c("33", "! advisory ")} ${d.policy}: ${d.message}`,
        );
      for (const p of remediated.get(res.urn) ?? [])
        lines.push(`    ${c("36", "↻ remediated")} ${p} (the engine would fix the inputs)`);
      if (passed.length && !opts.onlyFindings)
        lines.push(`    ${c("32", "✓ passes")} ${passed.filter((p) => !failed.has(p)).join(", ")}`);
    }
    if (unchecked.length)
      lines.push(`  ${c("2", `· no policy applies to ${unchecked.length}: ${unchecked.join(", ")}`)}`);
    if (!lines.length) continue;
    out.push("", c("4", ancestry(key)), ...lines);
  }
  const stackWide = findings.get("(stack)") ?? [];
  if (stackWide.length) {
    out.push("", c("4", "stack-wide"));
    for (const d of stackWide)
      out.push(
        `    ${d.level === "mandatory" ? c("31", "✗ mandatory") : c("33", "! advisory ")} ${d.policy}: ${d.message}`,
      );
  }
  const s = summarise(r);
  out.push("");
  if (r.run.secrets.length)
    out.push(
      c(
        "33",
        `secret config values are not readable offline; placeholders were used for: ${r.run.secrets.join(", ")}`,
      ),
    );
  if (s.unanswered.length)
    out.push(
      c(
        "33",
        `INCOMPLETE: ${s.unanswered.length} invoke(s) could not be answered offline and returned nothing: ${s.unanswered.join(", ")}.`,
      ),
      c(
        "33",
        "  Resources that depend on them may be missing or wrong; run `pulumi preview --policy-pack policy` for a full check.",
      ),
    );
  for (const e of r.run.errors) out.push(c("31", `INCOMPLETE: the program failed: ${e}`));
  out.push(
    c(
      "1",
      `${s.resources} resources in ${s.components} components, ${r.rules.length} policies: ` +
        `${s.mandatory ? c("31", `${s.mandatory} mandatory violation(s)`) : c("32", "no mandatory violation")}, ${s.advisory} advisory note(s)`,
    ),
  );
  return out.join("\n");
}

export function renderJson(r: CheckResult): string {
  const s = summarise(r);
  return JSON.stringify(
    {
      project: r.run.project,
      stack: r.run.stack,
      summary: s,
      resources: r.run.resources
        .filter((x) => x.type !== "pulumi:pulumi:Stack")
        .map((x) => ({
          type: x.type,
          name: x.name,
          urn: x.urn,
          component: !x.custom,
          parent: x.parent,
          diagnostics: r.diagnostics.filter((d) => d.urn === x.urn),
        })),
      stackDiagnostics: r.diagnostics.filter((d) => !d.urn),
      invokes: r.run.invokes,
      secrets: r.run.secrets,
      errors: r.run.errors,
    },
    null,
    2,
  );
}
