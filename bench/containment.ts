/**
 * Time to containment: from the start of `respond` to every instance out of service, isolated and its
 * credentials revoked. For each instance count it prints the time (median of the runs), the ratio to
 * the first count, the calls made until containment and per second, the sequential round trips on the
 * critical path (the longest chain of calls each starting after the previous one ended), and the lower
 * bound AWS's buckets put on it: the calls containment makes per instance per API (counted on one
 * instance), times N, against each API's bucket, e.g. N instances x 3 ModifyNetworkInterfaceAttribute
 * against EC2's 100-burst, 5/s bucket need (3N - 100) / 5 s when 3N > 100; the bound is the largest
 * over the APIs, and time / bound is the figure. For one instance it also times the same containment
 * calls made one after another by a plain script (the ratio engine vs sequential).
 *
 * Transports: `fake` (default) is the latency model of bench/fake-aws.ts: a fixed round trip per call,
 * the client's sockets per endpoint and AWS's per-API token buckets (EC2's documented ones), answered
 * in-process. `moto` runs the same against moto with the latency added by the client factory: moto's
 * own service time (see bench/moto-service-time.ts) dominates there from ~10 instances on, so use it for
 * correctness only.
 *
 * Clocks: `model` (default on the fake transport) runs each response on simulated time
 * (bench/virtual-time.ts): time moves only while every call waits (a round trip, a token, a backoff),
 * so 500 instances that wait ~5 minutes for EC2's buckets run in the seconds of CPU they need, and the
 * times are the model's, CPU excluded (printed beside as cpu). `wall` runs on the real clock: the times
 * include the CPU spent signing and parsing on this machine (the figures before the limiter were taken
 * so).
 *
 *   npm run bench:containment -- [--transport fake|moto] [--clock model|wall] [--latency-ms 50]
 *                                [--dwell-ms 0] [--counts 1,10,50,100,500] [--runs 1]
 *                                [--no-rate-limits] [--no-limiter] [--max-wait-ms 60000]
 */
import { cpus, loadavg } from "node:os";
import type { RecordedCall, MemoryRecorder as Recorder } from "../automation/aws/clients";
import { MemoryRecorder } from "../automation/aws/clients";
import { DEFAULT_MAX_WAIT_MS } from "../automation/aws/rate-limit-middleware";
import type { BucketSize } from "../automation/aws/token-bucket";
import { startMoto } from "../automation/emulator/moto";
import { CONTAINMENT_STEPS } from "../automation/playbooks/contain";
import { respond } from "../automation/respond/respond";
import type { Scenario, TokensTaken } from "./scenario";
import { fakeScenario } from "./scenario-fake";
import { motoScenario } from "./scenario-moto";
import { containSequentially } from "./sequential";
import { VirtualTime } from "./virtual-time";

const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : dflt;
};
const TRANSPORT = arg("transport", "fake");
const CLOCK = arg("clock", TRANSPORT === "fake" ? "model" : "wall");
const LATENCY = Number(arg("latency-ms", "50"));
const DWELL = Number(arg("dwell-ms", "0"));
const COUNTS = arg("counts", "1,10,50,100,500").split(",").map(Number);
// The model clock repeats itself (the same calls wait for the same tokens): one run is the figure.
const RUNS = Number(arg("runs", CLOCK === "model" ? "1" : "3"));
const RATE_LIMITS = !process.argv.includes("--no-rate-limits");
const LIMITER = !process.argv.includes("--no-limiter");
/** The limiter's longest wait for a token (AwsClients' ec2RateLimit.maxWaitMs); its default when unset. */
const MAX_WAIT = process.argv.includes("--max-wait-ms") ? Number(arg("max-wait-ms", "0")) : undefined;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/**
 * The buckets of the APIs the containment steps call (CONTAINMENT_STEPS: asg-out-of-service,
 * elb-deregister, untrack, isolate, revoke-credentials, swap-profile, disassociate-eips), one or more
 * calls per instance each. No other step calls them before containment ends, so every token they took
 * by then was containment's. The shared reads containment waits for (one batched DescribeInstances for
 * all instances, one group check per VPC...) are one call whatever N: no bucket binds them.
 */
const CONTAINMENT_BUCKETS = new Set([
  "ec2:ModifyNetworkInterfaceAttribute", // untrack (groups, then connection tracking), isolate
  "ec2:ReplaceIamInstanceProfileAssociation", // swap-profile
  "ec2:AssociateIamInstanceProfile",
  "ec2:DisassociateAddress", // disassociate-eips
  "autoscaling:SetInstanceProtection", // asg-out-of-service
  "autoscaling:EnterStandby",
  "autoscaling:DetachInstances",
  "elbv2:DeregisterTargets", // elb-deregister
  "elb:DeregisterInstancesFromLoadBalancer",
  "iam:PutRolePolicy", // revoke-credentials
]);

/** Containment's calls per instance for one bucket (counted on a one-instance response). */
interface PerInstance {
  bucket: string;
  size: BucketSize;
  perInstance: number;
}

/** Tokens containment took per bucket before `until`. */
function containmentTokens(tokens: TokensTaken, until: number): Map<string, { size: BucketSize; n: number }> {
  const out = new Map<string, { size: BucketSize; n: number }>();
  for (const [bucket, t] of tokens)
    if (CONTAINMENT_BUCKETS.has(bucket))
      out.set(bucket, { size: t.size, n: t.at.filter((at) => at <= until).length });
  return out;
}

/**
 * The least time N instances' containment can take under the buckets: for each API, N x k calls against
 * a bucket of C tokens refilled at r per second need (N k - C) / r seconds (0 when N k <= C); the
 * largest over the APIs. Round trips and CPU come on top: this is the buckets' share alone.
 */
export function bucketLowerBound(per: PerInstance[], n: number): { ms: number; by?: PerInstance } {
  let best: { ms: number; by?: PerInstance } = { ms: 0 };
  for (const p of per) {
    const ms = (Math.max(0, n * p.perInstance - p.size.capacity) / p.size.refillPerSecond) * 1000;
    if (ms > best.ms) best = { ms, by: p };
  }
  return best;
}

/** The longest chain of calls, each starting after the previous ended, among calls started before `until`. */
export function sequentialDepth(calls: RecordedCall[], until: number, slackMs = 2): number {
  const cs = calls.filter((c) => c.startedAt <= until).sort((a, b) => a.startedAt - b.startedAt);
  const depth: number[] = [];
  let best = 0;
  for (let i = 0; i < cs.length; i++) {
    let d = 1;
    for (let j = 0; j < i; j++)
      if (cs[j]!.endedAt <= cs[i]!.startedAt + slackMs) d = Math.max(d, depth[j]! + 1);
    depth[i] = d;
    if (cs[i]!.endedAt <= until + slackMs) best = Math.max(best, d);
  }
  return best;
}

interface Measured {
  ttc: number;
  /** The whole response, on the bench's clock. */
  wall: number;
  /** Real time the run took (with the model clock: the CPU-bound seconds it ran in). */
  real: number;
  calls: number;
  depth: number;
  /** CPU time of this process during the response (user + system), ms. */
  cpu: number;
  transport: string;
  contained: number;
  /** Instances not contained, with the first one's reason ("" when all were). */
  failed: string;
  /** Tokens containment took per bucket until contained (fake transport). */
  tokens?: Map<string, { size: BucketSize; n: number }>;
  /** ENIs left in the all-open untrack group when the response ended (fake transport): must be 0. */
  openEnis?: number;
}

/** Runs `work` on the bench's clock: simulated (model) or real (wall). */
async function onClock<T>(work: () => Promise<T>): Promise<T> {
  if (CLOCK !== "model") return work();
  const vt = new VirtualTime();
  vt.install();
  try {
    return await vt.run(work);
  } finally {
    vt.uninstall();
  }
}

async function measure(scenario: Scenario): Promise<Measured> {
  const recorder: Recorder = new MemoryRecorder();
  const clients = scenario.clients(recorder);
  const real0 = performance.now();
  const cpu0 = process.cpuUsage();
  const { res, t0, wall } = await onClock(async () => {
    const t0 = Date.now();
    const res = await respond({
      targets: scenario.ids.map((instanceId) => ({ instanceId, source: { kind: "argument" } })),
      settings: scenario.settings,
      clients,
      options: { dwellMs: DWELL },
      ...(process.env.BENCH_TRACE
        ? {
            observe: (e: { type: string; stepId: string; caseId: string }) =>
              e.type === "step-ran" && process.stderr.write(`${Date.now() - t0} ${e.caseId} ${e.stepId}\n`),
          }
        : {}),
    });
    return { res, t0, wall: Date.now() - t0 };
  });
  const real = Math.round(performance.now() - real0);
  const cpuUsed = process.cpuUsage(cpu0);
  clients.destroy();
  // An instance left uncontained is a result too (e.g. API rate limits outlasting the step timeout).
  const bad = res.filter((r) => r.timeToContainmentMs === undefined);
  const why = (b: (typeof res)[number]) =>
    b.error ??
    b.steps
      .filter((s) => CONTAINMENT_STEPS.includes(s.id) && s.status !== "verified" && s.status !== "skipped")
      .map((s) => `${s.id} ${s.status}: ${s.detail}`)
      .join(", ");
  const failed =
    bad.length > 0 ? `${bad.length} NOT contained (first: ${bad[0]!.instanceId} ${why(bad[0]!)})` : "";
  const done = res.filter((r) => r.timeToContainmentMs !== undefined);
  const ttc = done.length > 0 ? Math.max(...done.map((r) => r.timeToContainmentMs!)) : wall;
  // When the last instance was contained (each case counts from its own start, a little after t0).
  const containedAt =
    done.length > 0
      ? Math.max(...done.map((r) => Date.parse(r.startedAt) + r.timeToContainmentMs!))
      : t0 + wall;
  const calls = recorder.calls.filter((c) => c.startedAt <= containedAt).length;
  const tokens = scenario.tokens?.();
  const openEnis = scenario.openEnis?.();
  return {
    ttc,
    wall,
    real,
    calls,
    depth: sequentialDepth(recorder.calls, containedAt),
    cpu: Math.round((cpuUsed.user + cpuUsed.system) / 1000),
    transport: scenario.describe(),
    contained: done.length,
    failed,
    ...(tokens ? { tokens: containmentTokens(tokens, containedAt) } : {}),
    ...(openEnis !== undefined ? { openEnis } : {}),
  };
}

/** Time over bound; only when every instance was contained (the bound is for all of them). */
const ratio = (m: Measured, count: number, boundMs: number) =>
  m.contained === count ? `${(m.ttc / boundMs).toFixed(2)}x` : `n/a (${count - m.contained} not contained)`;
const secs = (ms: number) => (ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`);
const short = (bucket: string) => bucket.replace(/^ec2:/, "");

async function main() {
  // Keeps the loop alive while calls are pending (see automation/cli/main.ts).
  const heartbeat = setInterval(() => undefined, 1000);
  const moto = TRANSPORT === "moto" ? await startMoto() : undefined;
  const scenario = (count: number) =>
    moto
      ? motoScenario(moto, count, LATENCY)
      : Promise.resolve(
          fakeScenario(
            count,
            { latencyMs: LATENCY, rateLimits: RATE_LIMITS },
            LIMITER ? (MAX_WAIT !== undefined ? { maxWaitMs: MAX_WAIT } : {}) : false,
          ),
        );
  process.stdout.write(
    `machine: ${cpus().length} cores, load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(" ")}\n`,
  );
  process.stdout.write(
    `transport ${TRANSPORT}${moto ? ` (${moto.endpoint})` : ""}, ${LATENCY} ms per call, untrack dwell ${DWELL} ms, ` +
      `rate limits ${TRANSPORT === "fake" ? (RATE_LIMITS ? "on (EC2's documented buckets)" : "off") : "moto's"}, ` +
      `client-side limiter ${LIMITER ? `on (longest wait ${MAX_WAIT ?? DEFAULT_MAX_WAIT_MS} ms)` : "off"}, ${CLOCK === "model" ? "simulated clock (CPU not counted)" : "wall clock"}, ` +
      `${RUNS} run(s) each\n`,
  );
  const rows: { count: number; m: Measured; bound: ReturnType<typeof bucketLowerBound> }[] = [];
  try {
    // Warm-up, not counted: the first response loads and compiles the SDK's and the engine's modules.
    // On one instance it also counts containment's calls per instance per API (for the bound).
    const warm = await measure(await scenario(1));
    const per: PerInstance[] = [...(warm.tokens ?? new Map())].map(([bucket, t]) => ({
      bucket,
      size: t.size,
      perInstance: t.n,
    }));
    if (per.length > 0)
      process.stdout.write(
        `containment's calls per instance: ${per
          .map(
            (p) =>
              `${short(p.bucket)} ${p.perInstance} (bucket ${p.size.capacity}, ${p.size.refillPerSecond}/s)`,
          )
          .join(", ")}\n`,
      );
    for (const count of COUNTS) {
      const runs: Measured[] = [];
      for (let run = 0; run < RUNS; run++) runs.push(await measure(await scenario(count)));
      const m = [...runs].sort((a, b) => a.ttc - b.ttc)[Math.floor(runs.length / 2)]!;
      const bound = bucketLowerBound(per, count);
      rows.push({ count, m, bound });
      const one = rows[0]!.m.ttc;
      const binding = bound.by
        ? `; bucket bound ${secs(bound.ms)} (${short(bound.by.bucket)}: ${count} x ${bound.by.perInstance} calls, ` +
          `${bound.by.size.capacity} burst, ${bound.by.size.refillPerSecond}/s), time / bound ${ratio(m, count, bound.ms)}`
        : "; no bucket binds";
      process.stdout.write(
        `${String(count).padStart(4)} instance(s): time to containment ${m.ttc} ms (runs: ${runs.map((r) => r.ttc).join(", ")}), ` +
          `${(m.ttc / one).toFixed(1)}x ${rows[0]!.count}, ${m.calls} calls until contained (${Math.round((m.calls / Math.max(1, m.ttc)) * 1000)}/s), ` +
          `critical path ${m.depth} round trips${binding}; whole response ${m.wall} ms, ` +
          `ran in ${m.real} ms real, cpu ${m.cpu} ms [${m.transport}]${m.failed ? `; ${m.failed}` : ""}` +
          `${m.openEnis !== undefined ? `; ENIs left in the untrack group: ${m.openEnis}` : ""}\n`,
      );
    }
    const seq: number[] = [];
    const par: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      const s = await scenario(1);
      const c = s.clients();
      seq.push(await onClock(() => containSequentially(c, s.sequential, DWELL)));
      c.destroy();
      par.push((await measure(await scenario(1))).ttc);
    }
    process.stdout.write(
      `one instance: engine ${median(par)} ms (runs: ${par.join(", ")}), plain sequential ${median(seq)} ms ` +
        `(runs: ${seq.join(", ")}): ratio ${(median(seq) / median(par)).toFixed(1)}x\n`,
    );
    if (per.length > 0) {
      // The table docs/performance.md shows.
      process.stdout.write(
        "\n| instances | time to contain | bucket lower bound | ratio | binding API (calls until contained) | contained | ENIs left in untrack |\n" +
          "|---:|---:|---:|---:|---|---:|---:|\n",
      );
      for (const { count, m, bound } of rows) {
        const made = bound.by ? m.tokens?.get(bound.by.bucket)?.n : undefined;
        process.stdout.write(
          `| ${count} | ${secs(m.ttc)} | ${bound.ms > 0 ? secs(bound.ms) : "0 (under every burst)"} | ` +
            `${bound.ms > 0 ? ratio(m, count, bound.ms) : "n/a"} | ` +
            `${bound.by ? `${short(bound.by.bucket)} ${count} x ${bound.by.perInstance} vs ${bound.by.size.capacity}/${bound.by.size.refillPerSecond} per s (${made ?? "?"})` : "none"} | ` +
            `${m.contained}/${count} | ${m.openEnis ?? "n/a"} |\n`,
        );
      }
    }
  } finally {
    clearInterval(heartbeat);
    await moto?.stop();
  }
}

main().catch((err) => {
  process.stderr.write(`bench failed: ${(err as Error).stack}\n`);
  process.exitCode = 1;
});
