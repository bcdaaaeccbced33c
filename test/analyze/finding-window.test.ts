import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "chai";
import { windowFromFinding } from "../../automation/analyze/finding-window";

const event = JSON.parse(readFileSync(join(__dirname, "../fixtures/events/guardduty-high.json"), "utf8"));

describe("analyze: default window from a finding", () => {
  it("1. GuardDuty in its envelope: 24 hours before eventFirstSeen to the end given", () => {
    const w = windowFromFinding(event, { end: new Date("2026-11-28T04:00:00Z") });
    expect(w.start.toISOString()).to.equal("2026-11-27T02:58:00.000Z");
    expect(w.end.toISOString()).to.equal("2026-11-28T04:00:00.000Z");
  });

  it("2. Security Hub: the earliest FirstObservedAt of several findings, with a chosen margin", () => {
    const findings = {
      Findings: [{ FirstObservedAt: "2026-11-28T03:00:00Z" }, { FirstObservedAt: "2026-11-28T01:00:00Z" }],
    };
    const w = windowFromFinding(findings, {
      marginBeforeMs: 3_600_000,
      end: new Date("2026-11-28T05:00:00Z"),
    });
    expect(w.start.toISOString()).to.equal("2026-11-28T00:00:00.000Z");
  });

  it("3. bad input: no time in the finding, or an end before it", () => {
    expect(() => windowFromFinding({ schemaVersion: "2.0" })).to.throw(
      /has no first-seen time .* pass the incident window explicitly \(its start and end\)/,
    );
    expect(() => windowFromFinding(event, { end: new Date("2026-11-01T00:00:00Z") })).to.throw(
      /window end 2026-11-01T00:00:00\.000Z is not after its start/,
    );
  });
});
