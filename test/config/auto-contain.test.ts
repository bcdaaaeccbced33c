/**
 * The automatic-containment keys: off by default, the three modes, the severity threshold and memory
 * capture, each bad value refused with a message that names the key, the value and what is allowed.
 */
import { expect } from "chai";
import { ConfigError, readConfig } from "../../config/read";

const read = (values: Record<string, string>) => readConfig((key) => values[key]);
const problemsOf = (values: Record<string, string>): string[] => {
  try {
    read(values);
  } catch (e) {
    expect(e).to.be.instanceOf(ConfigError);
    return (e as ConfigError).problems;
  }
  throw new Error("expected a ConfigError");
};

describe("automatic containment configuration", () => {
  it("is off by default, with a threshold of 7 and no memory capture", () => {
    const c = read({});
    expect(c.autoContain).to.equal("off");
    expect(c.autoContainMinSeverity).to.equal(7);
    expect(c.autoContainMemoryCapture).to.equal(false);
  });

  it("accepts approve and contain, a decimal threshold and memory capture", () => {
    expect(read({ autoContain: "approve" }).autoContain).to.equal("approve");
    const c = read({
      autoContain: "contain",
      autoContainMinSeverity: "8.5",
      autoContainMemoryCapture: "true",
    });
    expect(c.autoContain).to.equal("contain");
    expect(c.autoContainMinSeverity).to.equal(8.5);
    expect(c.autoContainMemoryCapture).to.equal(true);
  });

  it("refuses an unknown mode, naming the allowed ones", () => {
    expect(problemsOf({ autoContain: "on" })).to.deep.equal([
      'incident-ready:autoContain: "on" is not allowed: expected one of off, approve, contain',
    ]);
  });

  it("refuses a threshold that is not a number or outside GuardDuty's 1 to 8.9", () => {
    expect(problemsOf({ autoContainMinSeverity: "high" })).to.deep.equal([
      'incident-ready:autoContainMinSeverity: "high" is not a number',
    ]);
    expect(problemsOf({ autoContainMinSeverity: "9" })).to.deep.equal([
      "incident-ready:autoContainMinSeverity: 9 is not a GuardDuty severity threshold: expected a number from 1 to 8.9 (4 = medium, 7 = high)",
    ]);
    expect(problemsOf({ autoContainMinSeverity: "0.5" })[0]).to.match(/0.5 is not a GuardDuty severity/);
  });

  it("refuses a threshold below the alert threshold (other regions forward only what alerts)", () => {
    expect(
      problemsOf({ autoContain: "approve", autoContainMinSeverity: "5", alertMinSeverity: "7" }),
    ).to.deep.equal([
      "incident-ready:autoContainMinSeverity: 5 is below incident-ready:alertMinSeverity (7): findings from other regions reach the home region only when they alert, so the function would never see them; raise autoContainMinSeverity or lower alertMinSeverity",
    ]);
    expect(
      read({ autoContain: "contain", autoContainMinSeverity: "5", alertMinSeverity: "4" })
        .autoContainMinSeverity,
    ).to.equal(5);
    // Off: the threshold is not used, so it is not held against the alert threshold.
    expect(read({ autoContainMinSeverity: "5" }).autoContain).to.equal("off");
  });

  it("refuses memory capture that is not a boolean", () => {
    expect(problemsOf({ autoContainMemoryCapture: "yes" })).to.deep.equal([
      'incident-ready:autoContainMemoryCapture: "yes" is not a boolean: expected true or false',
    ]);
  });
});
