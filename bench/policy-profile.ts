import { performance } from "node:perf_hooks";
import { syntheticStack } from "../bench/policy-synthetic";
import { runPolicies } from "../policy/lib/run";
import { policies } from "../policy/policies";

(async () => {
  const rs = syntheticStack(10000);
  for (const p of policies) {
    const t = performance.now();
    await runPolicies(rs, { policies: [p] });
    console.log(p.name, (performance.now() - t).toFixed(1));
  }
  const t = performance.now();
  await runPolicies(rs, { policies: [] });
  console.log("none", (performance.now() - t).toFixed(1));
})();
