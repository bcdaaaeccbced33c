/**
 * Time to containment: from the start of `respond` to every instance out of service, isolated and its
 * credentials revoked. For each instance count it prints the wall time (median of the runs), the ratio
 * to one instance, the calls made until containment and per second, the sequential round trips on the
 * critical path (the longest chain of calls each starting after the previous one ended), and for one
 * instance the same containment calls made one after another by a plain script (the ratio engine vs
 * sequential).
 *
 * Transports: `fake` (default) is the latency model of bench/fake-aws.ts: a fixed round trip per call,
 * the client's sockets per endpoint and AWS's per-API token buckets, answered in-process. `moto` runs the
 * same against moto with the latency added by the client factory: moto's own service time (see
 * bench/moto-service-time.ts) dominates there from ~10 instances on, so use it for correctness only.
 *
 *   npm run bench:containment -- [--transport fake|moto] [--latency-ms 50] [--dwell-ms 0]
 *                                [--counts 1,10,50,100] [--runs 3] [--no-rate-limits]
 */
import { cpus, loadavg } from "node:os";
import type { RecordedCall, MemoryRecorder as Recorder } from "../automation/aws/clients";
import { MemoryRecorder } from "../automation/aws/clients";
import { startMoto } from "../automation/emulator/moto";
import { CONTAINMENT_STEPS } from "../automation/playbooks/contain";
import { respond } from "../automation/respond/respond";
import type { Scenario } from "./scenario";
import { fakeScenario } from "./scenario-fake";
import { motoScenario } from "./scenario-moto";
import { containSequentially } from "./sequential";

const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : dflt;
};
const TRANSPORT = arg("transport", "fake");
const LATENCY = Number(arg("latency-ms", "50"));
const DWELL = Number(arg("dwell-ms", "0"));
const COUNTS = arg("counts", "1,10,50,100").split(",").map(Number);
const RUNS = Number(arg("runs", "3"));
const RATE_LIMITS = !process.argv.includes("--no-rate-limits");
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

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
  wall: number;
  calls: number;
  depth: number;
  /** CPU time of this process during the response (user + system), ms. */
  cpu: number;
  transport: string;
  /** Instances not contained, with the first one's reason ("" when all were). */
  failed: string;
}

async function measure(scenario: Scenario): Promise<Measured> {
  const recorder: Recorder = new MemoryRecorder();
  const clients = scenario.clients(recorder);
  const t0 = Date.now();
  const cpu0 = process.cpuUsage();
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
  const wall = Date.now() - t0;
  const cpuUsed = process.cpuUsage(cpu0);
  clients.destroy();
  // An instance left uncontained is a result too (e.g. API rate limits outlasting the retry policy).
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
  const calls = recorder.calls.filter((c) => c.startedAt <= t0 + ttc).length;
  return {
    ttc,
    wall,
    calls,
    depth: sequentialDepth(recorder.calls, t0 + ttc),
    cpu: Math.round((cpuUsed.user + cpuUsed.system) / 1000),
    transport: scenario.describe(),
    failed,
  };
}

async function main() {
  // Keeps the loop alive while calls are pending (see automation/cli/main.ts).
  const heartbeat = setInterval(() => undefined, 1000);
  const moto = TRANSPORT === "moto" ? await startMoto() : undefined;
  const scenario = (count: number) =>
    moto
      ? motoScenario(moto, count, LATENCY)
      : Promise.resolve(fakeScenario(count, { latencyMs: LATENCY, rateLimits: RATE_LIMITS }));
  process.stdout.write(
    `machine: ${cpus().length} cores, load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(" ")}\n`,
  );
  process.stdout.write(
    `transport ${TRANSPORT}${moto ? ` (${moto.endpoint})` : ""}, ${LATENCY} ms per call, untrack dwell ${DWELL} ms, ` +
      `rate limits ${TRANSPORT === "fake" ? (RATE_LIMITS ? "on" : "off") : "moto's"}, ${RUNS} run(s) each\n`,
  );
  const rows: { count: number; m: Measured }[] = [];
  try {
    // Warm-up, not counted: the first response loads and compiles the SDK's and the engine's modules.
    await measure(await scenario(1));
    for (const count of COUNTS) {
      const runs: Measured[] = [];
      for (let run = 0; run < RUNS; run++) runs.push(await measure(await scenario(count)));
      const m = [...runs].sort((a, b) => a.ttc - b.ttc)[Math.floor(runs.length / 2)]!;
      rows.push({ count, m });
      const one = rows[0]!.m.ttc;
      process.stdout.write(
        `${String(count).padStart(4)} instance(s): time to containment ${m.ttc} ms (runs: ${runs.map((r) => r.ttc).join(", ")}), ` +
          `${(m.ttc / one).toFixed(1)}x ${rows[0]!.count}, ${m.calls} calls until contained (${Math.round((m.calls / m.ttc) * 1000)}/s), ` +
          `critical path ${m.depth} round trips; whole response ${m.wall} ms, cpu ${m.cpu} ms [${m.transport}]${m.failed ? `; ${m.failed}` : ""}\n`,
      );
    }
    const seq: number[] = [];
    const par: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      const s = await scenario(1);
      const c = s.clients();
      seq.push(await containSequentially(c, s.sequential, DWELL));
      c.destroy();
      par.push((await measure(await scenario(1))).ttc);
    }
    process.stdout.write(
      `one instance: engine ${median(par)} ms (runs: ${par.join(", ")}), plain sequential ${median(seq)} ms ` +
        `(runs: ${seq.join(", ")}): ratio ${(median(seq) / median(par)).toFixed(1)}x\n`,
    );
  } finally {
    clearInterval(heartbeat);
    await moto?.stop();
  }
}

main().catch((err) => {
  process.stderr.write(`bench failed: ${(err as Error).stack}\n`);
  process.exitCode = 1;
});
