/**
 * The step engine: dependencies, parallelism, resume, bounded waits, and the rule that no destructive
 * step runs before every evidence step verified (a failure injected at every step in turn).
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { type EngineContext, planPlaybook, runPlaybook } from "../../automation/engine/runner";
import type { RunAttempt, Step } from "../../automation/engine/types";
import { verifyChain } from "../../automation/journal/chain";
import type { CaseMeta } from "../../automation/journal/journal";
import { LocalJournal } from "../../automation/journal/local";

interface Ctx extends EngineContext {
  log: string[];
}

async function openCase(caseId = `c-${Math.random().toString(16).slice(2)}`) {
  const journal = new LocalJournal(mkdtempSync(join(tmpdir(), "ir-engine-")));
  const meta: CaseMeta = {
    caseId,
    instanceId: "i-0123abcd",
    region: "us-east-1",
    createdAt: new Date().toISOString(),
    options: {},
  };
  await journal.acquire(meta, "run-1", 60_000);
  const ctx: Ctx = { caseId, records: new Map(), resumed: false, log: [] };
  return { journal, ctx, meta };
}

function step(
  id: string,
  opts: Partial<Step<Ctx>> & { fail?: "run" | "verify"; delay?: number } = {},
): Step<Ctx> {
  return {
    id,
    title: id,
    async plan() {
      return [{ action: `x:${id}`, target: id, detail: "would" }];
    },
    async run(ctx) {
      ctx.log.push(`run:${id}`);
      if (opts.delay) await new Promise((r) => setTimeout(r, opts.delay));
      if (opts.fail === "run") throw new Error(`${id} broke`);
      return { status: "done", record: { id } };
    },
    async verify(ctx) {
      ctx.log.push(`verify:${id}`);
      return opts.fail === "verify" ? { ok: false, detail: "not there" } : { ok: true };
    },
    verifyTimeoutMs: 100,
    verifyIntervalMs: 10,
    ...opts,
  };
}

const playbook = (failing?: string, mode?: "run" | "verify"): Step<Ctx>[] => {
  const f = (id: string) => (id === failing ? { fail: mode ?? "run" } : {});
  return [
    step("snapshot", { purpose: "evidence", ...f("snapshot") }),
    step("isolate", { needs: ["snapshot"], ...f("isolate") }),
    step("memory", { needs: ["isolate"], purpose: "evidence", ...f("memory") }),
    step("manifest", { after: ["snapshot", "memory"], purpose: "evidence", ...f("manifest") }),
    step("terminate", { after: ["manifest"], purpose: "destructive" }),
  ];
};

describe("step engine", () => {
  it("runs independent steps in parallel and dependants after them", async () => {
    const { journal, ctx } = await openCase();
    const t0 = Date.now();
    const reports = await runPlaybook({
      steps: [step("a", { delay: 150 }), step("b", { delay: 150 }), step("c", { needs: ["a", "b"] })],
      ctx,
      journal,
    });
    expect(Date.now() - t0).to.be.lessThan(290);
    expect(reports.map((r) => r.status)).to.deep.equal(["verified", "verified", "verified"]);
    expect(ctx.log.indexOf("run:c")).to.be.greaterThan(ctx.log.indexOf("run:a"));
  });

  it("blocks the dependants of a failed step and names the blocker", async () => {
    const { journal, ctx } = await openCase();
    const reports = await runPlaybook({
      steps: [step("a", { fail: "run" }), step("b", { needs: ["a"] })],
      ctx,
      journal,
    });
    expect(reports[0]).to.deep.include({ status: "failed", detail: "a broke" });
    expect(reports[1]).to.deep.include({ status: "blocked", detail: "blocked by a" });
    expect(ctx.log).to.not.include("run:b");
  });

  it("runs a step that only comes after a failed step (ordering, not dependence), once it finished", async () => {
    const { journal, ctx } = await openCase();
    const reports = await runPlaybook({
      steps: [step("untrack", { fail: "run", delay: 30 }), step("isolate", { after: ["untrack"] })],
      ctx,
      journal,
    });
    expect(reports.map((r) => r.status)).to.deep.equal(["failed", "verified"]);
    expect(ctx.log.indexOf("run:isolate")).to.be.greaterThan(ctx.log.indexOf("run:untrack"));
  });

  it("waits out an answer that asks to come back later, journaling each wait, then runs again", async () => {
    const { journal, ctx } = await openCase();
    let calls = 0;
    const later = Object.assign(new Error("volume snapshotted moments ago"), {
      name: "SnapshotCreationPerVolumeRateExceeded",
    });
    const snapshot: Step<Ctx> = {
      ...step("snapshot"),
      waitOut: (err) => ((err as Error).name === later.name ? 20 : undefined),
      async run() {
        if (++calls < 3) throw later;
        return { status: "done", record: { calls } };
      },
    };
    const reports = await runPlaybook({ steps: [snapshot], ctx, journal });
    expect(reports[0]!.status).to.equal("verified");
    expect(calls).to.equal(3);
    const retries = (await journal.readCase(ctx.caseId))!.entries.filter((e) => e.event === "retrying");
    expect(retries.map((e) => (e.data as { waitMs: number }).waitMs)).to.deep.equal([20, 20]);
  });

  it("fails at once on an error that is neither transient nor waited out", async () => {
    const { journal, ctx } = await openCase();
    let calls = 0;
    const snapshot: Step<Ctx> = {
      ...step("snapshot"),
      waitOut: () => undefined,
      async run() {
        calls++;
        throw Object.assign(new Error("no such volume"), { name: "InvalidVolume.NotFound" });
      },
    };
    const reports = await runPlaybook({ steps: [snapshot], ctx, journal });
    expect(reports[0]).to.deep.include({ status: "failed", detail: "no such volume" });
    expect(calls).to.equal(1);
  });

  it("starts a with-containment step beside containment, and defers a support step until it ran", async () => {
    const { journal, ctx } = await openCase();
    await runPlaybook({
      steps: [
        step("contain", { purpose: "containment", delay: 60 }),
        step("protect", { schedule: "with-containment" }),
        step("metadata"),
      ],
      ctx,
      journal,
    });
    expect(ctx.log.slice(0, 3)).to.deep.equal(["run:contain", "run:protect", "run:metadata"]);
    expect(ctx.log.indexOf("run:metadata")).to.be.lessThan(ctx.log.indexOf("verify:contain"));
  });

  it("refuses a playbook where a step scheduled after containment comes before a containment step", async () => {
    const { journal, ctx } = await openCase();
    const err = await runPlaybook({
      steps: [
        step("late", { schedule: "after-containment" }),
        step("contain", { purpose: "containment", needs: ["late"] }),
      ],
      ctx,
      journal,
    }).catch((e: Error) => e);
    expect((err as Error).message).to.match(/"late" is scheduled after containment/);
  });

  for (const failing of ["snapshot", "isolate", "memory", "manifest"]) {
    for (const mode of ["run", "verify"] as const) {
      // isolate is not evidence: when only its verification fails, the evidence is still complete.
      if (failing === "isolate" && mode === "verify") continue;
      it(`refuses the destructive step when ${failing} fails to ${mode}`, async () => {
        const { journal, ctx } = await openCase();
        const reports = await runPlaybook({ steps: playbook(failing, mode), ctx, journal });
        const terminate = reports.find((r) => r.id === "terminate")!;
        expect(terminate.status).to.equal("refused");
        expect(terminate.detail).to.match(/^refused: evidence not verified/);
        expect(ctx.log).to.not.include("run:terminate");
      });
    }
  }

  it("runs the destructive step only once every evidence step verified", async () => {
    const { journal, ctx } = await openCase();
    const reports = await runPlaybook({ steps: playbook(), ctx, journal });
    expect(reports.at(-1)!.status).to.equal("verified");
    const term = ctx.log.indexOf("run:terminate");
    for (const id of ["snapshot", "memory", "manifest"])
      expect(ctx.log.indexOf(`verify:${id}`)).to.be.lessThan(term);
  });

  it("bounds a step that hangs", async () => {
    const { journal, ctx } = await openCase();
    const hang: Step<Ctx> = { ...step("hang"), timeoutMs: 50, run: () => new Promise(() => undefined) };
    const [r] = await runPlaybook({ steps: [hang], ctx, journal });
    expect(r).to.deep.include({ status: "failed", detail: "step hang did not finish within 50 ms" });
  });

  it("resumes: verified steps are not run again, ran-but-unverified steps are verified before any re-run", async () => {
    const { journal, ctx, meta } = await openCase();
    await runPlaybook({ steps: [step("a"), step("b", { needs: ["a"], fail: "run" })], ctx, journal });
    await journal.releaseLease(meta.instanceId, "run-1");
    const again = await journal.resume(meta.instanceId, meta.caseId, "run-2", 60_000);
    expect(again).to.deep.include({ acquired: true, resumed: true });
    const history = (await journal.readCase(meta.caseId))!.entries;
    const ctx2: Ctx = { caseId: meta.caseId, records: new Map(), resumed: true, log: [] };
    const reports = await runPlaybook({
      steps: [step("a"), step("b", { needs: ["a"] })],
      ctx: ctx2,
      journal,
      history,
    });
    expect(reports[0]).to.deep.include({ status: "verified", resumed: true });
    expect(ctx2.log).to.deep.equal(["run:b", "verify:b"]);
    expect(ctx2.records.get("a")).to.deep.equal({ id: "a" });
    const all = (await journal.readCase(meta.caseId))!.entries;
    expect(verifyChain(all).ok).to.equal(true);
  });

  it("a step run again in a resumed case is told what its earlier, unverified run recorded", async () => {
    const { journal, ctx, meta } = await openCase();
    await runPlaybook({ steps: [step("collect", { fail: "verify" })], ctx, journal });
    await journal.releaseLease(meta.instanceId, "run-1");
    await journal.resume(meta.instanceId, meta.caseId, "run-2", 60_000);
    const history = (await journal.readCase(meta.caseId))!.entries;
    const told: (RunAttempt | undefined)[] = [];
    const ctx2: Ctx = { caseId: meta.caseId, records: new Map(), resumed: true, log: [] };
    const [r] = await runPlaybook({
      steps: [
        step("collect", {
          async run(_ctx, attempt) {
            told.push(attempt);
            return { status: "done", record: { id: "collect", second: true } };
          },
        }),
      ],
      ctx: ctx2,
      journal,
      history,
    });
    expect(r!.status).to.equal("verified");
    expect(told).to.deep.equal([{ attempt: 1, unverifiedRecord: { id: "collect" } }]);
    // A first run of a step has nothing earlier to be told about.
    const fresh = await openCase();
    const firstTold: (RunAttempt | undefined)[] = [];
    await runPlaybook({
      steps: [
        step("collect", {
          async run(_ctx, attempt) {
            firstTold.push(attempt);
            return { status: "done" };
          },
        }),
      ],
      ctx: fresh.ctx,
      journal: fresh.journal,
    });
    expect(firstTold).to.deep.equal([{ attempt: 1 }]);
  });

  it("a second run cannot take a case whose lease is alive, and reports who holds it", async () => {
    const { journal, meta } = await openCase();
    const other = await journal.acquire({ ...meta, caseId: "c-other" }, "run-2", 60_000);
    expect(other).to.deep.include({ acquired: false, caseId: meta.caseId, heldBy: "run-1" });
  });

  it("plans without running anything but read-only steps", async () => {
    const { ctx } = await openCase();
    const reports = await planPlaybook(
      [step("read", { effect: "reads" }), step("write", { needs: ["read"] })],
      ctx,
    );
    expect(ctx.log).to.deep.equal(["run:read"]);
    expect(reports[1]!.changes).to.deep.equal([{ action: "x:write", target: "write", detail: "would" }]);
  });

  it("refuses a playbook whose step comes after an unknown step", async () => {
    const { journal, ctx } = await openCase();
    let err: Error | undefined;
    await runPlaybook({ steps: [step("a", { after: ["zzz"] })], ctx, journal }).catch((e) => {
      err = e;
    });
    expect(err?.message).to.equal('step "a" comes after "zzz", which is not earlier in the playbook');
  });

  describe("a step whose run fails with a transient AWS error runs again", () => {
    /** Fails its first `failures` attempts with `error`, recording the attempt numbers it was given. */
    const flaky = (id: string, failures: number, error: () => Error, seen: number[]) =>
      step(id, {
        async run(_ctx, attempt) {
          seen.push(attempt?.attempt ?? 0);
          if (seen.length <= failures) throw error();
          return { status: "done", record: { attempts: seen.length } };
        },
      });
    const reset = () => Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });
    const http500 = () =>
      Object.assign(new Error("We encountered an internal error"), {
        name: "InternalError",
        $metadata: { httpStatusCode: 500 },
      });

    it("retries a reset and a 500, telling the step which attempt it is, and journals each retry", async () => {
      const { journal, ctx } = await openCase();
      const a: number[] = [];
      const b: number[] = [];
      const reports = await runPlaybook({
        steps: [flaky("a", 1, reset, a), flaky("b", 2, http500, b)],
        ctx,
        journal,
      });
      expect(reports.map((r) => r.status)).to.deep.equal(["verified", "verified"]);
      expect(a).to.deep.equal([1, 2]);
      expect(b).to.deep.equal([1, 2, 3]);
      const entries = (await journal.readCase(ctx.caseId))!.entries;
      expect(entries.filter((e) => e.event === "retrying").map((e) => e.stepId)).to.deep.equal([
        "a",
        "b",
        "b",
      ]);
      expect(verifyChain(entries).ok).to.equal(true);
    });

    it("gives up after five attempts with the last error", async () => {
      const { journal, ctx } = await openCase();
      const seen: number[] = [];
      const [r] = await runPlaybook({ steps: [flaky("a", 9, reset, seen)], ctx, journal });
      expect(r!.status).to.equal("failed");
      expect(r!.detail).to.equal("socket hang up");
      expect(seen).to.deep.equal([1, 2, 3, 4, 5]);
    });

    it("does not retry an error that is not transient (a refusal, a bug, bad input)", async () => {
      const { journal, ctx } = await openCase();
      const seen: number[] = [];
      const denied = () =>
        Object.assign(new Error("not authorized"), {
          name: "UnauthorizedOperation",
          $metadata: { httpStatusCode: 403 },
        });
      const [r] = await runPlaybook({ steps: [flaky("a", 1, denied, seen)], ctx, journal });
      expect(r!.status).to.equal("failed");
      expect(seen).to.deep.equal([1]);
    });

    it("does not retry a step that timed out (that attempt may still be acting)", async () => {
      const { journal, ctx } = await openCase();
      let runs = 0;
      const [r] = await runPlaybook({
        steps: [
          step("slow", {
            timeoutMs: 50,
            async run() {
              runs += 1;
              await new Promise((done) => setTimeout(done, 200));
              return { status: "done" };
            },
          }),
        ],
        ctx,
        journal,
      });
      expect(r!.status).to.equal("failed");
      expect(runs).to.equal(1);
    });

    it("retries a transient error wrapped as the cause of the step's own error", async () => {
      const { journal, ctx } = await openCase();
      const seen: number[] = [];
      const wrapped = () => new Error("could not snapshot", { cause: http500() });
      const [r] = await runPlaybook({ steps: [flaky("a", 1, wrapped, seen)], ctx, journal });
      expect(r!.status).to.equal("verified");
      expect(seen).to.deep.equal([1, 2]);
    });
  });

  describe("a step whose change something else undoes is re-applied, not reported unverified", () => {
    /** A change held in `world.on`; `undo` more undo-ers switch it off again right after each apply. */
    const held = (world: { on: boolean; applies: number; undos: number }, reapply: boolean) =>
      step("hold", {
        verifyTimeoutMs: 1_000,
        async run() {
          world.on = true;
          world.applies++;
          return { status: "done", record: { on: true } };
        },
        async verify() {
          // Something (an Auto Scaling group) undoes the change before the check sees it.
          if (world.undos > 0) {
            world.undos--;
            world.on = false;
          }
          return world.on ? { ok: true, detail: "held" } : { ok: false, detail: "undone" };
        },
        ...(reapply
          ? {
              async reapply() {
                world.on = true;
                world.applies++;
              },
            }
          : {}),
      });

    /** Runs the held step in a new case against something that undoes it `undos` times. */
    const runHeld = async (undos: number, reapply: boolean) => {
      const { journal, ctx } = await openCase();
      const world = { on: false, applies: 0, undos };
      const [r] = await runPlaybook({ steps: [held(world, reapply)], ctx, journal });
      return { r, world, journal, ctx };
    };

    it("re-applies after two failed checks, journals it, and verifies", async () => {
      const { r, world, journal, ctx } = await runHeld(2, true);
      expect(r!.status).to.equal("verified");
      expect(world.applies).to.equal(2);
      const entries = (await journal.readCase(ctx.caseId))!.entries;
      const reapplied = entries.filter((e) => e.event === "reapplied");
      expect(reapplied.map((e) => e.data)).to.deep.equal([{ detail: "undone" }]);
      expect(entries.at(-1)!.event).to.equal("verified");
      expect(verifyChain(entries).ok).to.equal(true);
    });

    it("re-applies at most twice, then reports what is still wrong", async () => {
      const { r, world } = await runHeld(1_000, true);
      expect(r!.status).to.equal("unverified");
      expect(r!.detail).to.equal("undone");
      expect(world.applies).to.equal(3);
    });

    it("a step without reapply is only checked", async () => {
      const { r, world } = await runHeld(1_000, false);
      expect(r!.status).to.equal("unverified");
      expect(world.applies).to.equal(1);
    });

    it("a run that died while re-applying is resumed by verifying first, with the step's record", async () => {
      const { journal, ctx, meta } = await openCase();
      await journal.append(meta.caseId, "hold", "started");
      await journal.append(meta.caseId, "hold", "ran", { record: { on: true }, reason: null });
      await journal.append(meta.caseId, "hold", "reapplied", { detail: "undone" });
      await journal.flush();
      const history = (await journal.readCase(meta.caseId))!.entries;
      const ctx2: Ctx = { ...ctx, records: new Map(), resumed: true, log: [] };
      const [r] = await runPlaybook({ steps: [step("hold")], ctx: ctx2, journal, history });
      expect(r).to.deep.include({ status: "verified", resumed: true });
      expect(ctx2.log).to.deep.equal(["verify:hold"]);
      expect(ctx2.records.get("hold")).to.deep.equal({ on: true });
    });

    it("does not re-apply a change that shows on the second look (eventual consistency)", async () => {
      const { journal, ctx } = await openCase();
      let checks = 0;
      let reapplies = 0;
      const lagging = step("lag", {
        verifyTimeoutMs: 1_000,
        async verify() {
          checks++;
          return checks >= 2 ? { ok: true } : { ok: false, detail: "not visible yet" };
        },
        async reapply() {
          reapplies++;
        },
      });
      const [r] = await runPlaybook({ steps: [lagging], ctx, journal });
      expect(r!.status).to.equal("verified");
      expect(reapplies).to.equal(0);
    });
  });
});
