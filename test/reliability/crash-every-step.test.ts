/**
 * Crash at every step: for each step of the contain playbook, `ir respond` (a child process) is killed
 * with SIGKILL at three points: once the step's `started` entry is durable, once its run returned but
 * nothing about it is journaled (`done`: the effect exists in AWS, the journal does not know), and once
 * its `ran`/`skipped` entry is durable. A rerun after the lease lapsed must take the same case over and
 * complete it, with no duplicate resources, an intact hash chain and no destructive step before the
 * evidence verified. The kill comes from the test-only hook (automation/engine/crash-hook.ts).
 */
import { expect } from "chai";
import { AwsClients } from "../../automation/aws/clients";
import { Discovery } from "../../automation/case/discovery";
import { CRASH_POINTS, type CrashPoint } from "../../automation/engine/crash-hook";
import { findCaseOfInstance, openJournals } from "../../automation/journal/open";
import { containPlaybook, sharedDeps } from "../../automation/playbooks/contain";
import { type CaseResult, respond } from "../../automation/respond/respond";
import { TEST_CREDENTIALS, TEST_REGION } from "../helpers/moto";
import { type Account, setupAccount } from "../helpers/responder";
import { bundleCli, freshInstance, makeLanes, runCli } from "./crash-target";
import { destructiveOrderProblems, duplicateProblems, journalOf } from "./invariants";

const LEASE_MS = 1000;
/** Kills in flight at once (IR_CRASH_CONCURRENCY): each in its own lane (see the first `before`). */
const CRASH_CONCURRENCY = Math.max(1, Number(process.env.IR_CRASH_CONCURRENCY ?? 3) || 1);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** The playbook's steps (ids and flags only: the clients are never called). */
const STEPS = containPlaybook(sharedDeps(new Discovery(new AwsClients({ region: "us-east-1" }))));

/** Reruns until the crashed run's lease lapsed (busy before that); bounded. */
async function rerun(a: Account, responder: AwsClients, instanceId: string): Promise<CaseResult> {
  for (let attempt = 0; attempt < 10; attempt++) {
    const [r] = await respond({
      targets: [{ instanceId, source: { kind: "argument" } }],
      settings: { ...a.settings, leaseMs: LEASE_MS },
      clients: responder,
      options: { dwellMs: 0 },
    });
    if (r!.status !== "busy") return r!;
    await sleep(300);
  }
  throw new Error(`instance ${instanceId} stayed busy: the crashed run's lease never lapsed`);
}

describe("crash at every step: SIGKILL, rerun, complete (integration)", function () {
  this.timeout(180_000);
  let a: Account;
  let cli: string;
  let n = 0;
  let lanes: Account[] = [];
  /** The rerun's clients: the production retry policy, as a responder has. */
  let responder: AwsClients;
  after(() => responder?.destroy());
  before(async function () {
    this.timeout(120_000);
    // The VPC's isolation groups exist (as the baseline deploys them), so each kill below is about its
    // own step. Groups left half-made by a kill during their creation are finished by the next run:
    // test/integration/isolation-groups.test.ts.
    a = await setupAccount({ groups: true });
    // The test's own eyes and hands (seeding victims, checks): the administrator, with a production
    // retry policy (moto, busy with several kills, now and then answers 500). The killed `ir` processes
    // sign as the responder role (crash-target.ts).
    responder = new AwsClients({ endpoint: a.endpoint, region: TEST_REGION, credentials: TEST_CREDENTIALS });
    cli = bundleCli();
    lanes = await makeLanes(a, responder, CRASH_CONCURRENCY);
    startKills();
  });

  it("the destructive-order check catches a destructive step that ran before the evidence verified", () => {
    const steps = [
      { id: "snapshot", purpose: "evidence" as const },
      { id: "terminate", purpose: "destructive" as const },
    ];
    const entry = (seq: number, stepId: string, event: string) =>
      ({ seq, stepId, event, at: "", prevHash: "", hash: "" }) as never;
    expect(
      destructiveOrderProblems([entry(0, "snapshot", "ran"), entry(1, "terminate", "started")], steps),
    ).to.deep.equal(["terminate started at entry 1 before snapshot verified"]);
    expect(
      destructiveOrderProblems(
        [entry(0, "snapshot", "skipped"), entry(1, "snapshot", "verified"), entry(2, "terminate", "ran")],
        steps,
      ),
    ).to.have.length(1);
    expect(
      destructiveOrderProblems(
        [entry(0, "snapshot", "ran"), entry(1, "snapshot", "verified"), entry(2, "terminate", "started")],
        steps,
      ),
    ).to.deep.equal([]);
  });

  /** Kills a respond at `step:point`, reruns, and returns what is wrong (empty when all holds). */
  async function crashAndRerun(a: Account, stepId: string, point: CrashPoint): Promise<string[]> {
    const { instanceId, roleName } = await freshInstance(a, `crash-${++n}`);
    const child = await runCli(cli, a, ["respond", instanceId, "--yes", "--json", "--dwell-seconds", "0"], {
      NODE_ENV: "test",
      IR_JOURNAL_TABLE: a.settings.journalTable,
      IR_TEST_CRASH_AT: `${stepId}:${point}`,
      IR_LEASE_SECONDS: String(LEASE_MS / 1000),
    });
    if (child.signal !== "SIGKILL")
      return [`not killed (exit ${child.code}): ${child.stdout.slice(0, 500)} ${child.stderr.slice(0, 500)}`];
    const open = await findCaseOfInstance(openJournals(a.clients, a.settings), instanceId);
    if (!open) return ["the killed run left no case"];
    const caseId = open.caseId;
    const problems: string[] = [];
    // The journal shows the crash where it was aimed. A batch written while the aimed entry's batch was
    // being acknowledged may also be durable (the journal coalesces appends), so only `done` can say
    // that nothing after the point was journaled.
    const events = (await journalOf(a.clients, a.settings, caseId)).entries
      .filter((e) => e.stepId === stepId)
      .map((e) => e.event);
    const aimed =
      point === "started"
        ? events.includes("started")
        : point === "done"
          ? events.every((e) => e === "started")
          : events.some((e) => e === "ran" || e === "skipped");
    if (!aimed) problems.push(`killed run's events: ${events.join(", ")}`);

    const r = await rerun(a, responder, instanceId);
    const bad = r.steps.filter((s) => s.status !== "verified" && s.status !== "skipped");
    if (r.status !== "contained")
      problems.push(
        `rerun ${r.status}: ${r.error ?? ""} ${bad.map((s) => `${s.id} ${s.status}: ${s.detail}`).join("; ")}`,
      );
    if (r.caseId !== caseId || !r.resumed)
      problems.push(`rerun opened ${r.caseId} instead of resuming ${caseId}`);
    problems.push(
      ...(await duplicateProblems(a.clients, {
        caseId,
        vpcId: a.world.vpcId,
        roleName,
        volumes: 1,
        denyPolicy: true,
      })),
    );
    const after = await journalOf(a.clients, a.settings, caseId);
    if (!after.chain.ok)
      problems.push(
        `chain broken: ${after.chain.problem} (entries: ${after.entries.map((e) => `${e.seq}:${e.stepId}:${e.event}`).join(" ")})`,
      );
    problems.push(...destructiveOrderProblems(after.entries, STEPS));
    return problems;
  }

  // One test per step. `npm test` kills every step at one point, rotating started / done / ran along the
  // playbook so every point is exercised (22 kills); `npm run test:crash` (IR_CRASH_FULL=1) kills every
  // step at all three points (66 kills). IR_CRASH_STEPS=snapshot,untrack limits the run while debugging.
  // The kills are independent (a fresh instance and role each), so they run CRASH_CONCURRENCY at a time
  // (IR_CRASH_CONCURRENCY, default 3): most of a kill's time is waiting (child start, lease lapse,
  // verification polls), and one after another they took four of the suite's twelve minutes.
  const only = process.env.IR_CRASH_STEPS?.split(",");
  const full = process.env.IR_CRASH_FULL === "1";
  const planned = STEPS.flatMap((step, i) =>
    only && !only.includes(step.id)
      ? []
      : [{ step, points: full ? CRASH_POINTS : [CRASH_POINTS[i % CRASH_POINTS.length]!] }],
  );
  /** Each kill's problems, started at the end of `before` through a pool; every test awaits its own. */
  const outcomes = new Map<string, Promise<string[]>>();
  function startKills() {
    const jobs = planned.flatMap(({ step, points }) => points.map((p) => ({ stepId: step.id, p })));
    let next = 0;
    const settled = new Map<string, (problems: string[]) => void>();
    for (const j of jobs)
      outcomes.set(`${j.stepId}:${j.p}`, new Promise((done) => settled.set(`${j.stepId}:${j.p}`, done)));
    const worker = async (lane: Account) => {
      while (next < jobs.length) {
        const j = jobs[next++]!;
        const problems = await crashAndRerun(lane, j.stepId, j.p).catch((err: Error) => [
          `threw: ${err.message}`,
        ]);
        settled.get(`${j.stepId}:${j.p}`)!(problems.map((x) => `${j.stepId}:${j.p}: ${x}`));
      }
    };
    for (const lane of lanes) void worker(lane);
  }
  for (const { step, points } of planned) {
    it(`${step.id}: killed when ${points.join(", ")}; each rerun completes the same case, no duplicates`, async () => {
      const problems = (await Promise.all(points.map((p) => outcomes.get(`${step.id}:${p}`)!))).flat();
      if (problems.length > 0) process.stderr.write(`${problems.join("\n")}\n`);
      expect(problems).to.deep.equal([]);
    });
  }
});
