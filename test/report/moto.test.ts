/**
 * Reports of a real case against moto: `respond` contains an instance, later phases are appended to
 * the same DynamoDB journal under the case's lock, and `loadCaseReport` / `ir report` read it all back,
 * the manifest from the Object-Lock bucket included.
 */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { analyzeCase } from "../../automation/analyze/case";
import { openJournals } from "../../automation/journal/open";
import { loadCaseReport } from "../../automation/report/load";
import { respond } from "../../automation/respond/respond";
import { pointCliAt, runCli } from "../helpers/cli";
import { type Account, setupAccount } from "../helpers/responder";
import { containedCase, laterPhases } from "./fixture";

/** What `ir report --json` prints (or the error document of bad input). */
interface ReportJson {
  command?: string;
  exitCode: number;
  caseId?: string;
  files?: Record<string, string>;
  phases?: { phase: string; status: string }[];
  error?: string;
}

const ir = (...args: string[]) => runCli<ReportJson | undefined>(args);

describe("report: a real case against moto (integration)", function () {
  this.timeout(120_000);
  let a: Account;
  let caseId: string;
  let out: string;
  let restoreEnv = () => undefined as void;

  before(async () => {
    a = await setupAccount();
    const [result] = await respond({
      targets: [{ instanceId: a.world.solo, source: { kind: "argument" } }],
      settings: a.settings,
      clients: a.responder,
      options: { dwellMs: 50 },
    });
    expect(result?.status).to.equal("contained");
    caseId = result!.caseId!;
    out = mkdtempSync(join(tmpdir(), "ir-report-cli-"));
    restoreEnv = pointCliAt(a);
  });
  after(() => {
    restoreEnv();
    if (out) rmSync(out, { recursive: true, force: true });
  });

  it("a contained case: evidence from the manifest in the bucket, later phases not run", async () => {
    const r = await loadCaseReport({ caseId, settings: a.settings, clients: a.responder });
    expect(r.journal.chainOk).to.equal(true);
    expect(r.evidence.source).to.equal("manifest");
    expect(r.evidence.manifest?.verified).to.equal(true);
    expect(r.evidence.artefacts.length).to.be.greaterThan(0);
    expect(r.evidence.snapshots).to.have.length(1);
    expect(r.figures.timeToContain.ms).to.be.a("number");
    expect(r.figures.timeToEvidence.ms).to.be.at.least(r.figures.timeToContain.ms!);
    expect(r.phases.filter((p) => p.status === "not run").map((p) => p.phase)).to.deep.equal([
      "investigate",
      "analyze",
      "recover",
      "terminate",
    ]);
  });

  it("after the real `ir analyze`: the analyze phase, each source's status, the analysis artefact", async () => {
    const analysis = await analyzeCase({ caseId, settings: a.settings, clients: a.responder });
    const r = await loadCaseReport({ caseId, settings: a.settings, clients: a.responder });
    const phase = r.phases.find((p) => p.phase === "analyze")!;
    expect(phase.steps).to.deep.equal(analysis.steps.map((s) => s.id));
    expect(r.analysis.attackerIps?.sources.map((s) => s.source)).to.deep.equal([
      "cloudtrail",
      "finding",
      "flowLogs",
    ]);
    // moto has no CloudTrail LookupEvents: the report says so instead of showing an empty answer as complete.
    expect(r.analysis.attackerIps?.sources.find((s) => s.source === "cloudtrail")?.status).to.equal("failed");
    expect(r.analysis.changeHistory).to.have.property("gaps");
    expect(r.evidence.artefacts.map((x) => x.key)).to.include(`cases/${caseId}/analysis.json`);
    expect(r.journal.chainOk).to.equal(true);
  });

  it("later phases journaled under the case's lock show up, with time to recover", async () => {
    const journal = openJournals(a.clients, a.settings).dynamo;
    const lock = await journal.resume(a.world.solo, caseId, "report-test", 60_000);
    expect(lock.acquired).to.equal(true);
    for (const [stepId, event, , data] of laterPhases({ hostile: true }).filter(([id]) => id !== "terminate"))
      await journal.append(caseId, stepId, event, data);
    await journal.flush();
    await journal.releaseLease(a.world.solo, "report-test");
    const r = await loadCaseReport({ caseId, settings: a.settings, clients: a.responder });
    expect(r.journal.chainOk).to.equal(true);
    expect(r.phases.map((p) => p.status)).to.deep.equal([
      "complete",
      "complete",
      "complete",
      "complete",
      "complete",
      "not run",
    ]);
    expect(r.figures.timeToRecover.ms).to.be.a("number");
    expect(r.analysis.attackerIps?.addresses).to.have.length(2);
    expect(r.recovery?.ami?.imageId).to.equal("ami-0123456789abcdef0");
  });

  it("ir report writes the three files and prints one JSON document", async () => {
    const dir = join(out, "all");
    const res = await ir("report", caseId, "--out", dir, "--json");
    expect(res.code, res.stderr).to.equal(0);
    expect(res.json).to.deep.include({ command: "report", exitCode: 0, caseId });
    expect(res.json?.files).to.deep.equal({
      json: join(dir, "report.json"),
      md: join(dir, "report.md"),
      html: join(dir, "report.html"),
    });
    expect(res.json?.phases?.find((p) => p.phase === "recover")?.status).to.equal("complete");
    expect(readFileSync(join(dir, "report.html"), "utf8")).to.include('<svg class="timeline"');
    expect(JSON.parse(readFileSync(join(dir, "report.json"), "utf8")).case.caseId).to.equal(caseId);
  });

  it("ir report --format md writes only report.md; text mode lists it with the figures", async () => {
    const dir = join(out, "md");
    const res = await ir("report", caseId, "--out", dir, "--format", "md");
    expect(res.code, res.stderr).to.equal(0);
    expect(readdirSync(dir)).to.deep.equal(["report.md"]);
    expect(res.stdout).to.match(/reports written\n {2}.*report\.md\n {2}time to contain \d/);
  });

  it("a journal edited after the fact: the reports are still written, say where, and ir report exits 8", async () => {
    // The recorded real case, in a local fallback journal, with one entry's time changed.
    const state = join(out, "state");
    const fixture = containedCase();
    const id = fixture.meta.caseId;
    mkdirSync(join(state, "cases", id), { recursive: true });
    writeFileSync(join(state, "cases", id, "meta.json"), JSON.stringify(fixture.meta));
    const edited = fixture.entries.map((e) => (e.seq === 20 ? { ...e, at: "2026-11-28T00:00:00.000Z" } : e));
    writeFileSync(
      join(state, "cases", id, "journal.jsonl"),
      edited.map((e) => `${JSON.stringify(e)}\n`).join(""),
    );
    const dir = join(out, "broken");
    const res = await ir(
      "report",
      id,
      "--state-dir",
      state,
      "--journal-table",
      "ir-no-such-table",
      "--out",
      dir,
      "--json",
    );
    expect(res.code, res.stderr).to.equal(8);
    expect(res.json).to.deep.include({
      exitCode: 8,
      chain: { ok: false, problem: "entry 20 was modified after it was written" },
    });
    expect(readFileSync(join(dir, "report.md"), "utf8")).to.include(
      "hash chain BROKEN: entry 20 was modified after it was written",
    );
  });

  it("bad input exits 2 with the fix and writes nothing", async () => {
    const dir = join(out, "bad");
    let res = await ir("report", "c-12", "--out", dir, "--json");
    expect(res.code).to.equal(2);
    expect(res.json?.error).to.match(/^case id "c-12" is not valid/);
    res = await ir("report", caseId, "--out", dir, "--format", "pdf");
    expect(res.code).to.equal(2);
    expect(res.stderr).to.include('report format "pdf" is not valid: use json, md, html or all');
    res = await ir("report", "c-20200101t000000z-abcdef", "--out", dir);
    expect(res.code).to.equal(2);
    expect(res.stderr).to.match(/case "c-20200101t000000z-abcdef" was not found in journal table/);
    expect(existsSync(dir)).to.equal(false);
    expect((await ir("report", "--help")).stdout).to.match(/^Usage: ir report \[options\] <case-id>/);
  });
});
