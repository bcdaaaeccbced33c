/** The `ir` command line against moto: --json documents, exit codes, confirmation, bad input. */
import { expect } from "chai";
import { pointCliAt, runCli } from "../helpers/cli";
import { TEST_REGION } from "../helpers/moto";
import { type Account, setupAccount } from "../helpers/responder";

const ir = (...args: string[]) => runCli(args);

describe("ir CLI against moto (integration)", function () {
  this.timeout(120_000);
  let a: Account;
  let restoreEnv = () => undefined as void;
  before(async () => {
    a = await setupAccount();
    restoreEnv = pointCliAt(a);
  });
  after(() => {
    restoreEnv();
  });

  it("--help works on every command", async () => {
    for (const cmd of ["respond", "plan", "status", "release", "bootstrap"]) {
      const r = await ir(cmd, "--help");
      expect(r.code, cmd).to.equal(0);
      expect(r.stdout, cmd).to.match(/^Usage: ir /);
    }
  });

  it("a malformed id exits 2 with the error, in --json too", async () => {
    const r = await ir("respond", "i-12", "--yes", "--json");
    expect(r.code).to.equal(2);
    expect(r.json).to.deep.equal({
      exitCode: 2,
      error: 'instance id "i-12" is not valid: expected i- followed by 8 or 17 hex digits',
    });
  });

  it("respond without a terminal and without --yes changes nothing and exits 6", async () => {
    const r = await ir("respond", a.world.solo);
    expect(r.code).to.equal(6);
    expect(r.stderr).to.match(/pass --yes/);
  });

  it("--whole-role states the outage it causes before asking, and asks (no terminal: exits 6, nothing changed)", async () => {
    const r = await ir("respond", a.world.asgInstances[0]!, "--whole-role");
    expect(r.code).to.equal(6);
    // The ASG's other members hold the same instance profile: they are named as the cost.
    expect(r.stderr).to.match(
      /--whole-role denies every session of the role issued before now: \d+ other instance\(s\) with instance profile/,
    );
    for (const sibling of a.world.asgInstances.slice(1)) expect(r.stderr).to.include(sibling);
    const plan = await ir("plan", a.world.asgInstances[0]!, "--whole-role");
    expect(plan.code).to.equal(0);
    expect(plan.stderr).to.match(/lose AWS access/);
  });

  it("plan prints the changes and exits 0", async () => {
    const r = await ir("plan", a.world.solo);
    expect(r.code).to.equal(0);
    expect(r.stdout).to.match(/would ec2:ModifyNetworkInterfaceAttribute eni-/);
    expect(r.stdout).to.match(/would ec2:CreateSnapshots vol-.*\[dry run: allowed\]/);
  });

  let caseId: string;
  it("respond --yes --json prints one document with the case, target and every step; exits 0", async () => {
    const r = await ir("respond", a.world.solo, "--yes", "--json", "--dwell-seconds", "0");
    expect(r.code, r.stdout).to.equal(0);
    const c = r.json.cases[0];
    caseId = c.caseId;
    expect(c.target).to.deep.equal({ instanceId: a.world.solo, region: TEST_REGION });
    expect(c.status).to.equal("contained");
    expect(c.steps.length).to.be.greaterThan(15);
    for (const s of c.steps) expect(s).to.include.keys("id", "status", "startedAt", "endedAt");
    expect(r.stderr).to.equal("");
  });

  it("status by instance id and by case id; exits 0 with an intact chain", async () => {
    const byInstance = await ir("status", a.world.solo, "--json");
    expect(byInstance.code).to.equal(0);
    expect(byInstance.json.caseId).to.equal(caseId);
    expect(byInstance.json.chain.ok).to.equal(true);
    const text = await ir("status", caseId);
    expect(text.stdout).to.match(/chain intact/);
  });

  it("release --yes restores and exits 0; a second release is refused with 2", async () => {
    const r = await ir("release", caseId, "--yes", "--json");
    expect(r.code, r.stdout).to.equal(0);
    expect(r.json.status).to.equal("released");
    const again = await ir("release", caseId, "--yes");
    expect(again.code).to.equal(2);
    expect(again.stderr).to.match(/was already released/);
  });

  it("status of an unknown case exits 2 naming it", async () => {
    const r = await ir("status", "c-20990101t000000z-abcdef");
    expect(r.code).to.equal(2);
    expect(r.stderr).to.match(/case "c-20990101t000000z-abcdef" was not found/);
  });
});
