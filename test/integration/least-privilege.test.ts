/**
 * Least privilege, proven (issue 7): record every AWS action the automation calls (the client factory's
 * middleware, one recorder for everything below) and compare with the responder policy the baseline
 * generates from facts/responder-actions.ts. The test fails when an action is called but not granted
 * (the responder would be denied in production) and when an action is granted but never called, unless
 * `NOT_REACHED_BY_GAMEDAY` (test/helpers/least-privilege.ts) names the path and why the emulator cannot
 * play it. Paths: bootstrap (plain and --forensic), plan, respond (detach, standby, no profile, Elastic
 * IP), status, release, and a whole game day (respond, investigate, analyze, recover, terminate, verify,
 * report) through the same library calls `ir` makes.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PutLifecycleHookCommand } from "@aws-sdk/client-auto-scaling";
import { expect } from "chai";
import { MemoryRecorder } from "../../automation/aws/clients";
import { bootstrap } from "../../automation/bootstrap/bootstrap";
import { bootstrapForensic } from "../../automation/bootstrap/forensic";
import { setLifecycleState } from "../../automation/emulator/strict/rules/asg-lifecycle-state";
import { runGameday } from "../../automation/gameday/run";
import { SCENARIOS } from "../../automation/gameday/scenarios";
import { release } from "../../automation/respond/release";
import { respond } from "../../automation/respond/respond";
import { caseStatus } from "../../automation/respond/status";
import { leastPrivilegeGaps } from "../helpers/least-privilege";
import { motoServer, responderClients, strictLayer, TEST_ACCOUNT } from "../helpers/moto";
import { setupAccount } from "../helpers/responder";
import { ssmManagedInstanceCoreStandIn } from "../helpers/ssm-policy";

describe("least privilege: every recorded call against moto vs the generated responder policy (integration)", function () {
  this.timeout(300_000);
  const used = new Set<string>();

  it("bootstrap, plan, respond (detach, standby, no profile, Elastic IP), status and release call only granted actions", async () => {
    const a = await setupAccount({ bare: true });
    const recorder = new MemoryRecorder();
    // Signed as the responder role: the strict layer authorises each call against the generated policy.
    const clients = responderClients(a.endpoint, a.responderCredentials, { recorder });
    await bootstrap({ clients, settings: a.settings, vpcIds: [a.world.vpcId], dryRun: true });
    await bootstrap({ clients, settings: a.settings, vpcIds: [a.world.vpcId] });
    const ssmPolicyArn = await ssmManagedInstanceCoreStandIn(a.clients.iam);
    await bootstrapForensic({ clients, amiId: a.world.imageId, ssmPolicyArn });
    const t = (instanceId: string) => ({ instanceId, source: { kind: "argument" as const } });
    await respond({ targets: [t(a.world.solo)], settings: a.settings, clients, dryRun: true });
    // A member a termination lifecycle hook holds: containment sends the hook a heartbeat.
    const held = a.world.asgInstances[2]!;
    await a.clients.autoscaling.send(
      new PutLifecycleHookCommand({
        AutoScalingGroupName: a.world.asgName,
        LifecycleHookName: "drain",
        LifecycleTransition: "autoscaling:EC2_INSTANCE_TERMINATING",
        HeartbeatTimeout: 300,
      }),
    );
    setLifecycleState((await strictLayer()).ctx, TEST_ACCOUNT, held, "Terminating:Wait");
    const detached = await respond({
      targets: [t(a.world.asgInstances[0]!), t(a.world.solo), t(a.world.noProfile), t(held)],
      settings: a.settings,
      clients,
      options: { dwellMs: 0 },
    });
    const standby = await respond({
      targets: [t(a.world.asgInstances[1]!)],
      settings: a.settings,
      clients,
      options: { dwellMs: 0, asgAction: "standby" },
    });
    for (const r of [...detached, ...standby]) {
      expect(
        r.status,
        `${r.instanceId}: ${r.error ?? JSON.stringify(r.steps.filter((s) => s.status !== "verified"))}`,
      ).to.equal("contained");
      await caseStatus({ ref: r.caseId!, settings: a.settings, clients });
      const rel = await release({ caseId: r.caseId!, settings: a.settings, clients });
      expect(
        rel.status,
        JSON.stringify(rel.steps.filter((s) => s.status !== "verified" && s.status !== "skipped")),
      ).to.equal("released");
    }
    setLifecycleState((await strictLayer()).ctx, TEST_ACCOUNT, held, undefined);
    clients.destroy();
    for (const x of recorder.actions()) used.add(x);
    expect(leastPrivilegeGaps(used).missing, "called but not granted").to.deep.equal([]);
  });

  it("the three game days (respond, investigate, analyze, recover, terminate, verify, report) call only granted actions", async () => {
    const moto = await motoServer();
    const result = await runGameday(
      {
        scenarios: Object.values(SCENARIOS),
        endpoint: moto.endpoint,
        latencyMs: 0,
        dwellMs: 0,
        keep: false,
        reportDir: mkdtempSync(join(tmpdir(), "lp-gameday-")),
        json: true,
        healthTimeoutMs: 20_000,
      },
      { out: () => undefined, err: () => undefined },
    );
    const bad = result.scenarios.flatMap((s) =>
      s.checks.filter((c) => !c.ok).map((c) => `${c.id}: ${c.detail}`),
    );
    expect(bad, "the game day must be green for its calls to count").to.deep.equal([]);
    for (const s of result.scenarios) for (const x of s.actions) used.add(x);
    expect(leastPrivilegeGaps(used).missing, "called but not granted").to.deep.equal([]);
  });

  it("the policy grants nothing the automation never calls (every exception names its path and reason)", () => {
    const gaps = leastPrivilegeGaps(used);
    expect(gaps.policyMatchesFacts, "the generated policy allows exactly RESPONDER_ACTIONS").to.equal(true);
    expect(gaps.missing, "called but not granted").to.deep.equal([]);
    expect(
      gaps.unused,
      "granted but never called: remove it from facts/responder-actions.ts, or explain it",
    ).to.deep.equal([]);
    expect(gaps.staleExplanations, "explained as out of reach, yet called").to.deep.equal([]);
  });
});
