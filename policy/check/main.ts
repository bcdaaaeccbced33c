/**
 * `npm run policy:check [-- <program-dir>] [--stack <name>]`: runs a Pulumi TypeScript program under
 * mocks with a stack's configuration, evaluates the policy pack on every resource it would create,
 * and prints them grouped by parent component with every verdict. No cloud credentials, no Pulumi CLI.
 *
 * Exit codes: 0 no mandatory violation; 1 at least one mandatory violation; 2 the check is incomplete
 * (the program failed, or invokes could not be answered offline) and found no mandatory violation;
 * 3 usage or configuration error. `--format sarif` prints SARIF 2.1.0 (see sarif.ts) with the same exit codes.
 */
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { Command } from "commander";
import { RULES } from "../lib/define";
import { levelOf, type PackConfig, runPolicies } from "../lib/run";
import { policies } from "../policies";
import { runProgram } from "./program";
import { type CheckResult, renderJson, renderText, summarise } from "./report";
import { renderSarif } from "./sarif";

export const FORMATS = ["text", "json", "sarif"] as const;

export const DEFAULT_PROGRAM_DIR = resolve(__dirname, "..", "..");

export interface CheckOptions {
  dir?: string;
  stack?: string;
  policyConfig?: PackConfig;
  /** Config overrides, like `pulumi preview --config key=value`. */
  overrides?: Record<string, string>;
}

/** Runs the check; used by the CLI and the tests. */
export async function check(opts: CheckOptions = {}): Promise<CheckResult> {
  const run = await runProgram({
    dir: opts.dir ?? DEFAULT_PROGRAM_DIR,
    stack: opts.stack ?? "prod",
    overrides: opts.overrides,
  });
  const inputs = run.resources
    .filter((r) => r.custom && r.type !== "pulumi:pulumi:Stack" && !r.type.startsWith("pulumi:providers:"))
    .map((r) => ({ type: r.type, name: r.name, urn: r.urn, props: r.props, parent: r.parent }));
  const config = opts.policyConfig ?? {};
  const { diagnostics, remediations } = await runPolicies(inputs, {
    policies,
    config,
    packLevel: "mandatory",
  });
  const levels = Object.fromEntries(
    policies.map((p) => [p.name, levelOf(p, { config, packLevel: "mandatory" })]),
  );
  return {
    run,
    diagnostics,
    remediated: remediations.map((r) => ({ policy: r.policy, urn: r.urn })),
    rules: [...RULES.values()],
    levels,
    packDiagnostics: [],
  };
}

export const exitCodeOf = (r: CheckResult) => {
  const s = summarise(r);
  return s.mandatory ? 1 : s.incomplete ? 2 : 0;
};

async function main(argv: string[]) {
  const program = new Command("policy:check")
    .description(
      "Evaluate the CrossGuard policy pack on a Pulumi program offline (mocks; no credentials, no Pulumi CLI).",
    )
    .argument("[program-dir]", "directory of the Pulumi program (with Pulumi.yaml)", DEFAULT_PROGRAM_DIR)
    .option("-s, --stack <name>", "stack whose Pulumi.<stack>.yaml config to use", "prod")
    .option(
      "-c, --policy-config <file>",
      "policy pack config JSON (same format as pulumi --policy-pack-config)",
    )
    .option("--config <key=value...>", "override a stack config value (repeatable), like pulumi --config")
    .option("--only-findings", "list only resources with a violation or a note")
    .option("--format <format>", `output format: ${FORMATS.join(", ")} (SARIF 2.1.0 for code scanning)`)
    .option("--json", "machine-readable output (same as --format json)")
    .addHelpText(
      "after",
      "\nExit codes: 0 no mandatory violation, 1 mandatory violation(s), 2 incomplete check (program error or unanswered invokes), 3 usage error.",
    )
    .exitOverride();
  try {
    program.parse(argv);
  } catch (e) {
    const code = (e as { exitCode?: number }).exitCode ?? 3;
    process.exit(code === 0 ? 0 : 3);
  }
  const o = program.opts<{
    stack: string;
    policyConfig?: string;
    config?: string[];
    onlyFindings?: boolean;
    json?: boolean;
    format?: string;
  }>();
  if (o.format !== undefined && !(FORMATS as readonly string[]).includes(o.format)) {
    console.error(`--format ${JSON.stringify(o.format)} is not valid: expected one of ${FORMATS.join(", ")}`);
    process.exit(3);
  }
  if (o.json && o.format && o.format !== "json") {
    console.error(`--json and --format ${o.format} contradict each other: pass one of them`);
    process.exit(3);
  }
  const format = o.json ? "json" : ((o.format ?? "text") as (typeof FORMATS)[number]);
  const overrides: Record<string, string> = {};
  for (const kv of o.config ?? []) {
    const i = kv.indexOf("=");
    if (i <= 0) {
      console.error(
        `--config ${JSON.stringify(kv)} is not valid: expected key=value, e.g. --config incident-ready:referenceWorkload=true`,
      );
      process.exit(3);
    }
    overrides[kv.slice(0, i)] = kv.slice(i + 1);
  }
  const dir = resolve(program.args[0] ?? DEFAULT_PROGRAM_DIR);
  let policyConfig: PackConfig | undefined;
  if (o.policyConfig) {
    try {
      policyConfig = JSON.parse(readFileSync(resolve(o.policyConfig), "utf8"));
    } catch (e) {
      console.error(`policy config ${o.policyConfig} could not be read: ${(e as Error).message}`);
      process.exit(3);
    }
  }
  if (!existsSync(join(dir, "Pulumi.yaml")) && !existsSync(join(dir, "Pulumi.yml"))) {
    console.error(
      `policy:check: ${dir} is not a Pulumi program directory (no Pulumi.yaml): pass the directory that holds one`,
    );
    process.exit(3);
  }
  // Program-relative module resolution (ts-node compiles the program's TypeScript).
  process.chdir(dir);
  let result: CheckResult;
  try {
    result = await check({ dir, stack: o.stack, policyConfig, overrides });
  } catch (e) {
    console.error(`policy:check: ${(e as Error).message}`);
    process.exit(
      (e as Error).name === "PolicyConfigError" ||
        /no Pulumi.yaml|has no config file/.test((e as Error).message)
        ? 3
        : 2,
    );
  }
  const color = format === "text" && process.stdout.isTTY && !process.env.NO_COLOR;
  const text =
    format === "json"
      ? renderJson(result)
      : format === "sarif"
        ? JSON.stringify(renderSarif(result), null, 2)
        : renderText(result, { color, onlyFindings: !!o.onlyFindings });
  // Exit only once the document is written: stdout to a pipe is asynchronous, and process.exit right
  // after a large write cut SARIF and JSON documents short (a truncated file, under load).
  process.stdout.write(`${text}\n`, () => process.exit(exitCodeOf(result)));
}

if (require.main === module) void main(process.argv);
