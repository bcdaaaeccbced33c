/**
 * Containment first across the cases of one response: verifications and preservation steps of any case
 * wait until every case's containment steps have run (so the first cases contained do not slow the
 * containment of the last), and a case whose containment fails does not hold the others up.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { ContainmentGate } from "../../automation/engine/gate";
import { type EngineContext, runPlaybook } from "../../automation/engine/runner";
import type { Step } from "../../automation/engine/types";
import { LocalJournal } from "../../automation/journal/local";

type Ctx = EngineContext;

async function openCase(journal: LocalJournal, instanceId: string) {
  const caseId = `c-${instanceId}`;
  await journal.acquire(
    { caseId, instanceId, region: "us-east-1", createdAt: new Date().toISOString(), options: {} },
    "run-1",
    60_000,
  );
  const ctx: Ctx = { caseId, records: new Map(), resumed: false };
  return ctx;
}

/** A playbook of one containment step (taking `containMs`) and one preservation step; events go to `log`. */
function playbook(name: string, log: string[], containMs: number, fail = false): Step<Ctx>[] {
  const at = (what: string) => log.push(`${name}:${what}`);
  return [
    {
      id: "contain",
      title: "contain",
      purpose: "containment",
      async plan() {
        return [];
      },
      async run() {
        await new Promise((r) => setTimeout(r, containMs));
        if (fail) throw new Error("contain broke");
        at("contained");
        return { status: "done" };
      },
      async verify() {
        at("verify-contain");
        return { ok: true };
      },
    },
    {
      id: "preserve",
      title: "preserve",
      async plan() {
        return [];
      },
      async run() {
        at("preserve");
        return { status: "done" };
      },
      async verify() {
        return { ok: true };
      },
    },
  ];
}

describe("containment gate (containment first across cases)", () => {
  it("GIVEN two cases sharing a gate WHEN one contains fast THEN its verification and preservation wait for the other's containment", async () => {
    const journal = new LocalJournal(mkdtempSync(join(tmpdir(), "ir-gate-")));
    const gate = new ContainmentGate();
    const log: string[] = [];
    const [a, b] = await Promise.all([openCase(journal, "i-0000000a"), openCase(journal, "i-0000000b")]);
    const reports = await Promise.all([
      runPlaybook({ steps: playbook("a", log, 5), ctx: a, journal, gate }),
      runPlaybook({ steps: playbook("b", log, 120), ctx: b, journal, gate }),
    ]);
    const bContained = log.indexOf("b:contained");
    expect(bContained).to.be.greaterThan(-1);
    expect(log.indexOf("a:contained")).to.be.lessThan(bContained);
    for (const e of ["a:preserve", "a:verify-contain"])
      expect(log.indexOf(e), e).to.be.greaterThan(bContained);
    expect(reports.flat().map((r) => r.status)).to.deep.equal([
      "verified",
      "verified",
      "verified",
      "verified",
    ]);
  });

  it("GIVEN no gate THEN a case's preservation does not wait for another case (the gate is what orders them)", async () => {
    const journal = new LocalJournal(mkdtempSync(join(tmpdir(), "ir-gate-")));
    const log: string[] = [];
    const [a, b] = await Promise.all([openCase(journal, "i-0000000a"), openCase(journal, "i-0000000b")]);
    await Promise.all([
      runPlaybook({ steps: playbook("a", log, 5), ctx: a, journal }),
      runPlaybook({ steps: playbook("b", log, 120), ctx: b, journal }),
    ]);
    expect(log.indexOf("a:preserve")).to.be.lessThan(log.indexOf("b:contained"));
  });

  it("GIVEN a case whose containment fails THEN the other case's preservation still runs", async () => {
    const journal = new LocalJournal(mkdtempSync(join(tmpdir(), "ir-gate-")));
    const gate = new ContainmentGate();
    const log: string[] = [];
    const [a, b] = await Promise.all([openCase(journal, "i-0000000a"), openCase(journal, "i-0000000b")]);
    const [ra, rb] = await Promise.all([
      runPlaybook({ steps: playbook("a", log, 5), ctx: a, journal, gate }),
      runPlaybook({ steps: playbook("b", log, 30, true), ctx: b, journal, gate }),
    ]);
    expect(ra.map((r) => r.status)).to.deep.equal(["verified", "verified"]);
    expect(rb[0]!.status).to.equal("failed");
    expect(log).to.include("a:preserve");
  });
});
