/**
 * Prints the rule table of policy/README.md from the policies' own metadata, so the documentation
 * cannot drift from the code (a test compares them). `npx ts-node --transpile-only policy/check/rule-table.ts`
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
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

const START = /<!-- rules:start[^>]*-->\n/;
const END = "\n<!-- rules:end -->";

/** Replaces the table between the markers of policy/README.md. */
export function writeReadmeTable(path = join(__dirname, "..", "README.md")) {
  const text = readFileSync(path, "utf8");
  const start = START.exec(text);
  const end = text.indexOf(END);
  if (!start || end < 0)
    throw new Error(`${path} has no <!-- rules:start --> ... <!-- rules:end --> markers`);
  writeFileSync(path, text.slice(0, start.index + start[0].length) + ruleTable() + text.slice(end));
}

if (require.main === module) {
  if (process.argv.includes("--write")) writeReadmeTable();
  else console.log(ruleTable());
}
