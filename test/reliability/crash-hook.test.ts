/**
 * The test-only crash hook cannot fire by accident: it needs both NODE_ENV=test and IR_TEST_CRASH_AT,
 * returns the run options untouched otherwise, and refuses a malformed crash point.
 */
import { expect } from "chai";
import { crashTarget, withCrashHook } from "../../automation/engine/crash-hook";
import type { EngineContext, RunOptions } from "../../automation/engine/runner";

const options = {
  steps: [{ id: "snapshot", title: "s", plan: async () => [], run: async () => ({ status: "done" }) }],
  ctx: { caseId: "c", records: new Map(), resumed: false },
  journal: { kind: "local", append: async () => ({}) },
} as unknown as RunOptions<EngineContext>;

describe("crash hook (test-only)", () => {
  it("is inert without NODE_ENV=test, even with IR_TEST_CRASH_AT set, and without IR_TEST_CRASH_AT", () => {
    expect(crashTarget({ IR_TEST_CRASH_AT: "snapshot:ran" })).to.equal(undefined);
    expect(crashTarget({ IR_TEST_CRASH_AT: "snapshot:ran", NODE_ENV: "production" })).to.equal(undefined);
    expect(crashTarget({ NODE_ENV: "test" })).to.equal(undefined);
    expect(withCrashHook(options, { IR_TEST_CRASH_AT: "snapshot:ran" })).to.equal(options);
  });

  it("names the step and the point when both are set, and wraps only then", () => {
    const env = { IR_TEST_CRASH_AT: "snapshot:done", NODE_ENV: "test" };
    expect(crashTarget(env)).to.deep.equal({ stepId: "snapshot", point: "done" });
    const wrapped = withCrashHook(options, env);
    expect(wrapped).to.not.equal(options);
    expect(wrapped.steps[0]!.run).to.not.equal(options.steps[0]!.run);
    expect(wrapped.journal.kind).to.equal("local");
  });

  it("refuses a malformed crash point, naming it and the expected forms", () => {
    expect(() => crashTarget({ IR_TEST_CRASH_AT: "snapshot", NODE_ENV: "test" })).to.throw(
      'IR_TEST_CRASH_AT "snapshot" is not valid: expected <step-id>:started, <step-id>:done or <step-id>:ran',
    );
  });
});
