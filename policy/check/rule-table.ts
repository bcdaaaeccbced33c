/**
 * Prints the rule table of policy/README.md from the policies' own metadata, so the documentation
 * cannot drift from the code (a test compares them). `npx ts-node --transpile-only policy/check/rule-table.ts`
 */
import { RULES } from "../lib/define";
import { policies } from "../policies";

const short = (t: string) => t.split(":").pop() ?? t;

export function ruleTable(): string {
  const rows = [
    "| # | Policy | Severity | Default level | What it catches | Resources | CIS v3.0.0 | AWS Config rule | Fix |",
    "|---|---|---|---|---|---|---|---|---|",
  ];
  policies.forEach((p, i) => {
    const m = RULES.get(p.name)!;
    const types = m.resourceTypes.includes("*")
      ? "every resource with tags"
      : [...new Set(m.resourceTypes.map((t) => `${t.split(":")[1].split("/")[0]}.${short(t)}`))].join(", ");
    const kind = m.kind === "stack" ? " (stack)" : "";
    const fix = m.remediates ? "remediates" : "";
    rows.push(
      `| ${i + 1} | \`${p.name}\`${kind} | ${p.severity} | ${p.enforcementLevel} | ${p.description.replace(/\|/g, "\\|")} | ${types} | ${(m.cis ?? []).join(", ") || "–"} | ${m.configRule ? `\`${m.configRule}\`` : "–"} | ${fix} |`,
    );
  });
  return rows.join("\n");
}

if (require.main === module) console.log(ruleTable());
