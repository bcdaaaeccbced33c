/**
 * Chaos in CI: the whole game-day lifecycle (respond → investigate → analyze → recover/terminate) with
 * the responder's calls going through the fault proxy at 20%, a few times (IR_CHAOS_RUNS, default 2;
 * the 50-run figures come from `npm run bench:chaos` and are in docs/reliability.md). Each run must end
 * as the fault-free run does, on the first pass (every game-day check green, no operator rerun), with
 * nothing left beyond what the fault-free run left (no duplicate snapshot, group, volume, workstation,
 * launch-template version, deny policy or profile) and an intact hash chain.
 */
import { expect } from "chai";
import { pickScenarios } from "../../automation/gameday/scenarios";
import { type FaultProxy, startFaultProxy } from "../helpers/fault-proxy";
import { motoServer } from "../helpers/moto";
import { type ChaosResult, chaosRun, duplicatesOf } from "./chaos-run";

const RUNS = Number(process.env.IR_CHAOS_RUNS ?? 2);

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
    it(`run ${i + 1}/${RUNS} at 20% faults: completes on the first pass, no duplicates, chain intact`, async () => {
      const before = proxy.counts();
      const r = await chaosRun({
        moto,
        proxy,
        scenario: scenario!,
        accountId: String(500000000001 + i),
        maxReruns: 0,
      });
      const after = proxy.counts();
      const injected = Object.entries(after.faults).reduce(
        (s, [k, n]) => s + n - before.faults[k as never],
        0,
      );
      expect(injected, "faults were injected").to.be.greaterThan(0);
      expect(r.failedChecks, r.firstPassProblems.join("\n")).to.deep.equal([]);
      expect(r.completed).to.equal(true);
      expect(duplicatesOf(r.shape, baseline.shape), "duplicates").to.deep.equal({});
      expect(r.chainOk, r.chainProblem).to.equal(true);
    });
  }
});
