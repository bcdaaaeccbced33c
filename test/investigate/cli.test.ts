/**
 * `ir investigate` and the workstation lines of `ir status` through the CLI against moto: --json
 * documents, exit codes, confirmation, forensic settings from the environment, expiry reporting.
 */
import { CreateTagsCommand } from "@aws-sdk/client-ec2";
import { expect } from "chai";
import { TAG } from "../../facts/tags";
import { pointCliAt, runCli } from "../helpers/cli";
import { type Account, setupAccount } from "../helpers/responder";
import { containedCase, type ForensicWorld, seedForensic } from "./forensic-world";

const ir = (...args: string[]) => runCli(args);

describe("ir investigate and ir status through the CLI (integration)", function () {
  this.timeout(120_000);
  let a: Account;
  let f: ForensicWorld;
  let caseId: string;
  let restoreEnv = () => undefined as void;

  before(async () => {
    a = await setupAccount();
    f = await seedForensic(a.clients, a.world.imageId);
    caseId = await containedCase(a, a.world.solo);
    restoreEnv = pointCliAt(a, {
      IR_FORENSIC_SUBNETS: Object.values(f.subnets).join(","),
      IR_FORENSIC_SECURITY_GROUP: f.groupId,
      IR_FORENSIC_PROFILE: f.profile,
    });
  });
  after(() => {
    restoreEnv();
  });

  it("--help describes the command and its options", async () => {
    const r = await ir("investigate", "--help");
    expect(r.code).to.equal(0);
    expect(r.stdout).to.match(/^Usage: ir investigate \[options\] <case-id>/);
    for (const o of ["--stop", "--owner", "--ttl-hours", "--forensic-subnet", "--dry-run", "--yes", "--json"])
      expect(r.stdout).to.include(o);
  });

  it("bad input exits 2 with the error, in --json too", async () => {
    const bad = await ir("investigate", "c-1", "--yes", "--json");
    expect(bad.code).to.equal(2);
    expect(bad.json.error).to.match(/^case id "c-1" is not valid/);
    const ttl = await ir("investigate", caseId, "--ttl-hours", "soon", "--yes", "--json");
    expect(ttl.code).to.equal(2);
    expect(ttl.json.error).to.match(/^ttl "soon" is not valid/);
  });

  it("without a terminal and without --yes nothing is launched and it exits 6", async () => {
    const r = await ir("investigate", caseId);
    expect(r.code).to.equal(6);
    expect(r.stderr).to.match(/pass --yes/);
  });

  it("--dry-run prints the plan and exits 0", async () => {
    const r = await ir("investigate", caseId, "--dry-run");
    expect(r.code).to.equal(0);
    expect(r.stdout).to.match(/would ec2:RunInstances subnet-[0-9a-f]+: .* \[dry run: allowed\]/);
    expect(r.stdout).to.match(/would ec2:CreateVolume snap-/);
  });

  it("--yes --json launches the workstation and prints one document", async () => {
    const r = await ir("investigate", caseId, "--yes", "--json", "--owner", "carol@example.com");
    expect(r.code, r.stdout).to.equal(0);
    expect(r.json).to.deep.include({ command: "investigate", exitCode: 0, caseId, status: "ready" });
    expect(r.json.workstation).to.deep.include({ owner: "carol@example.com", mounted: true });
    expect(r.json.workstation.volumes[0].mountPoint).to.match(/^\/mnt\/evidence\/vol-/);
    expect(r.stderr).to.equal("");
  });

  it("ir status lists the workstation, and reports it once past its expiry", async () => {
    const fresh = await ir("status", caseId, "--json");
    // Every investigate step is journaled in the case.
    const journaled = fresh.json.steps.filter((s: { id: string }) => s.id.startsWith("investigate-"));
    expect(journaled.map((s: { id: string; event: string }) => `${s.id}:${s.event}`)).to.include.members([
      "investigate-launch:verified",
      "investigate-volumes:verified",
      "investigate-attach:verified",
      "investigate-mount:verified",
    ]);
    expect(fresh.json.workstations).to.have.length(1);
    const ws = fresh.json.workstations[0];
    expect(ws).to.deep.include({ state: "running", owner: "carol@example.com", expired: false });
    await a.clients.ec2.send(
      new CreateTagsCommand({
        Resources: [ws.instanceId],
        Tags: [{ Key: TAG.expiresAt, Value: "2020-01-01T00:00:00Z" }],
      }),
    );
    const late = await ir("status", caseId, "--json");
    expect(late.json.workstations[0]).to.deep.include({ expired: true, expiresAt: "2020-01-01T00:00:00Z" });
    const text = await ir("status", caseId);
    expect(text.stdout).to.include(
      `workstation ${ws.instanceId} (running), owner carol@example.com, EXPIRED since 2020-01-01T00:00:00Z: tear it down with \`ir investigate ${caseId} --stop\``,
    );
  });

  it("--stop --yes tears it down, keeps the snapshots, and status lists no workstation", async () => {
    const r = await ir("investigate", caseId, "--stop", "--yes", "--json");
    expect(r.code, r.stdout).to.equal(0);
    expect(r.json).to.deep.include({ command: "investigate", stop: true, status: "stopped" });
    expect(r.json.keptSnapshots.length).to.be.greaterThan(0);
    expect((await ir("status", caseId, "--json")).json.workstations).to.deep.equal([]);
    const again = await ir("investigate", caseId, "--stop", "--yes");
    expect(again.code).to.equal(0);
    expect(again.stdout).to.match(/nothing-to-stop/);
  });
});
