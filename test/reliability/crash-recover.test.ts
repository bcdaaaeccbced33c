/**
 * Crash at every step of the playbooks that act on a contained case: `ir recover <case> --via asg --yes`
 * (which ends with the destructive `terminate`), `ir investigate <case>` and `ir investigate <case>
 * --stop --yes` (which terminates the workstation and deletes volumes) run as child processes and
 * are killed with SIGKILL at a point of one step (the test-only hook automation/engine/crash-hook.ts:
 * `started`, `done` or `ran`). A rerun of the same command after the lease lapsed must complete the same
 * case: recovered with the compromised instance terminated exactly once and one launch-template version,
 * or one running workstation with one attached volume per snapshot, or no workstation and no evidence
 * volume with every snapshot kept; an intact hash chain; and terminate never before the evidence verified. crash-every-step.test.ts does the same for the contain playbook.
 */
import { DescribeAutoScalingGroupsCommand } from "@aws-sdk/client-auto-scaling";
import {
  CreateLaunchTemplateVersionCommand,
  CreateVolumeCommand,
  DescribeSnapshotsCommand,
} from "@aws-sdk/client-ec2";
import { expect } from "chai";
import { AwsClients } from "../../automation/aws/clients";
import { CRASH_POINTS, type CrashPoint } from "../../automation/engine/crash-hook";
import type { Step } from "../../automation/engine/types";
import { type InvestigateResult, investigate } from "../../automation/investigate/investigate";
import { investigatePlaybook, stopPlaybook } from "../../automation/investigate/playbook";
import { type StopResult, stopInvestigation } from "../../automation/investigate/stop";
import type { JournalEntry } from "../../automation/journal/chain";
import { recoverPlaybook } from "../../automation/playbooks/recover";
import { versionDescription } from "../../automation/recover/asg-rebuild";
import { type RecoverResult, recover } from "../../automation/recover/recover";
import { ROLE_TAG_VALUES, TAG } from "../../facts/tags";
import { TEST_CREDENTIALS, TEST_REGION } from "../helpers/moto";
import { type Account, setupAccount } from "../helpers/responder";
import { type ForensicWorld, seedForensic } from "../investigate/forensic-world";
import { otherAmis, publish } from "../recover/fixtures";
import { bundleCli, runCli } from "./crash-target";
import {
  caseResources,
  containedVictim,
  forensicFlags,
  investigateProblems,
  laneSettings,
  makeLanes,
  recoverProblems,
  sameRunProblems,
  stopProblems,
} from "./crash-world";
import { destructiveOrderProblems, journalOf } from "./invariants";

const LEASE_MS = 1000;
const CRASH_CONCURRENCY = Math.max(1, Number(process.env.IR_CRASH_CONCURRENCY ?? 3) || 1);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** The playbooks' steps (ids and flags only). */
const RECOVER = recoverPlaybook({ healthTimeoutMs: 1 });
const INVESTIGATE = investigatePlaybook({ timeoutMs: 1, pollMs: 1 });
type Playbook = "recover" | "investigate" | "stop";
const STEPS: Record<Playbook, readonly Pick<Step<unknown>, "id" | "purpose">[]> = {
  recover: RECOVER,
  investigate: INVESTIGATE,
  stop: stopPlaybook(),
};

/** Kills whose rerun is wrong because of a bug in production code: `playbook:step:point` -> what and where. */
const KNOWN_BUGS: Record<string, string> = {};

/** Reruns until the crashed run's lease lapsed (busy before that); bounded. */
async function untilNotBusy<R extends { status: string }>(run: () => Promise<R>): Promise<R> {
  for (let attempt = 0; attempt < 10; attempt++) {
    const r = await run();
    if (r.status !== "busy") return r;
    await sleep(300);
  }
  throw new Error("the case stayed busy: the crashed run's lease never lapsed");
}

/** Whether the killed run's journal shows the crash where it was aimed (as crash-every-step checks). */
function aimedAt(entries: readonly JournalEntry[], stepId: string, point: CrashPoint): boolean {
  const events = entries.filter((e) => e.stepId === stepId).map((e) => e.event);
  if (point === "started") return events.includes("started");
  // The killed run's `started` append may still be in flight when the run returns (appends coalesce),
  // so `done` can only say that nothing past `started` was journaled.
  if (point === "done") return events.every((e) => e === "started");
  return events.some((e) => e === "ran" || e === "skipped");
}

describe("crash at every step of recover and investigate: SIGKILL, rerun, complete (integration)", function () {
  this.timeout(240_000);
  let cli: string;
  let n = 0;
  /** A case each playbook completed after a kill (the checks' own test breaks them afterwards). */
  const completed: Partial<Record<Playbook, { lane: Account; caseId: string; instanceId: string }>> = {};
  let lanes: Account[] = [];
  let forensic: ForensicWorld;
  /** The known-good AMI (published before the compromise) and the compromise's start. */
  let good: string;
  let compromiseStart: string;
  /** The rerun's clients: the production retry policy, as a responder has. */
  let responder: AwsClients;
  after(() => responder?.destroy());
  before(async function () {
    this.timeout(120_000);
    const a = await setupAccount({ groups: true });
    // The test's own eyes and hands (seeding victims, checks): the administrator, with a production
    // retry policy (moto, busy with several kills, now and then answers 500). The killed `ir` processes
    // sign as the responder role (crash-target.ts).
    responder = new AwsClients({ endpoint: a.endpoint, region: TEST_REGION, credentials: TEST_CREDENTIALS });
    cli = bundleCli();
    // Lanes as in crash-every-step (moto re-registers every ASG instance on AttachInstances and restores a
    // whole journal table when a transaction fails): kills in one lane never meet another lane's.
    lanes = await makeLanes(a, responder, CRASH_CONCURRENCY);
    forensic = await seedForensic(a.clients, a.world.imageId);
    // Version 1 the fleet's image, version 2 the known-good one, version 3 published after the
    // compromise began (recovery must not pick it). All lanes' victims are workload "web".
    const [knownGood, later] = await otherAmis(a);
    good = knownGood;
    compromiseStart = await publish(a, [a.world.imageId, good], [later]);
    startKills();
  });

  it("the same-run check catches a termination whose own run checked no evidence", () => {
    const entry = (seq: number, stepId: string, event: string, record?: unknown) =>
      ({ seq, stepId, event, data: { record }, at: "", prevHash: "", hash: "" }) as never;
    const terminated = (seq: number, artefacts?: number) =>
      entry(seq, "terminate", "ran", {
        terminatedAt: "t",
        ...(artefacts ? { evidence: { artefacts } } : {}),
      });
    const verified = entry(0, "recover-verify-evidence", "verified");
    // Verified in run 1, terminated in run 2 without a check of its own: caught.
    expect(sameRunProblems([verified, terminated(1)], [0])).to.deep.equal([
      "terminate ran at entry 1 (run 2) with no evidence check of its own run",
    ]);
    // Same run, or the step's own re-verification in its record, or the instance already gone: fine.
    expect(sameRunProblems([verified, terminated(1)], [])).to.deep.equal([]);
    expect(sameRunProblems([verified, terminated(1, 9)], [0])).to.deep.equal([]);
    expect(
      sameRunProblems([verified, entry(1, "terminate", "ran", { alreadyGone: "terminated" })], [0]),
    ).to.deep.equal([]);
  });

  const env = (lane: Account, stepId: string, point: CrashPoint) => ({
    NODE_ENV: "test",
    IR_JOURNAL_TABLE: lane.settings.journalTable,
    IR_TEST_CRASH_AT: `${stepId}:${point}`,
    IR_LEASE_SECONDS: String(LEASE_MS / 1000),
  });

  /** Kills `ir <playbook>` at `step:point` on a fresh contained victim, reruns; returns what is wrong. */
  async function crashAndRerun(
    lane: Account,
    playbook: Playbook,
    stepId: string,
    point: CrashPoint,
  ): Promise<string[]> {
    const { instanceId, caseId } = await containedVictim(lane, `${playbook}-crash-${++n}`);
    const settings = laneSettings(lane, forensic, LEASE_MS);
    const investigateOnce = () =>
      investigate({
        caseId,
        settings,
        clients: responder,
        owner: "crash-test",
        mountTiming: { timeoutMs: 10_000, pollMs: 100 },
      });
    // --stop tears down a workstation: the case gets one first.
    let snapshots = 0;
    if (playbook === "stop") {
      const ready = await investigateOnce();
      if (ready.status !== "ready") return [`setup: investigate ended ${ready.status}: ${ready.error ?? ""}`];
      snapshots = (await caseResources(lane, caseId)).snapshots.length;
      if (snapshots === 0) return ["setup: the case has no evidence snapshot"];
    }
    const args =
      playbook === "stop"
        ? ["investigate", caseId, "--stop", "--yes", "--json"]
        : playbook === "recover"
          ? [
              "recover",
              caseId,
              "--via",
              "asg",
              "--yes",
              "--json",
              "--health-timeout",
              "20",
              "--before",
              compromiseStart,
            ]
          : ["investigate", caseId, "--yes", "--json", "--owner", "crash-test", ...forensicFlags(forensic)];
    const child = await runCli(cli, lane, args, env(lane, stepId, point));
    if (child.signal !== "SIGKILL")
      return [`not killed (exit ${child.code}): ${child.stdout.slice(0, 800)} ${child.stderr.slice(0, 500)}`];
    const problems: string[] = [];
    const killed = await journalOf(lane.clients, lane.settings, caseId);
    if (!aimedAt(killed.entries, stepId, point))
      problems.push(
        `killed run's events: ${killed.entries
          .filter((e) => e.stepId === stepId)
          .map((e) => e.event)
          .join(", ")}`,
      );

    const r: RecoverResult | InvestigateResult | StopResult =
      playbook === "stop"
        ? await untilNotBusy(() => stopInvestigation({ caseId, settings, clients: responder, pollMs: 100 }))
        : playbook === "recover"
          ? await untilNotBusy(() =>
              recover({
                caseId,
                settings,
                clients: responder,
                via: "asg",
                before: compromiseStart,
                healthTimeoutMs: 20_000,
                healthIntervalMs: 200,
                terminate: "yes",
              }),
            )
          : await untilNotBusy(investigateOnce);
    // A kill after the last change leaves nothing for the rerun to stop.
    const ok =
      playbook === "stop"
        ? r.status === "stopped" || r.status === "nothing-to-stop"
        : playbook === "recover"
          ? r.status === "recovered"
          : r.status === "ready" || r.status === "reused";
    if (!ok)
      problems.push(
        `rerun ${r.status}: ${r.error ?? ""} ${r.steps
          .filter((s) => s.status !== "verified" && s.status !== "skipped")
          .map((s) => `${s.id} ${s.status}: ${s.detail}`)
          .join("; ")}`,
      );
    if (playbook === "recover" && !(r as RecoverResult).terminated)
      problems.push("the rerun did not report the instance terminated");
    const after = await journalOf(lane.clients, lane.settings, caseId);
    if (playbook === "recover")
      problems.push(
        ...(await recoverProblems(lane, { caseId, instanceId, amiId: good }, after.entries)),
        ...sameRunProblems(after.entries, [Math.max(...killed.entries.map((e) => e.seq))]),
      );
    else if (playbook === "stop")
      problems.push(...(await stopProblems(lane, { caseId, instanceId, snapshots })));
    else problems.push(...(await investigateProblems(lane, caseId)));
    if (!after.chain.ok) problems.push(`chain broken: ${after.chain.problem}`);
    problems.push(...destructiveOrderProblems(after.entries, STEPS[playbook]));
    if (problems.length > 0)
      problems.push(`journal: ${after.entries.map((e) => `${e.seq}:${e.stepId}:${e.event}`).join(" ")}`);
    if (problems.length === 0) completed[playbook] = { lane, caseId, instanceId };
    return problems;
  }

  // `npm test`: every step killed at one point, rotating started / done / ran along each playbook (12
  // kills); IR_CRASH_FULL=1: every step at all three points (36 kills). IR_CRASH_STEPS limits the run.
  const only = process.env.IR_CRASH_STEPS?.split(",");
  const full = process.env.IR_CRASH_FULL === "1";
  const planned = (["recover", "investigate", "stop"] as const).flatMap((playbook) =>
    STEPS[playbook].flatMap((step, i) =>
      only && !only.includes(step.id)
        ? []
        : [{ playbook, step, points: full ? CRASH_POINTS : [CRASH_POINTS[i % CRASH_POINTS.length]!] }],
    ),
  );
  const outcomes = new Map<string, Promise<string[]>>();
  function startKills() {
    const jobs = planned.flatMap(({ playbook, step, points }) =>
      points
        .filter((p) => !KNOWN_BUGS[`${playbook}:${step.id}:${p}`])
        .map((p) => ({ playbook, stepId: step.id, p, key: `${playbook}:${step.id}:${p}` })),
    );
    let next = 0;
    const settled = new Map<string, (problems: string[]) => void>();
    for (const j of jobs) outcomes.set(j.key, new Promise((done) => settled.set(j.key, done)));
    const worker = async (lane: Account) => {
      while (next < jobs.length) {
        const j = jobs[next++]!;
        const problems = await crashAndRerun(lane, j.playbook, j.stepId, j.p).catch((err: Error) => [
          `threw: ${err.message}`,
        ]);
        settled.get(j.key)!(problems.map((x) => `${j.key}: ${x}`));
      }
    };
    for (const lane of lanes) void worker(lane);
  }
  for (const { playbook, step, points: all } of planned) {
    const points = all.filter((p) => !KNOWN_BUGS[`${playbook}:${step.id}:${p}`]);
    if (points.length === 0) continue;
    it(`${playbook} ${step.id}: killed when ${points.join(", ")}; the rerun completes the same case, no duplicates`, async () => {
      const problems = (
        await Promise.all(points.map((p) => outcomes.get(`${playbook}:${step.id}:${p}`)!))
      ).flat();
      if (problems.length > 0) process.stderr.write(`${problems.join("\n")}\n`);
      expect(problems).to.deep.equal([]);
    });
  }
  // Known bugs: the failing kill, skipped until the production code is fixed. Un-skipped, it runs alone
  // on lane 0 once every pooled kill finished.
  for (const { playbook, step, points } of planned)
    for (const p of points.filter((x) => KNOWN_BUGS[`${playbook}:${step.id}:${x}`]))
      it.skip(`${playbook} ${step.id}: killed when ${p}; the rerun completes the same case (KNOWN BUG: ${KNOWN_BUGS[`${playbook}:${step.id}:${p}`]})`, async () => {
        await Promise.all(outcomes.values());
        expect(await crashAndRerun(lanes[0]!, playbook, step.id, p)).to.deep.equal([]);
      });

  /** A volume from the case's first snapshot, tagged as its evidence volume (what a duplicate looks like). */
  async function evidenceVolumeFor(lane: Account, caseId: string): Promise<string> {
    const snapshot = (
      await lane.clients.ec2.send(
        new DescribeSnapshotsCommand({ Filters: [{ Name: `tag:${TAG.caseId}`, Values: [caseId] }] }),
      )
    ).Snapshots![0]!;
    const made = await lane.clients.ec2.send(
      new CreateVolumeCommand({
        SnapshotId: snapshot.SnapshotId,
        AvailabilityZone: `${TEST_REGION}a`,
        TagSpecifications: [
          {
            ResourceType: "volume",
            Tags: [
              { Key: TAG.caseId, Value: caseId },
              { Key: TAG.role, Value: ROLE_TAG_VALUES.evidenceVolume },
            ],
          },
        ],
      }),
    );
    return made.VolumeId!;
  }

  it("the checks catch a second launch-template version for a case, an evidence volume too many, and one --stop left", async function () {
    await Promise.all(outcomes.values());
    const r = completed.recover;
    const i = completed.investigate;
    if (!r || !i) this.skip();
    const { lane, caseId, instanceId } = r!;
    const group = (
      await lane.clients.autoscaling.send(
        new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [lane.world.asgName] }),
      )
    ).AutoScalingGroups![0]!;
    await lane.clients.ec2.send(
      new CreateLaunchTemplateVersionCommand({
        LaunchTemplateId: group.LaunchTemplate!.LaunchTemplateId,
        VersionDescription: versionDescription(caseId, good),
        LaunchTemplateData: { ImageId: good },
      }),
    );
    const entries = (await journalOf(lane.clients, lane.settings, caseId)).entries;
    expect(await recoverProblems(lane, { caseId, instanceId, amiId: good }, entries)).to.deep.equal([
      `2 launch-template versions for ${caseId} (expected 1)`,
    ]);
    const extra = { VolumeId: await evidenceVolumeFor(i!.lane, i!.caseId) };
    const problems = await investigateProblems(i!.lane, i!.caseId);
    expect(problems).to.include.members([
      "2 evidence volumes for 1 snapshots (expected one each)",
      `volume ${extra.VolumeId} is detached on nothing`,
    ]);
    // --stop's check: a volume left behind, and a snapshot count that is not the case's, are reported.
    const s = completed.stop;
    if (s) {
      const left = await evidenceVolumeFor(s.lane, s.caseId);
      expect(await stopProblems(s.lane, { ...s, snapshots: 2 })).to.deep.equal([
        `evidence volume ${left} was not deleted`,
        "1 evidence snapshots left of 2: --stop must keep them",
      ]);
    }
  });
});
