/**
 * The game day end to end against moto, one scenario per test: GIVEN a freshly seeded account, WHEN the
 * incident is played through respond, investigate, analyze and recover, THEN every check (each read
 * from the emulated account) passes and the exit code is 0. Fast settings: no dwell, no latency.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { GAMEDAY_EXIT, type GamedayResult, runGameday } from "../../automation/gameday/run";
import { SCENARIOS, type ScenarioId } from "../../automation/gameday/scenarios";
import { motoServer } from "../helpers/moto";

const quiet = { out: () => undefined, err: () => undefined };

async function play(id: ScenarioId): Promise<{ result: GamedayResult; reportDir: string }> {
  const moto = await motoServer();
  const reportDir = mkdtempSync(join(tmpdir(), "gameday-report-"));
  const result = await runGameday(
    {
      scenarios: [SCENARIOS[id]],
      endpoint: moto.endpoint,
      latencyMs: 0,
      dwellMs: 0,
      keep: false,
      reportDir,
      json: true,
      healthTimeoutMs: 20_000,
    },
    quiet,
  );
  return { result, reportDir };
}

const failed = (r: GamedayResult) =>
  r.scenarios.flatMap((s) => s.checks.filter((c) => !c.ok).map((c) => `${c.id}: ${c.detail}`));

describe("gameday: each scenario runs green", function () {
  this.timeout(600_000);

  for (const id of ["ssh-backdoor", "crypto-mining"] as const) {
    it(`${id}: every check passes, exit 0, the timeline covers every phase`, async () => {
      const { result, reportDir } = await play(id);
      expect(failed(result), "failed checks").to.deep.equal([]);
      expect(result.exitCode).to.equal(GAMEDAY_EXIT.ok);
      const [s] = result.scenarios;
      const phases = new Set(s!.timeline.map((e) => e.phase));
      for (const p of ["attack", "respond", "investigate", "analyze", "recover", "terminate"])
        expect(phases.has(p as never), `phase ${p} in the timeline`).to.equal(true);
      // The finding IPs and the flow-log peers, found by analysis; the figures are measured.
      expect(s!.checks.find((c) => c.id === "analysis")!.detail).to.include(SCENARIOS[id].attackerIps[0]);
      expect(s!.figures.timeToContainMs).to.be.a("number");
      expect(s!.figures.timeToRecoverMs).to.be.greaterThan(s!.figures.timeToEvidenceMs!);
      expect(s!.figures.apiCalls).to.be.greaterThan(50);
      // Three report files and the game day's own summary.
      expect(Object.keys(s!.reports).sort()).to.deep.equal(["html", "json", "markdown"]);
      const summary = JSON.parse(readFileSync(join(reportDir, "gameday.json"), "utf8"));
      expect(summary.scenarios[0].caseId).to.equal(s!.caseId);
    });
  }

  it("credential-exfiltration: the stolen session predates the deny, everything else green", async () => {
    const { result } = await play("credential-exfiltration");
    const [s] = result.scenarios;
    const revoked = s!.checks.find((c) => c.id === "credentials-revoked")!;
    expect(revoked.ok, revoked.detail).to.equal(true);
    expect(revoked.detail).to.include("the stolen session included");
    // GuardDuty's IAM finding (resourceType AccessKey) names the instance: respond takes it as is, so
    // analysis sees the finding's addresses and every check is green.
    expect(
      s!.notes.some((n) => n.startsWith("ir respond refused")),
      s!.notes.join("\n"),
    ).to.equal(false);
    const bad = s!.checks.filter((c) => !c.ok).map((c) => c.id);
    expect(bad, failed(result).join("\n")).to.deep.equal([]);
    expect(result.exitCode).to.equal(GAMEDAY_EXIT.ok);
  });
});
