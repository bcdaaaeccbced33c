/**
 * Chaos bench: the whole game-day lifecycle (respond → investigate → analyze → recover/terminate), many
 * times, with the responder's calls going through the fault-injection proxy (throttling, 500, 503,
 * resets before and after the call took effect, added latency) at each rate. Prints the table (runs,
 * faults by kind, completions, duplicates, intact chains, median and worst time) and writes it into
 * docs/reliability.md between the chaos markers.
 *
 *   npm run bench:chaos -- --runs 50 --rates 0.1,0.2 [--scenario all|ssh-backdoor,...] [--seed 1] [--no-write]
 *
 * Scenarios take turns run after run (default: all three), each compared with its own fault-free run.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startMoto } from "../automation/emulator/moto";
import { pickScenarios } from "../automation/gameday/scenarios";
import { FAULT_KINDS, type FaultKind, startFaultProxy } from "../test/helpers/fault-proxy";
import { type ChaosResult, chaosRun, duplicatesOf, type Shape } from "../test/reliability/chaos-run";

interface Args {
  runs: number;
  rates: number[];
  scenario: string;
  seed: number;
  write: boolean;
}

function parseArgs(argv: string[]): Args {
  const get = (name: string) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const runs = Number(get("runs") ?? 50);
  if (!Number.isInteger(runs) || runs < 1 || runs > 500)
    throw new Error(`--runs ${get("runs")} is not valid: expected a whole number from 1 to 500`);
  const rates = (get("rates") ?? "0.1,0.2").split(",").map(Number);
  if (rates.some((r) => !(r >= 0 && r <= 0.9)))
    throw new Error(
      `--rates ${get("rates")} is not valid: expected comma-separated fault rates from 0 to 0.9`,
    );
  const seed = Number(get("seed") ?? 1);
  if (!Number.isInteger(seed)) throw new Error(`--seed ${get("seed")} is not valid: expected a whole number`);
  return {
    runs,
    rates,
    scenario: get("scenario") ?? "all",
    seed,
    write: !argv.includes("--no-write"),
  };
}

interface Row {
  rate: number;
  runs: number;
  requests: number;
  faults: Record<FaultKind, number>;
  completed: number;
  firstPass: number;
  reruns: number;
  duplicates: Record<string, number>;
  chainsIntact: number;
  stepRetries: number;
  reapplied: number;
  /** Runs by the most attempts one of their steps took (2 = a step ran twice), for runs that retried. */
  attempts: Record<number, number>;
  medianMs: number;
  worstMs: number;
  failures: Map<string, number>;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)]! : 0;
};

/** A run's result with the shape its scenario's fault-free run left (what a duplicate is counted against). */
type Scored = ChaosResult & { expected: Shape };

function summarise(
  rate: number,
  results: Scored[],
  requests: number,
  faults: Record<FaultKind, number>,
): Row {
  const duplicates: Record<string, number> = {};
  const failures = new Map<string, number>();
  const attempts: Record<number, number> = {};
  for (const r of results) {
    if (r.mostAttempts > 1) attempts[r.mostAttempts] = (attempts[r.mostAttempts] ?? 0) + 1;
    for (const [k, n] of Object.entries(duplicatesOf(r.shape, r.expected)))
      duplicates[k] = (duplicates[k] ?? 0) + n;
    for (const f of r.failedChecks) {
      const key = f.slice(0, 160);
      failures.set(key, (failures.get(key) ?? 0) + 1);
    }
  }
  const times = results.map((r) => r.ms);
  return {
    rate,
    runs: results.length,
    requests,
    faults,
    completed: results.filter((r) => r.completed).length,
    firstPass: results.filter((r) => r.firstPass).length,
    reruns: results.reduce((n, r) => n + r.reruns, 0),
    duplicates,
    chainsIntact: results.filter((r) => r.chainOk).length,
    stepRetries: results.reduce((n, r) => n + r.stepRetries, 0),
    reapplied: results.reduce((n, r) => n + r.reapplied, 0),
    attempts,
    medianMs: median(times),
    worstMs: Math.max(0, ...times),
    failures,
  };
}

/** "2×: 30, 3×: 4" (runs whose busiest step ran twice, three times); "none" when no step was retried. */
const attemptsText = (a: Record<number, number>) =>
  Object.keys(a).length
    ? Object.entries(a)
        .sort(([x], [y]) => Number(x) - Number(y))
        .map(([k, n]) => `${k}×: ${n}`)
        .join(", ")
    : "none";

export function renderTable(rows: Row[]): string[] {
  const dupText = (d: Record<string, number>) =>
    Object.keys(d).length
      ? Object.entries(d)
          .map(([k, n]) => `${n} ${k}`)
          .join(", ")
      : "0";
  const lines = [
    `| fault rate | runs | requests | ${FAULT_KINDS.join(" | ")} | completed on the first pass | completed (operator reruns) | step runs retried | runs by a step's most attempts | changes re-applied | duplicates | chains intact | median | worst |`,
    `|---|---|---|${FAULT_KINDS.map(() => "---").join("|")}|---|---|---|---|---|---|---|---|---|`,
  ];
  for (const r of rows)
    lines.push(
      `| ${Math.round(r.rate * 100)}% | ${r.runs} | ${r.requests} | ${FAULT_KINDS.map((k) => r.faults[k]).join(" | ")} | ${r.firstPass}/${r.runs} | ${r.completed}/${r.runs} (${r.reruns}) | ${r.stepRetries} | ${attemptsText(r.attempts)} | ${r.reapplied} | ${dupText(r.duplicates)} | ${r.chainsIntact}/${r.runs} | ${(r.medianMs / 1000).toFixed(1)} s | ${(r.worstMs / 1000).toFixed(1)} s |`,
    );
  return lines;
}

function writeDocs(table: string[], rows: Row[], args: Args, baselineMs: number) {
  const file = join(__dirname, "..", "docs", "reliability.md");
  const text = readFileSync(file, "utf8");
  const begin = "<!-- chaos:begin -->";
  const end = "<!-- chaos:end -->";
  const failures = rows.flatMap((r) =>
    [...r.failures]
      .sort((a, b) => b[1] - a[1])
      .map(([f, n]) => `- ${Math.round(r.rate * 100)}%: ${n}× ${f.replace(/\s+/g, " ")}`),
  );
  const body = [
    begin,
    `Measured ${new Date().toISOString().slice(0, 10)} with \`npm run bench:chaos -- --runs ${args.runs} --rates ${args.rates.join(",")} --scenario ${args.scenario} --seed ${args.seed}\` (moto 5.2.1, 2 shared cores). A fault-free run of the same lifecycle took at most ${(baselineMs / 1000).toFixed(1)} s.`,
    "",
    ...table,
    "",
    failures.length ? "Checks that failed, by rate (how often):" : "No game-day check failed.",
    ...failures.slice(0, 20),
    end,
  ].join("\n");
  const i = text.indexOf(begin);
  const j = text.indexOf(end);
  if (i < 0 || j < 0) throw new Error(`${file} has no ${begin} ... ${end} section to replace`);
  writeFileSync(file, text.slice(0, i) + body + text.slice(j + end.length));
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  // Several scenarios ("all", or a list) take turns run after run; each has its own fault-free reference.
  const scenarios = pickScenarios(args.scenario);
  const moto = await startMoto();
  const rows: Row[] = [];
  try {
    process.stderr.write(`moto on ${moto.endpoint}; fault-free run of each scenario first\n`);
    const baselines = new Map<string, ChaosResult>();
    for (const [k, scenario] of scenarios.entries()) {
      const b = await chaosRun({ moto: moto.endpoint, scenario, accountId: String(400000000000 + k) });
      if (!b.completed)
        throw new Error(
          `the fault-free run of ${scenario.id} did not complete: ${b.failedChecks.join("; ")}`,
        );
      baselines.set(scenario.id, b);
    }
    const baseline = {
      ms: Math.max(...[...baselines.values()].map((b) => b.ms)),
    };
    for (const [ri, rate] of args.rates.entries()) {
      const proxy = await startFaultProxy({
        upstream: moto.endpoint,
        rate,
        seed: args.seed + ri,
        maxLifetimeMs: 6 * 3600_000,
        maxRequests: 10_000_000,
      });
      const results: Scored[] = [];
      try {
        for (let i = 0; i < args.runs; i++) {
          const accountId = String(400000000000 + (ri + 1) * 1000 + i);
          const scenario = scenarios[i % scenarios.length]!;
          const expected = baselines.get(scenario.id)!.shape;
          const r = await chaosRun({ moto: moto.endpoint, proxy, scenario, accountId }).catch(
            (err): ChaosResult => ({
              accountId,
              ms: 0,
              firstPass: false,
              reruns: 0,
              completed: false,
              failedChecks: [`the run threw: ${(err as Error).message}`],
              shape: {},
              chainOk: false,
              chainProblem: "the run threw",
              notes: [],
              firstPassProblems: [],
              stepRetries: 0,
              reapplied: 0,
              mostAttempts: 1,
            }),
          );
          results.push({ ...r, expected });
          const dups = duplicatesOf(r.shape, expected);
          // The table so far is written after every run: a long bench interrupted still leaves figures.
          if (args.write) {
            const c = proxy.counts();
            const partial = [...rows, summarise(rate, results, c.requests, c.faults)];
            writeDocs(renderTable(partial), partial, args, baseline.ms);
          }
          process.stderr.write(
            `rate ${rate} run ${i + 1}/${args.runs} (${scenario.id}): ${r.completed ? `completed after ${r.reruns} rerun(s)` : `NOT completed (${r.failedChecks.length} checks)`}, ${r.stepRetries} step retries, ${r.reapplied} re-applied, most attempts ${r.mostAttempts}${r.mostAttemptsStep ? ` (${r.mostAttemptsStep})` : ""}, ${(r.ms / 1000).toFixed(1)} s, duplicates ${JSON.stringify(dups)}, chain ${r.chainOk ? "intact" : r.chainProblem}\n`,
          );
          if (process.env.CHAOS_VERBOSE)
            for (const p of [...r.firstPassProblems, ...r.failedChecks])
              process.stderr.write(`    ${p.replace(/\s+/g, " ")}\n`);
        }
      } finally {
        const c = proxy.counts();
        rows.push(summarise(rate, results, c.requests, c.faults));
        await proxy.stop();
      }
    }
    const table = renderTable(rows);
    for (const line of table) process.stdout.write(`${line}\n`);
    if (args.write) writeDocs(table, rows, args, baseline.ms);
  } finally {
    await moto.stop();
  }
}

if (require.main === module) {
  main().catch((err) => {
    process.stderr.write(`bench:chaos: ${(err as Error).message}\n`);
    process.exitCode = 1;
  });
}
