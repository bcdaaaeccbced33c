/**
 * Writes the config schema of Pulumi.yaml and the config table of README.md from config/schema.ts,
 * the single source of truth. `--check` only reports whether they are current (used by a test).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";
import { type KeySpec, SCHEMA } from "../config/schema";

const root = join(__dirname, "..");

export function pulumiYaml(): string {
  const config: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(SCHEMA) as [string, KeySpec][]) {
    config[key] = {
      type: spec.type,
      description: spec.description,
      ...(spec.type === "array" ? { items: { type: "string" } } : {}),
      default: spec.default,
    };
  }
  const project = {
    name: "incident-ready",
    description:
      "Incident-ready AWS baseline for EC2 compromises: logging, encryption, detection, alerting, guardrails and forensic readiness.",
    runtime: { name: "nodejs", options: { typescript: true, packagemanager: "npm" } },
    main: "index.ts",
    config,
  };
  return (
    "# Generated from config/schema.ts by `npm run gen:config`: edit the schema, not this file.\n" +
    stringify(project, { lineWidth: 0 })
  );
}

const cell = (s: string) => s.replace(/\|/g, "\\|").replace(/</g, "&lt;").replace(/>/g, "&gt;");
export function readmeTable(): string {
  const rows = (Object.entries(SCHEMA) as [string, KeySpec][]).map(
    ([key, spec]) =>
      `| \`${key}\` | ${spec.type}${spec.numeric ? " (number)" : ""} | \`${cell(JSON.stringify(spec.default))}\` | ${cell(spec.description)} |`,
  );
  return ["| key | type | default | meaning |", "| --- | --- | --- | --- |", ...rows].join("\n");
}

const BEGIN = "<!-- config-table:begin -->";
const END = "<!-- config-table:end -->";

export function readmeWithTable(readme: string): string {
  const a = readme.indexOf(BEGIN);
  const b = readme.indexOf(END);
  if (a < 0 || b < a) throw new Error(`README.md has no ${BEGIN} ... ${END} markers for the config table`);
  return readme.slice(0, a + BEGIN.length) + "\n" + readmeTable() + "\n" + readme.slice(b);
}

if (require.main === module) {
  const check = process.argv.includes("--check");
  const files: [string, string][] = [
    [join(root, "Pulumi.yaml"), pulumiYaml()],
    [join(root, "README.md"), readmeWithTable(readFileSync(join(root, "README.md"), "utf8"))],
  ];
  let stale = 0;
  for (const [path, wanted] of files) {
    let current = "";
    try {
      current = readFileSync(path, "utf8");
    } catch {}
    if (current === wanted) continue;
    stale++;
    if (check) console.error(`${path} is stale: run npm run gen:config`);
    else writeFileSync(path, wanted);
  }
  process.exitCode = check && stale ? 1 : 0;
}
