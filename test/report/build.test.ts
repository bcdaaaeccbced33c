/** buildReport: the case report's model from a real contained case and synthetic later phases. */
import { expect } from "chai";
import { buildReport } from "../../automation/report/build";
import { humanDuration } from "../../automation/report/figures";
import { renderHtml } from "../../automation/report/render-html";
import { renderMarkdown } from "../../automation/report/render-markdown";
import { phaseOf } from "../../automation/report/steps";
import { containedCase, extend, laterPhases, reseal, step } from "./fixture";

describe("report: buildReport", () => {
  const base = containedCase();
  const opened = Date.parse(base.meta.createdAt);

  describe("GIVEN a case that was only contained", () => {
    const r = buildReport({ ...base, generatedAt: "2026-11-28T20:00:00.000Z" });

    it("THEN contain and preserve are complete and the later phases are 'not run'", () => {
      expect(r.phases.map((p) => [p.phase, p.status])).to.deep.equal([
        ["contain", "complete"],
        ["preserve", "complete"],
        ["investigate", "not run"],
        ["analyze", "not run"],
        ["recover", "not run"],
        ["terminate", "not run"],
      ]);
      expect(r.case.state).to.equal("open");
      expect(r.analysis).to.deep.equal({});
      expect(r).not.to.have.property("recovery");
    });

    it("THEN time to contain is when the last containment step took effect, time to evidence when the manifest verified", () => {
      const lastRan = base.entries
        .filter((e) => e.stepId === "isolate" && e.event === "ran")
        .map((e) => Date.parse(e.at))[0]!;
      const manifestVerified = Date.parse(
        base.entries.find((e) => e.stepId === "manifest" && e.event === "verified")!.at,
      );
      expect(r.figures.timeToContain.ms).to.equal(lastRan - opened);
      expect(r.figures.timeToEvidence.ms).to.equal(manifestVerified - opened);
      expect(r.figures.timeToContain.ms!).to.be.lessThan(r.figures.timeToEvidence.ms!);
      expect(r.figures.timeToRecover).to.deep.equal({
        ms: null,
        human: "not reached: the recover-health step has not run",
      });
    });

    it("THEN the evidence comes from the manifest, with every artefact's SHA-256", () => {
      expect(r.evidence.source).to.equal("manifest");
      expect(r.evidence.manifest?.verified).to.equal(true);
      expect(r.evidence.artefacts).to.have.length(base.manifest.artefacts.length).and.length.greaterThan(0);
      for (const a of r.evidence.artefacts) expect(a.sha256).to.match(/^[0-9a-f]{64}$/);
      expect(r.evidence.snapshots).to.deep.equal(base.manifest.snapshots);
      expect(r.figures.counts).to.include({ artefacts: base.manifest.artefacts.length, snapshots: 1 });
    });

    it("THEN skipped steps keep their reason and the counts add up to the steps", () => {
      const asg = r.steps.find((s) => s.id === "asg-out-of-service")!;
      expect(asg).to.include({
        status: "skipped",
        phase: "contain",
        detail: "the instance is in no Auto Scaling group",
      });
      const total = Object.values(r.figures.counts.steps).reduce((a, b) => a + b, 0);
      expect(total).to.equal(r.steps.length);
      expect(r.journal).to.include({ chainOk: true, entries: base.entries.length });
    });

    it("THEN the instance facts come from the discover record", () => {
      expect(r.case.instance?.instanceType).to.be.a("string");
      expect(r.case.instance?.vpcId).to.match(/^vpc-/);
      expect(r.case.source).to.deep.equal({ kind: "argument" });
    });
  });

  describe("GIVEN a step whose run failed twice with a transient AWS error before it worked", () => {
    const entries = extend(base, [
      ["recover-select-ami", "started", 60_000],
      ["recover-select-ami", "retrying", 60_100, { attempt: 1, error: "socket hang up" }],
      ["recover-select-ami", "retrying", 60_600, { attempt: 2, error: "We encountered an internal error" }],
      ["recover-select-ami", "ran", 61_000, { record: null, reason: null }],
      ["recover-select-ami", "verified", 61_200, { detail: null }],
    ]);
    const r = buildReport({ ...base, entries });

    it("THEN the step is verified, and the report says it was retried and how often", () => {
      const s = r.steps.find((x) => x.id === "recover-select-ami")!;
      expect(s).to.include({ status: "verified", retries: 2 });
      expect(r.steps.find((x) => x.id === "snapshot")).to.not.have.property("retries");
      expect(renderMarkdown(r)).to.match(/\| recover-select-ami \| recover \| verified \(retried 2x\) \|/);
      expect(renderHtml(r)).to.include("verified (retried 2x)");
    });
  });

  describe("GIVEN a step whose change something else undid, re-applied by the engine", () => {
    const entries = extend(base, [
      ["recover-select-ami", "started", 60_000],
      ["recover-select-ami", "retrying", 60_100, { attempt: 1, error: "socket hang up" }],
      ["recover-select-ami", "ran", 61_000, { record: null, reason: null }],
      ["recover-select-ami", "reapplied", 61_500, { detail: "still registered: i-1 in tg (healthy)" }],
      ["recover-select-ami", "verified", 62_000, { detail: "out of 1 target(s)" }],
    ]);
    const r = buildReport({ ...base, entries });

    it("THEN the report counts the re-application next to the retries, and keeps the final detail", () => {
      const s = r.steps.find((x) => x.id === "recover-select-ami")!;
      expect(s).to.include({ status: "verified", retries: 1, reapplied: 1, detail: "out of 1 target(s)" });
      expect(renderMarkdown(r)).to.match(/\| verified \(retried 1x, re-applied 1x\) \|/);
      expect(renderHtml(r)).to.include("verified (retried 1x, re-applied 1x)");
    });
  });

  describe("GIVEN every later phase ran", () => {
    const r = buildReport({ ...base, entries: extend(base, laterPhases()) });

    it("THEN every phase is complete, the case is terminated and time to recover is set", () => {
      expect(r.phases.every((p) => p.status === "complete")).to.equal(true);
      expect(r.case.state).to.equal("terminated");
      const hour = 3_600_000;
      expect(r.figures.timeToRecover.ms).to.equal(4 * hour + 12 * 60_000 + 200);
      expect(r.figures.timeToRecover.human).to.equal("4 h 12 min");
    });

    it("THEN the analysis and recovery records become sections", () => {
      expect(
        r.analysis.attackerIps?.addresses.map((a) => [a.address, a.scope, a.credentialEvents]),
      ).to.deep.equal([
        ["203.0.113.9", "internet", 42],
        ["52.95.110.1", "aws", undefined],
      ]);
      expect(r.analysis.attackerIps?.sources).to.deep.equal([
        { source: "cloudtrail", status: "done" },
        { source: "finding", status: "done" },
        { source: "flowLogs", status: "skipped", reason: "the VPC has no flow log to S3" },
      ]);
      expect(r.analysis.changeHistory?.entries[0]).to.include({
        resource: "AWS::EC2::SecurityGroup sg-0abc",
        sourceIp: "203.0.113.9",
      });
      expect(r.recovery?.ami).to.deep.equal({
        imageId: "ami-0123456789abcdef0",
        parameter: "/ir/known-good/web",
        version: 7,
        publishedAt: "2026-11-20T09:00:00.000Z",
      });
      expect(r.recovery?.health).to.deep.equal([
        {
          targetGroupArn: "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/abc",
          expected: 2,
          healthy: 2,
        },
      ]);
    });
  });

  describe("GIVEN a containment step failed", () => {
    // The real journal with isolate's run failing instead of verifying, re-sealed into a valid chain.
    const entries = reseal(
      base.entries
        .filter((e) => !(e.stepId === "isolate" && e.event === "verified"))
        .map((e) =>
          e.stepId === "isolate" && e.event === "ran"
            ? { ...e, event: "failed", data: { phase: "run", error: "InvalidGroup.NotFound" } }
            : e,
        ),
    );
    const r = buildReport({ meta: base.meta, entries, manifest: base.manifest });

    it("THEN time to contain is not reached and says which step, and contain is incomplete", () => {
      expect(r.figures.timeToContain).to.deep.equal({ ms: null, human: "not reached: isolate failed" });
      expect(r.phases[0]).to.include({ phase: "contain", status: "incomplete" });
      expect(r.steps.find((s) => s.id === "isolate")).to.include({
        status: "failed",
        detail: "InvalidGroup.NotFound",
      });
    });
  });

  describe("GIVEN a journal edited after it was written", () => {
    const entries = base.entries.map((e) => (e.seq === 10 ? { ...e, at: "2026-01-01T00:00:00.000Z" } : e));
    const r = buildReport({ meta: base.meta, entries, manifest: base.manifest });

    it("THEN the report says the chain is broken and where", () => {
      expect(r.journal.chainOk).to.equal(false);
      expect(buildReport({ meta: base.meta, entries: reseal(entries) }).journal.chainOk).to.equal(true);
      expect(r.journal.problem).to.equal("entry 10 was modified after it was written");
    });
  });

  describe("GIVEN no manifest (not read, or not trusted)", () => {
    const r = buildReport({
      meta: base.meta,
      entries: base.entries,
      manifestNote: "the manifest could not be read",
    });

    it("THEN the evidence is listed from the journal's records, with the loader's note", () => {
      expect(r.evidence.source).to.equal("journal");
      expect(r.evidence.note).to.equal("the manifest could not be read");
      expect(r.evidence.artefacts.map((a) => a.key)).to.deep.equal(base.manifest.artefacts.map((a) => a.key));
      expect(r.evidence.snapshots).to.deep.equal(base.manifest.snapshots);
    });
  });

  describe("GIVEN a step re-run after a crash (started twice, verified once)", () => {
    const entries = extend(base, [
      ["recover-select-ami", "started", 1000],
      ["recover-select-ami", "started", 5000],
      ...step("recover-select-ami", 5000, { imageId: "ami-1" }).slice(1),
    ]);
    const r = buildReport({ meta: base.meta, entries });

    it("THEN the step is verified and its time spans both runs", () => {
      expect(r.steps.find((s) => s.id === "recover-select-ami")).to.include({
        status: "verified",
        durationMs: 5200,
      });
      expect(r.phases.find((p) => p.phase === "recover")?.status).to.equal("complete");
    });
  });

  it("summarises a finding source: identity, times, title and description, not the whole finding", () => {
    const source = {
      kind: "guardduty",
      file: "finding.json",
      findingId: "f-1",
      type: "UnauthorizedAccess:EC2/SSHBruteForce",
      severity: 8,
      firstSeen: "2026-11-28T10:00:00.000Z",
      lastSeen: "2026-11-28T11:00:00.000Z",
      finding: {
        id: "f-1",
        title: "SSH brute force",
        description: "203.0.113.9 tried",
        service: { count: 9 },
      },
    };
    const r = buildReport({ meta: { ...base.meta, source }, entries: base.entries });
    expect(r.case.source).to.deep.equal({
      kind: "guardduty",
      file: "finding.json",
      findingId: "f-1",
      type: "UnauthorizedAccess:EC2/SSHBruteForce",
      severity: 8,
      firstSeen: "2026-11-28T10:00:00.000Z",
      lastSeen: "2026-11-28T11:00:00.000Z",
      title: "SSH brute force",
      description: "203.0.113.9 tried",
    });
  });

  it("classifies step ids by the contract", () => {
    expect(
      [
        "isolate",
        "snapshot",
        "collect-logs",
        "investigate-mount",
        "analyze-x",
        "recover-health",
        "terminate",
        "restore-groups",
      ].map(phaseOf),
    ).to.deep.equal([
      "contain",
      "preserve",
      "preserve",
      "investigate",
      "analyze",
      "recover",
      "terminate",
      "release",
    ]);
  });

  it("writes durations for people", () => {
    expect([450, 1234, 45_000, 192_000, 3_900_000, 183_600_000].map(humanDuration)).to.deep.equal([
      "450 ms",
      "1.2 s",
      "45 s",
      "3 min 12 s",
      "1 h 5 min",
      "2 d 3 h",
    ]);
  });
});
