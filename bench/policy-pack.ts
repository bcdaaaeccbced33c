/**
 * Benchmark: evaluates the policy pack on a synthetic stack of 10,000 mixed resources and prints
 * resources per second and the pack's load time; runs @pulumi/awsguard's policies for the rules both
 * packs have on the same resources, in the same run, and prints the ratio. Not a test: no assertions.
 *
 *   npm run bench:policy [-- --resources 10000 --rounds 3]
 */
import { performance } from "node:perf_hooks";

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const N = arg("resources", 10_000);
const ROUNDS = arg("rounds", 5);

/** Pairs of equivalent rules: [ours, awsguard export (module, name)]. */
const COMMON: Array<[string, string, string]> = [
  ["ec2-no-public-ip", "compute", "ec2InstanceNoPublicIP"],
  ["ec2-block-devices-encrypted", "compute", "encryptedVolumes"],
  ["efs-encrypted", "storage", "efsEncrypted"],
  ["kms-key-rotation", "security", "cmkBackingKeyRotationEnabled"],
  ["elb-access-logs", "compute", "elbAccessLoggingEnabled"],
  ["elb-http-redirects-to-https", "network", "albHttpToHttpsRedirection"],
];

const ms = (t: number) => `${t.toFixed(1)} ms`;
const rate = (n: number, t: number) => `${Math.round((n / t) * 1000).toLocaleString("en-US")} resources/s`;

async function main() {
  let t0 = performance.now();
  const { policies } = require("../policy/policies") as typeof import("../policy/policies");
  const packLoad = performance.now() - t0;
  t0 = performance.now();
  const guard: Record<string, Record<string, unknown>> = {};
  for (const mod of new Set(COMMON.map((c) => c[1]))) guard[mod] = require(`@pulumi/awsguard/${mod}`);
  const guardLoad = performance.now() - t0;
  const { runPolicies } = require("../policy/lib/run") as typeof import("../policy/lib/run");
  const { syntheticStack } = require("./policy-synthetic") as typeof import("./policy-synthetic");

  const resources = syntheticStack(N);
  const types = new Set(resources.map((r) => r.type));
  console.log(
    `policy pack benchmark: ${resources.length.toLocaleString("en-US")} resources of ${types.size} types, best of ${ROUNDS} rounds`,
  );
  console.log(
    `  load: our pack ${ms(packLoad)} (${policies.length} policies, TypeScript via ts-node), awsguard modules ${ms(guardLoad)} (JS, loads @pulumi/aws v4)`,
  );

  const time = async (ps: Parameters<typeof runPolicies>[1]["policies"]) => {
    let best = Number.POSITIVE_INFINITY;
    let result: Awaited<ReturnType<typeof runPolicies>> | undefined;
    for (let r = 0; r < ROUNDS; r++) {
      const t = performance.now();
      result = await runPolicies(resources, { policies: ps, packLevel: "mandatory" });
      best = Math.min(best, performance.now() - t);
    }
    return { best, diagnostics: result!.diagnostics };
  };

  const full = await time(policies);
  const mandatory = full.diagnostics.filter((d) => d.level === "mandatory").length;
  console.log(
    `  whole pack (${policies.length} policies): ${ms(full.best)}, ${rate(resources.length, full.best)}, ${((full.best * 1000) / resources.length).toFixed(1)} µs/resource; ${mandatory} mandatory violations, ${full.diagnostics.length - mandatory} advisory notes`,
  );

  const ours = policies.filter((p) => COMMON.some((c) => c[0] === p.name));
  const theirs = COMMON.map(([, mod, name]) => guard[mod][name] as (typeof policies)[number]);
  const a = await time(ours);
  const b = await time(theirs);
  const count = (ds: typeof a.diagnostics) => ds.filter((d) => d.level === "mandatory").length;
  console.log(`  common rules (${COMMON.length}: ${COMMON.map((c) => c[0]).join(", ")})`);
  console.log(
    `    ours:     ${ms(a.best)}, ${rate(resources.length, a.best)}, ${count(a.diagnostics)} violations`,
  );
  console.log(
    `    awsguard: ${ms(b.best)}, ${rate(resources.length, b.best)}, ${count(b.diagnostics)} violations`,
  );
  console.log(
    `    ratio (awsguard time / our time): ${(b.best / a.best).toFixed(2)}x ${b.best >= a.best ? "(ours is faster per resource)" : "(awsguard is faster per resource)"}`,
  );
  // The same comparison without awsguard's one array-of-validations rule (elb-logging-enabled), which
  // the analyzer cannot skip by type: the single-function rules on equal footing.
  const single = COMMON.filter((c) => c[2] !== "elbAccessLoggingEnabled");
  const a2 = await time(policies.filter((p) => single.some((c) => c[0] === p.name)));
  const b2 = await time(single.map(([, mod, name]) => guard[mod][name] as (typeof policies)[number]));
  console.log(
    `  the ${single.length} single-function rules only: ours ${ms(a2.best)}, awsguard ${ms(b2.best)}, ratio ${(b2.best / a2.best).toFixed(2)}x`,
  );
  console.log(
    `  per resource: our whole pack (${policies.length} policies) ${((full.best * 1000) / resources.length).toFixed(1)} µs, awsguard's ${COMMON.length} overlapping rules ${((b.best * 1000) / resources.length).toFixed(1)} µs`,
  );
  console.log(
    `  awsguard checks ${COMMON.length} of these rules on @pulumi/aws v4 type tokens: it never sees v7's aws:lb/* and aws:elb/* resources, launch templates or spot requests.`,
  );
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
