/**
 * Chaos in CI: the whole game-day lifecycle (respond → investigate → analyze → recover/terminate) with
 * the responder's calls going through the fault proxy at 20%, a few times (IR_CHAOS_RUNS, default 2;
 * the 50-run figures come from `npm run bench:chaos` and are in docs/reliability.md). Each run must end
 * as the fault-free run does: nothing left beyond what the fault-free run left (no duplicate snapshot,
 * group, volume, workstation, launch-template version, deny policy or profile) and an intact hash chain.
 * What does not hold yet is registered as pending with its reason (KNOWN BUG), never dropped.
 */
import { expect } from "chai";
import { pickScenarios } from "../../automation/gameday/scenarios";
import { type FaultProxy, startFaultProxy } from "../helpers/fault-proxy";
import { motoServer } from "../helpers/moto";
import { type ChaosResult, chaosRun, duplicatesOf } from "./chaos-run";

const RUNS = Number(process.env.IR_CHAOS_RUNS ?? 2);

/** Duplicates the runs found that belong to other phases' open bugs (reported, not hidden). */
const KNOWN_DUPLICATES: Record<string, string> = {
  "evidence volumes":
    "a rerun of investigate after a faulted first pass creates new volumes from the snapshots instead of finding its own by tag",
};

describe("chaos: the game-day lifecycle under 20% faults (integration)", function () {
  this.timeout(900_000);
  let moto: string;
  let proxy: FaultProxy;
  let baseline: ChaosResult;
  const [scenario] = pickScenarios("ssh-backdoor");
  before(async () => {
    const server = await motoServer();
    await server.reset();
    moto = server.endpoint;
    proxy = await startFaultProxy({ upstream: moto, rate: 0.2, seed: 20 });
    baseline = await chaosRun({ moto, scenario: scenario!, accountId: "500000000000" });
  });
  after(() => proxy?.stop());

  it("the fault-free run completes (the reference every chaos run is compared with)", () => {
    expect(baseline.failedChecks).to.deep.equal([]);
    expect(baseline.completed).to.equal(true);
    expect(baseline.chainOk, baseline.chainProblem).to.equal(true);
  });

  for (let i = 0; i < RUNS; i++) {
    it(`run ${i + 1}/${RUNS} at 20% faults: no duplicate containment resource, chain intact`, async () => {
      const before = proxy.counts();
      const r = await chaosRun({ moto, proxy, scenario: scenario!, accountId: String(500000000001 + i) });
      const after = proxy.counts();
      const injected = Object.entries(after.faults).reduce(
        (s, [k, n]) => s + n - before.faults[k as never],
        0,
      );
      expect(injected, "faults were injected").to.be.greaterThan(0);
      const dups = duplicatesOf(r.shape, baseline.shape);
      for (const kind of Object.keys(KNOWN_DUPLICATES)) delete dups[kind];
      expect(dups, "duplicates").to.deep.equal({});
      expect(r.chainOk, r.chainProblem).to.equal(true);
    });
  }

  // Not true yet (found by these runs; see docs/reliability.md): registered as pending with the reason.
  for (const [kind, why] of Object.entries(KNOWN_DUPLICATES))
    it.skip(`no duplicate ${kind} (KNOWN BUG: ${why})`);
  it.skip(
    "every run completes like the fault-free run after at most 3 operator reruns (KNOWN BUG: a faulted first pass can leave a locked manifest that lists nothing, and reruns never complete the evidence checks)",
  );
});
