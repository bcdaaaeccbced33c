/**
 * Per-policy cost on the synthetic stack (slowest first): finds the policy to optimise when the
 * pack's throughput drops. `npx ts-node --transpile-only bench/policy-profile.ts [-- --resources 10000]`
 */
import { performance } from "node:perf_hooks";
import { runPolicies } from "../policy/lib/run";
import { policies } from "../policy/policies";
import { syntheticStack } from "./policy-synthetic";

const i = process.argv.indexOf("--resources");
const N = i > 0 ? Number(process.argv[i + 1]) : 10_000;

async function main() {
  const resources = syntheticStack(N);
  const rows: Array<[string, number]> = [];
  for (const p of policies) {
    let best = Number.POSITIVE_INFINITY;
    for (let r = 0; r < 3; r++) {
      const t = performance.now();
      await runPolicies(resources, { policies: [p] });
      best = Math.min(best, performance.now() - t);
    }
    rows.push([p.name, best]);
  }
  rows.sort((a, b) => b[1] - a[1]);
  console.log(`per-policy time on ${resources.length} resources (best of 3):`);
  for (const [name, t] of rows) console.log(`  ${t.toFixed(1).padStart(8)} ms  ${name}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
