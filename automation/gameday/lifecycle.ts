/**
 * One scenario, start to finish, through the same library calls users' commands make:
 * attack (findings, attacker actions) → respond → investigate → analyze → recover (which terminates the
 * compromised instance once the evidence verified and the fleet is healthy). After each phase the
 * checks of that phase read the emulated account (checks.ts). A phase whose module is not in this build
 * is reported as such and its check fails.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DescribeInstancesCommand } from "@aws-sdk/client-ec2";
import { type Target, targetsFromFinding } from "../input/targets";
import { type CaseResult, respond } from "../respond/respond";
import { DEFAULT_COLLECT_LOGS } from "../steps/collect-logs";
import { DEFAULT_MEMORY } from "../steps/memory";
import type { GamedayAccount } from "./account";
import { EMULATOR_CREDENTIALS } from "./account";
import { deliverFindings } from "./auto-containment";
import { type Check, containmentChecks, finalChecks, investigationChecks } from "./checks";
import { type GuardDutyEvent, guardDutyEvent, type Victim } from "./findings";
import { deliverFlows } from "./flow-logs";
import type { AnalyzeResult, InvestigateResult, Loaded, PhaseApi, RecoverResult } from "./phases";
import type { AttackerTrace, Scenario } from "./scenarios";
import { publishNewerAmi } from "./seed";
import type { Phase, Timeline } from "./timeline";

/**
 * The capture's settings on the emulated host: polls every 250 ms (the host answers in a second, not
 * minutes), 5 MiB parts and two parts per URL batch, so a 12 MiB image is streamed in three parts
 * through two batches.
 */
const GAMEDAY_CAPTURE = {
  memory: {
    ...DEFAULT_MEMORY,
    pollMs: 250,
    minPartBytes: 5 * 1024 * 1024,
    urls: { partsPerBatch: 2, urlTtlMs: 3_600_000 },
  },
  collectLogs: { ...DEFAULT_COLLECT_LOGS, pollMs: 250 },
  ssmReach: { boundMs: 30_000, pollMs: 250 },
};

export interface LifecycleOptions {
  endpoint: string;
  /** An SSM agent answers on the hosts (the strict layer): memory and logs must then be captured. */
  hostAgent: boolean;
  dwellMs: number;
  /** Where the findings are written (what `ir respond <file>` would be given). */
  findingsDir: string;
  /** Bound of recovery's wait for target health. */
  healthTimeoutMs: number;
  /** Tests: runs before each set of checks (e.g. to break something and see the check fail). */
  beforeChecks?: (stage: "contained" | "investigated" | "final", run: ScenarioRun) => Promise<void>;
}

export interface ScenarioRun {
  scenario: Scenario;
  /** An SSM agent answers on the hosts (the strict layer): memory and logs must be captured. */
  hostAgent: boolean;
  account: GamedayAccount;
  victim: Victim;
  findings: GuardDutyEvent[];
  /** When the compromise began (earliest first sighting). */
  began: Date;
  trace: AttackerTrace;
  respondStartedAt?: Date;
  respond?: CaseResult;
  investigate?: InvestigateResult;
  analyze?: AnalyzeResult;
  recover?: RecoverResult;
  caseId?: string;
  notes: string[];
  checks: Check[];
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function readVictim(a: GamedayAccount, instanceId: string): Promise<Victim> {
  const res = await a.world.ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
  const i = res.Reservations![0]!.Instances![0]!;
  const eni = i.NetworkInterfaces![0]!;
  return {
    accountId: a.accountId,
    region: a.clients.region,
    instanceId,
    imageId: i.ImageId!,
    instanceType: i.InstanceType!,
    availabilityZone: i.Placement!.AvailabilityZone!,
    launchTime: i.LaunchTime!.toISOString(),
    profileArn: a.workload.profileArn,
    roleName: a.workload.roleName,
    eniId: eni.NetworkInterfaceId!,
    privateIp: eni.PrivateIpAddress!,
    subnetId: eni.SubnetId!,
    vpcId: eni.VpcId!,
    groups: (eni.Groups ?? []).map((g) => ({ groupId: g.GroupId!, groupName: g.GroupName! })),
  };
}

/** The response starts from the last finding, as `ir respond finding.json` would: same parser, no fallback. */
function targetOf(run: ScenarioRun, file: string): Target {
  return targetsFromFinding(run.findings.at(-1)!, file)[0]!;
}

/** Runs a phase if its module is in this build; records "not available" otherwise. */
async function phase<F, R extends { status: string; error?: string; notes?: string[] }>(
  t: Timeline,
  name: Phase,
  loaded: Loaded<F>,
  call: (fn: F) => Promise<R>,
  run: ScenarioRun,
): Promise<R | undefined> {
  if ("missing" in loaded) {
    t.add(name, name, "unavailable", loaded.missing);
    return undefined;
  }
  t.add(name, `${name}-start`, "started");
  try {
    const r = await call(loaded.fn);
    t.add(name, name, r.status, r.error);
    for (const n of r.notes ?? []) run.notes.push(`${name}: ${n}`);
    return r;
  } catch (err) {
    t.add(name, name, "error", (err as Error).message);
    run.notes.push(`${name} threw: ${(err as Error).message}`);
    return undefined;
  }
}

export async function playScenario(
  scenario: Scenario,
  account: GamedayAccount,
  phases: PhaseApi,
  t: Timeline,
  o: LifecycleOptions,
): Promise<ScenarioRun> {
  const { clients, settings } = account;
  const victimId = account.workload.instances[scenario.victimIndex]!;
  // The compromise begins after the known-good version was published (SSM stamps it at write time).
  await pause(5);
  const began = new Date();
  const run: ScenarioRun = {
    scenario,
    hostAgent: o.hostAgent,
    account,
    victim: await readVictim(account, victimId),
    findings: [],
    began,
    trace: { notes: [] },
    notes: [],
    checks: [],
  };
  t.add("attack", "compromise-begins", "observed", `${scenario.title} on ${victimId}`, began.getTime());
  if (scenario.act) {
    run.trace = await scenario.act({
      victim: run.victim,
      endpoint: o.endpoint,
      credentials: EMULATOR_CREDENTIALS,
    });
    for (const n of run.trace.notes) t.add("attack", "attacker-action", "done", n);
  }
  // IAM compares aws:TokenIssueTime in whole seconds: let the response start in a later second than
  // the attack, as it always does outside a compressed game day.
  await pause(1005 - (Date.now() % 1000));
  const lastSeen = new Date();
  const flows = await deliverFlows(
    account.world,
    account.flowLogs,
    run.victim,
    scenario.flows,
    began,
    lastSeen,
  );
  if (flows)
    t.add("attack", "flow-logs-delivered", "done", `${flows} record(s) to s3://${account.flowLogs.bucket}`);
  run.findings = scenario.findings(run.victim, began, lastSeen).map((f) => guardDutyEvent(run.victim, f));
  mkdirSync(o.findingsDir, { recursive: true });
  const file = join(o.findingsDir, `${scenario.id}-finding.json`);
  writeFileSync(file, `${JSON.stringify(run.findings.at(-1), null, 2)}\n`);
  for (const f of run.findings)
    t.add(
      "attack",
      "guardduty-finding",
      `sev ${f.detail.severity}`,
      f.detail.type,
      Date.parse(f.detail.service.eventFirstSeen),
    );
  // GuardDuty → EventBridge → the auto-containment function (approve mode): the baseline's rule must
  // deliver the finding; the responder then approves by running `ir respond` below.
  run.checks.push(await deliverFindings(account, run.findings, run.victim.instanceId, t));
  // A golden image published during the incident: recovery must not pick it.
  await pause(5);
  const newer = await publishNewerAmi(account.world, account.workload);
  t.add(
    "attack",
    "newer-ami-published",
    "done",
    `${newer} as the newest version of ${account.workload.parameter}`,
  );

  const target = targetOf(run, file);
  t.add("respond", "respond-start", "started", `ir respond --decrement-capacity ${file}`);
  run.respondStartedAt = new Date();
  const [result] = await respond({
    targets: [target],
    settings,
    clients,
    // --decrement-capacity: no replacement from the fleet's pre-incident image; recovery gives the
    // capacity back from the known-good AMI.
    options: { dwellMs: o.dwellMs, decrementCapacity: true },
    observe: t.observer("respond"),
    ...GAMEDAY_CAPTURE,
  });
  run.respond = result;
  run.caseId = result?.caseId;
  t.add("respond", "respond", result?.status ?? "error", result?.error);
  for (const n of result?.notes ?? []) run.notes.push(`respond: ${n}`);
  await o.beforeChecks?.("contained", run);
  run.checks.push(...(await containmentChecks(run)));
  const caseId = run.caseId;
  if (!caseId || !result || result.status === "invalid" || result.status === "error") return run;

  const req = { caseId, settings, clients };
  run.investigate = await phase(
    t,
    "investigate",
    phases.investigate,
    (fn) => fn({ ...req, owner: "gameday", ttlHours: 1, observe: t.observer("investigate") }),
    run,
  );
  await o.beforeChecks?.("investigated", run);
  run.checks.push(...(await investigationChecks(run, phases)));
  run.analyze = await phase(
    t,
    "analyze",
    phases.analyzeCase,
    (fn) => fn({ ...req, observe: t.observer("analyze") }),
    run,
  );
  if (run.investigate?.workstation && "fn" in phases.stopInvestigation) {
    const stopped = await phases.stopInvestigation
      .fn(req)
      .catch((err: Error) => ({ status: `error: ${err.message}` }));
    t.add("investigate", "stop-investigation", stopped.status);
  }
  run.recover = await phase(
    t,
    "recover",
    phases.recover,
    (fn) =>
      fn({
        ...req,
        via: "asg",
        before: began.toISOString(),
        healthTimeoutMs: o.healthTimeoutMs,
        terminate: "yes",
        observe: t.observer("recover"),
      }),
    run,
  );
  await o.beforeChecks?.("final", run);
  run.checks.push(...(await finalChecks(run, phases)));
  return run;
}
