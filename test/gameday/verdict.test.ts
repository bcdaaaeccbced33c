/**
 * The game day's verdict and its command line: a check reads the account, so an account broken behind
 * the tool's back fails it and the exit code; a phase missing from the build fails loudly; `--keep`
 * leaves the emulator reachable; bad options and a missing moto are clear errors that start nothing.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ModifyNetworkInterfaceAttributeCommand } from "@aws-sdk/client-ec2";
import { expect } from "chai";
import { gameday } from "../../automation/gameday/main";
import { loadPhases } from "../../automation/gameday/phases";
import { GAMEDAY_EXIT, type GamedayResult, runGameday } from "../../automation/gameday/run";
import { SCENARIOS } from "../../automation/gameday/scenarios";

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (t: string) => out.push(t), err: (t: string) => err.push(t) }, out, err };
}

describe("gameday: a failing check fails the run; --keep", function () {
  this.timeout(600_000);
  let result: GamedayResult;
  let brokenGroup = "";

  before(async () => {
    const missing = { missing: "automation/recover/recover.ts is not available in this build" };
    result = await runGameday(
      {
        scenarios: [SCENARIOS["crypto-mining"]],
        latencyMs: 0,
        dwellMs: 0,
        keep: true,
        reportDir: mkdtempSync(join(tmpdir(), "gameday-report-")),
        json: true,
        // Only respond and the reports run: the later phases are absent from this "build".
        phases: { ...loadPhases(), investigate: missing, analyzeCase: missing, recover: missing },
        // Behind the tool's back, an attacker's accomplice (or a bug) puts the web group back on the ENI.
        beforeChecks: async (stage, run) => {
          if (stage !== "contained") return;
          brokenGroup = run.account.workload.webGroup;
          await run.account.world.ec2.send(
            new ModifyNetworkInterfaceAttributeCommand({
              NetworkInterfaceId: run.victim.eniId,
              Groups: [brokenGroup],
            }),
          );
        },
      },
      capture().io,
    );
  });

  after(async () => {
    await result?.stopEmulator?.();
  });

  it("fails the isolation check, naming the group found, and exits non-zero", () => {
    expect(result.exitCode).to.equal(GAMEDAY_EXIT.checkFailed);
    const checks = result.scenarios[0]!.checks;
    const isolated = checks.find((c) => c.id === "isolated")!;
    expect(isolated.ok).to.equal(false);
    expect(isolated.detail).to.include(brokenGroup);
    // The rest of containment still holds and says so.
    for (const id of ["credentials-revoked", "profile-swapped", "evidence"])
      expect(checks.find((c) => c.id === id)!.ok, id).to.equal(true);
  });

  it("reports a phase missing from the build as a failed check, never a pass", () => {
    const checks = result.scenarios[0]!.checks;
    const fleet = checks.find((c) => c.id === "fleet-healthy")!;
    expect(fleet.ok).to.equal(false);
    expect(fleet.detail).to.include("not available in this build");
    expect(checks.find((c) => c.id === "workstation")!.ok).to.equal(false);
  });

  it("--keep leaves the emulator reachable until it is stopped", async () => {
    expect(result.kept).to.equal(true);
    const res = await fetch(`${result.endpoint}/moto-api/`);
    expect(res.status).to.be.lessThan(500);
    await result.stopEmulator!();
    const after = await fetch(`${result.endpoint}/moto-api/`, { signal: AbortSignal.timeout(2000) }).then(
      () => "answered",
      () => "gone",
    );
    expect(after).to.equal("gone");
  });
});

describe("gameday: command line", () => {
  const cases: [string[], RegExp][] = [
    [
      ["--scenario", "ransomware"],
      /scenario "ransomware" is not known: expected one of ssh-backdoor, credential-exfiltration, crypto-mining or all/,
    ],
    [["--latency-ms", "-5"], /--latency-ms "-5" is not valid: expected a whole number/],
    [["--latency-ms", "fast"], /--latency-ms "fast" is not valid/],
    [["--endpoint", "https://ec2.us-east-1.amazonaws.com"], /is not a loopback emulator/],
    [["--endpoint", "not a url"], /endpoint "not a url" is not a URL/],
  ];
  for (const [argv, message] of cases) {
    it(`refuses ${argv.join(" ")} with exit 2 and starts nothing`, async () => {
      const c = capture();
      const { code } = await gameday(argv, c.io, {
        start: async () => {
          throw new Error("must not start an emulator");
        },
      });
      expect(code).to.equal(GAMEDAY_EXIT.usage);
      expect(c.err.join("\n")).to.match(message);
    });
  }

  it("--help lists the options", async () => {
    const c = capture();
    const { code } = await gameday(["--help"], c.io);
    expect(code).to.equal(0);
    for (const flag of ["--scenario", "--endpoint", "--latency-ms", "--keep", "--report-dir", "--json"])
      expect(c.out.join("\n")).to.include(flag);
  });

  it("without moto: a clear error with the install command, exit 3", async () => {
    const saved = process.env.MOTO_SERVER_BIN;
    process.env.MOTO_SERVER_BIN = "/nonexistent/moto_server";
    try {
      const c = capture();
      const { code } = await gameday(["--scenario", "crypto-mining"], c.io, {
        reportDir: mkdtempSync(join(tmpdir(), "gd-")),
      });
      expect(code).to.equal(GAMEDAY_EXIT.noEmulator);
      expect(c.err.join("\n")).to.include("bash scripts/install-moto.sh");
    } finally {
      if (saved === undefined) delete process.env.MOTO_SERVER_BIN;
      else process.env.MOTO_SERVER_BIN = saved;
    }
  });
});
