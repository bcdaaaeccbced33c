/**
 * One chaos run: a fresh emulated account seeded directly on moto, then the whole game-day lifecycle
 * (respond → investigate → analyze → recover, which terminates) with the responder's clients going
 * through the fault proxy and the production retry policy; stages that end incomplete are rerun as an
 * operator would (chaos-rerun.ts), a bounded number of times. Afterwards the account is read directly
 * (never through the proxy): the game day's own checks, duplicate resources compared with a fault-free
 * run, and the case journal's hash chain.
 */
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  DescribeInstancesCommand,
  DescribeLaunchTemplateVersionsCommand,
  DescribeSecurityGroupsCommand,
  DescribeSnapshotsCommand,
  DescribeVolumesCommand,
} from "@aws-sdk/client-ec2";
import { ListInstanceProfilesCommand, ListRolePoliciesCommand } from "@aws-sdk/client-iam";
import { AwsClients } from "../../automation/aws/clients";
import {
  accountClients,
  EMULATOR_CREDENTIALS,
  GAMEDAY_REGION,
  prepareAccount,
} from "../../automation/gameday/account";
import { playScenario } from "../../automation/gameday/lifecycle";
import { loadPhases } from "../../automation/gameday/phases";
import type { Scenario } from "../../automation/gameday/scenarios";
import { Timeline } from "../../automation/gameday/timeline";
import { verifyChain } from "../../automation/journal/chain";
import { findCase, openJournals } from "../../automation/journal/open";
import { TAG } from "../../facts/tags";
import type { FaultProxy } from "../helpers/fault-proxy";
import { rerunUntilDone, type StageMarks } from "./chaos-rerun";

/** What a run left in the account, counted by kind (a fault-free run gives the expected counts). */
export type Shape = Record<string, number>;

export interface ChaosResult {
  accountId: string;
  caseId?: string;
  ms: number;
  /** Every game-day check passed after the first pass of the lifecycle. */
  firstPass: boolean;
  /** Rounds of operator reruns (of the failing stages only) it took; 0 when the first pass completed. */
  reruns: number;
  /** Every game-day check passed in the end. */
  completed: boolean;
  failedChecks: string[];
  shape: Shape;
  chainOk: boolean;
  chainProblem?: string;
  notes: string[];
  /** What went wrong in the first pass: steps that did not verify, and stage errors (for the bench log). */
  firstPassProblems: string[];
  /** Step runs the engine ran again after a transient AWS error (`retrying` entries in the case journal). */
  stepRetries: number;
  /** Changes the engine re-applied after finding them undone (`reapplied` entries in the case journal). */
  reapplied: number;
  /** The most attempts one step's run took in this run (1 when nothing was retried). */
  mostAttempts: number;
  /** The step that took them (absent when nothing was retried). */
  mostAttemptsStep?: string;
}

/** The most attempts one step's run took (its highest `retrying` attempt, plus the one after), and which. */
export function mostAttemptsOf(entries: { stepId: string; event: string; data?: unknown }[]): {
  attempts: number;
  step?: string;
} {
  let most: { attempts: number; step?: string } = { attempts: 1 };
  for (const e of entries) {
    if (e.event !== "retrying") continue;
    const attempts = Number((e.data as { attempt?: number })?.attempt ?? 0) + 1;
    if (attempts > most.attempts) most = { attempts, step: e.stepId };
  }
  return most;
}

/** Steps of every stage that did not end verified or skipped, and each stage's error, one line each. */
export function problemsOf(run: {
  respond?: { steps?: { id: string; status: string; detail?: string }[]; error?: string };
  investigate?: { steps?: { id: string; status: string; detail?: string }[]; error?: string };
  analyze?: { steps?: { id: string; status: string; detail?: string }[]; error?: string };
  recover?: { steps?: { id: string; status: string; detail?: string }[]; error?: string };
}): string[] {
  const out: string[] = [];
  for (const [stage, r] of Object.entries({
    respond: run.respond,
    investigate: run.investigate,
    analyze: run.analyze,
    recover: run.recover,
  })) {
    if (!r) continue;
    if (r.error) out.push(`${stage}: ${r.error}`.slice(0, 300));
    for (const s of r.steps ?? [])
      if (s.status !== "verified" && s.status !== "skipped")
        out.push(`${stage}/${s.id} ${s.status}: ${s.detail ?? ""}`.slice(0, 300));
  }
  return out;
}

/** Counts what a duplicate would show up in, read straight from moto. */
export async function shapeOf(
  direct: AwsClients,
  caseId: string | undefined,
  w: { vpcId: string; roleName: string; launchTemplateName: string },
): Promise<Shape> {
  const byCase = caseId ? [{ Name: `tag:${TAG.caseId}`, Values: [caseId] }] : [];
  const [snaps, groups, volumes, instances, ltv, policies, profiles] = await Promise.all([
    caseId
      ? direct.ec2
          .send(new DescribeSnapshotsCommand({ Filters: byCase }))
          .then((r) => r.Snapshots?.length ?? 0)
      : 0,
    direct.ec2
      .send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: "vpc-id", Values: [w.vpcId] }] }))
      .then((r) => r.SecurityGroups ?? []),
    caseId
      ? direct.ec2.send(new DescribeVolumesCommand({ Filters: byCase })).then((r) => r.Volumes?.length ?? 0)
      : 0,
    caseId
      ? direct.ec2
          .send(
            new DescribeInstancesCommand({
              Filters: [...byCase, { Name: `tag:${TAG.role}`, Values: ["*"] }],
            }),
          )
          .then((r) => r.Reservations?.flatMap((x) => x.Instances ?? []).length ?? 0)
      : 0,
    direct.ec2
      .send(new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateName: w.launchTemplateName }))
      .then((r) => r.LaunchTemplateVersions?.length ?? 0),
    direct.iam.send(new ListRolePoliciesCommand({ RoleName: w.roleName })).then((r) => r.PolicyNames ?? []),
    direct.iam.send(new ListInstanceProfilesCommand({})).then((r) => r.InstanceProfiles ?? []),
  ]);
  const irGroups = groups.filter((g) => g.GroupName?.startsWith("ir-"));
  return {
    snapshots: snaps,
    "isolation groups": irGroups.length,
    "duplicate group names": irGroups.length - new Set(irGroups.map((g) => g.GroupName)).size,
    "evidence volumes": volumes,
    workstations: instances,
    "launch template versions": ltv,
    "deny policies": caseId ? policies.filter((p) => p.includes(caseId)).length : 0,
    "deny-all profiles": profiles.filter((p) => p.InstanceProfileName === "ir-deny-all").length,
  };
}

/** Kinds where this run left more than the fault-free run did. */
export function duplicatesOf(shape: Shape, expected: Shape): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(shape)) if (v > (expected[k] ?? 0)) out[k] = v - (expected[k] ?? 0);
  return out;
}

export async function chaosRun(o: {
  maxReruns?: number;
  moto: string;
  proxy?: FaultProxy;
  scenario: Scenario;
  accountId: string;
  stateDir?: string;
}): Promise<ChaosResult> {
  const stateDir = o.stateDir ?? join(tmpdir(), "ir-chaos");
  // The chaos runs act as the account's administrator (through the fault proxy), not as the responder
  // role: the evidence bucket policy, which lets only the responder write, stays off.
  const account = await prepareAccount({
    endpoint: o.moto,
    accountId: o.accountId,
    stateDir,
    latencyMs: 0,
    evidencePolicy: false,
  });
  const direct = accountClients({ endpoint: o.moto, accountId: o.accountId, stateDir, latencyMs: 0 });
  // The responder's clients: through the proxy, with the retry policy a real responder has.
  const faulty = o.proxy
    ? new AwsClients({
        endpoint: o.proxy.endpoint,
        region: GAMEDAY_REGION,
        credentials: EMULATOR_CREDENTIALS,
        headers: { "x-moto-account-id": o.accountId },
      })
    : account.clients;
  const started = Date.now();
  try {
    const t = new Timeline(started);
    const marks: StageMarks = {};
    // A short lease: a run that ended in an error without releasing it is taken over in seconds.
    const settings = { ...account.settings, leaseMs: 5000 };
    const run = await playScenario(
      { ...o.scenario, accountId: o.accountId },
      { ...account, settings, clients: faulty },
      loadPhases(),
      t,
      {
        endpoint: o.moto,
        // Faults may cost a capture its upload: the chaos runs check containment and the journal.
        hostAgent: false,
        dwellMs: 0,
        findingsDir: join(stateDir, o.accountId),
        healthTimeoutMs: 60_000,
        beforeChecks: async (stage, r) => {
          if (stage !== "contained") marks[stage] = r.checks.length;
        },
      },
    );
    const firstPass = run.checks.length > 0 && run.checks.every((c) => c.ok);
    const firstPassProblems = problemsOf(run);
    const reruns = await rerunUntilDone(run, loadPhases(), marks, {
      maxReruns: o.maxReruns ?? 3,
      healthTimeoutMs: 60_000,
    });
    const ms = Date.now() - started;
    const failedChecks = run.checks.filter((c) => !c.ok).map((c) => `${c.title}: ${c.detail}`);
    const shape = await shapeOf(direct, run.caseId, account.workload);
    let chainOk = false;
    let chainProblem: string | undefined = "no case";
    let stepRetries = 0;
    let reapplied = 0;
    let mostAttempts = 1;
    let mostAttemptsStep: string | undefined;
    if (run.caseId) {
      const found = await findCase(openJournals(direct, account.settings), run.caseId);
      const check = found ? verifyChain(found.entries) : { ok: false, problem: "case not in the journal" };
      chainOk = check.ok;
      chainProblem = check.problem;
      stepRetries = found?.entries.filter((e) => e.event === "retrying").length ?? 0;
      reapplied = found?.entries.filter((e) => e.event === "reapplied").length ?? 0;
      ({ attempts: mostAttempts, step: mostAttemptsStep } = mostAttemptsOf(found?.entries ?? []));
    }
    return {
      accountId: o.accountId,
      ...(run.caseId ? { caseId: run.caseId } : {}),
      ms,
      firstPass,
      reruns,
      completed: run.checks.length > 0 && failedChecks.length === 0,
      failedChecks,
      shape,
      chainOk,
      ...(chainProblem ? { chainProblem } : {}),
      notes: run.notes,
      firstPassProblems,
      stepRetries,
      reapplied,
      mostAttempts,
      ...(mostAttemptsStep ? { mostAttemptsStep } : {}),
    };
  } finally {
    if (faulty !== account.clients) faulty.destroy();
    account.clients.destroy();
    account.world.destroy();
    direct.destroy();
  }
}
