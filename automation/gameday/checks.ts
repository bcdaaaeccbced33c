/**
 * The game day's verdict. Every check reads the emulated account (EC2, IAM, S3, Auto Scaling, ELB, the
 * journal table) and never trusts what the tool reported about itself: the responder could claim
 * "verified" and still be wrong, which is exactly what a game day is for. Checks run at the point where
 * their evidence exists: containment right after respond (a terminated instance has no ENIs left to
 * inspect), the workstation before it is stopped, recovery and termination at the end.
 */
import {
  DescribeAutoScalingGroupsCommand,
  DescribeAutoScalingInstancesCommand,
} from "@aws-sdk/client-auto-scaling";
import {
  DescribeIamInstanceProfileAssociationsCommand,
  DescribeInstancesCommand,
  DescribeLaunchTemplateVersionsCommand,
  DescribeNetworkInterfacesCommand,
  DescribeSnapshotsCommand,
  DescribeVolumesCommand,
} from "@aws-sdk/client-ec2";
import { DescribeTargetHealthCommand } from "@aws-sdk/client-elastic-load-balancing-v2";
import { GetRolePolicyCommand } from "@aws-sdk/client-iam";
import { revokePolicyName } from "../../facts/names";
import { TAG } from "../../facts/tags";
import { verifyChain } from "../journal/chain";
import { findCase, openJournals } from "../journal/open";
import { checkEvidence } from "./check-evidence";
import type { ScenarioRun } from "./lifecycle";
import type { PhaseApi } from "./phases";

export interface Check {
  id: string;
  stage: "contained" | "investigated" | "final";
  title: string;
  ok: boolean;
  detail: string;
}

type Stage = Check["stage"];
const pass = (stage: Stage, id: string, title: string, detail: string): Check => ({
  id,
  stage,
  title,
  ok: true,
  detail,
});
const fail = (stage: Stage, id: string, title: string, detail: string): Check => ({
  id,
  stage,
  title,
  ok: false,
  detail,
});

/** Runs one check; an exception is a failed check with its message, never a crash of the game day. */
async function guarded(stage: Stage, id: string, title: string, body: () => Promise<Check>): Promise<Check> {
  try {
    return await body();
  } catch (err) {
    return fail(stage, id, title, `could not be checked: ${(err as Error).name}: ${(err as Error).message}`);
  }
}

async function isolated(run: ScenarioRun): Promise<Check> {
  const title = "every ENI is in the isolation group only";
  const want = run.account.settings.isolationGroups[run.victim.vpcId]?.isolation;
  const res = await run.account.world.ec2.send(
    new DescribeNetworkInterfacesCommand({
      Filters: [{ Name: "attachment.instance-id", Values: [run.victim.instanceId] }],
    }),
  );
  const enis = res.NetworkInterfaces ?? [];
  const wrong = enis.filter((n) => (n.Groups ?? []).map((g) => g.GroupId).join(",") !== want);
  if (!want || enis.length === 0 || wrong.length > 0)
    return fail(
      "contained",
      "isolated",
      title,
      `isolation group ${want ?? "unknown"}; ${wrong.map((n) => `${n.NetworkInterfaceId} in ${(n.Groups ?? []).map((g) => g.GroupId).join(", ")}`).join("; ") || "no ENI found"}`,
    );
  return pass("contained", "isolated", title, `${enis.length} ENI(s) in ${want}`);
}

async function outOfService(run: ScenarioRun): Promise<Check> {
  const title = "out of the Auto Scaling group and the target group";
  const c = run.account.world;
  const asg = await c.autoscaling.send(
    new DescribeAutoScalingInstancesCommand({ InstanceIds: [run.victim.instanceId] }),
  );
  const health = await c.elbv2.send(
    new DescribeTargetHealthCommand({ TargetGroupArn: run.account.workload.targetGroupArn }),
  );
  const registered = (health.TargetHealthDescriptions ?? []).filter(
    (d) => d.Target?.Id === run.victim.instanceId && d.TargetHealth?.State !== "draining",
  );
  const inAsg = (asg.AutoScalingInstances ?? []).length > 0;
  if (inAsg || registered.length > 0)
    return fail(
      "contained",
      "out-of-service",
      title,
      `${inAsg ? "still in the ASG" : ""}${inAsg && registered.length ? "; " : ""}${registered.length ? "still a target" : ""}`,
    );
  return pass("contained", "out-of-service", title, "detached and deregistered");
}

interface DenyStatement {
  Effect: string;
  Condition: {
    DateLessThan: Record<string, string>;
    ArnEquals?: Record<string, string>;
    StringEquals?: Record<string, string>;
  };
}

async function credentialsRevoked(run: ScenarioRun): Promise<Check> {
  const title = "role sessions issued before the response are denied (aws:TokenIssueTime)";
  const policyName = revokePolicyName(run.caseId!);
  const res = await run.account.world.iam.send(
    new GetRolePolicyCommand({ RoleName: run.account.workload.roleName, PolicyName: policyName }),
  );
  const doc = JSON.parse(decodeURIComponent(res.PolicyDocument!)) as { Statement: DenyStatement[] };
  const deny = doc.Statement.find(
    (s) => s.Effect === "Deny" && s.Condition?.DateLessThan?.["aws:TokenIssueTime"],
  );
  if (!deny)
    return fail(
      "contained",
      "credentials-revoked",
      title,
      `${policyName} has no Deny with DateLessThan aws:TokenIssueTime`,
    );
  const cutoff = new Date(deny.Condition.DateLessThan["aws:TokenIssueTime"]);
  const scope = JSON.stringify(deny.Condition.ArnEquals ?? deny.Condition.StringEquals ?? {});
  const stolen = run.trace.stolenSessionIssuedAt;
  if (Number.isNaN(cutoff.getTime()) || cutoff < run.began)
    return fail(
      "contained",
      "credentials-revoked",
      title,
      `cut-off ${deny.Condition.DateLessThan["aws:TokenIssueTime"]} is before the compromise began`,
    );
  if (stolen && !(cutoff > stolen))
    return fail(
      "contained",
      "credentials-revoked",
      title,
      `the stolen session (issued ${stolen.toISOString()}) is not older than the cut-off ${cutoff.toISOString()}`,
    );
  if (deny.Condition.ArnEquals && !scope.includes(run.victim.instanceId))
    return fail(
      "contained",
      "credentials-revoked",
      title,
      `deny is scoped to ${scope}, not to ${run.victim.instanceId}`,
    );
  return pass(
    "contained",
    "credentials-revoked",
    title,
    `${policyName}: sessions before ${cutoff.toISOString()} denied${stolen ? ", the stolen session included" : ""}${deny.Condition.ArnEquals ? ", scoped to this instance" : ", whole role"}`,
  );
}

async function profileSwapped(run: ScenarioRun): Promise<Check> {
  const title = "instance profile swapped to the deny-all profile";
  const res = await run.account.world.ec2.send(
    new DescribeIamInstanceProfileAssociationsCommand({
      Filters: [{ Name: "instance-id", Values: [run.victim.instanceId] }],
    }),
  );
  const arn =
    res.IamInstanceProfileAssociations?.find((a) => a.State === "associated")?.IamInstanceProfile?.Arn ??
    "none";
  const want = `:instance-profile/${run.account.settings.denyAllInstanceProfile}`;
  return arn.endsWith(want)
    ? pass("contained", "profile-swapped", title, arn)
    : fail("contained", "profile-swapped", title, `associated profile is ${arn}`);
}

async function journalChain(run: ScenarioRun, stage: Stage): Promise<Check> {
  const title = "case journal hash chain intact";
  const found = await findCase(openJournals(run.account.world, run.account.settings), run.caseId!);
  if (!found) return fail(stage, `journal-${stage}`, title, `case ${run.caseId} not found in the journal`);
  const chain = verifyChain(found.entries);
  return chain.ok
    ? pass(stage, `journal-${stage}`, title, `${found.entries.length} entries in ${found.journal.location}`)
    : fail(stage, `journal-${stage}`, title, chain.problem ?? "broken");
}

export async function containmentChecks(run: ScenarioRun): Promise<Check[]> {
  if (!run.caseId)
    return [
      fail("contained", "respond", "respond opened a case", run.respond?.error ?? "no case was opened"),
    ];
  const g = (id: string, title: string, f: () => Promise<Check>) => guarded("contained", id, title, f);
  return Promise.all([
    g("isolated", "every ENI is in the isolation group only", () => isolated(run)),
    g("out-of-service", "out of the Auto Scaling group and the target group", () => outOfService(run)),
    g("credentials-revoked", "role sessions issued before the response are denied", () =>
      credentialsRevoked(run),
    ),
    g("profile-swapped", "instance profile swapped to the deny-all profile", () => profileSwapped(run)),
    g("evidence", "evidence complete, hashes match, manifest locked", () => checkEvidence(run, "contained")),
    g("journal-contained", "case journal hash chain intact", () => journalChain(run, "contained")),
  ]);
}

export async function investigationChecks(run: ScenarioRun, phases: PhaseApi): Promise<Check[]> {
  const title = "forensic workstation in the forensic VPC with the case's snapshots attached";
  if ("missing" in phases.investigate)
    return [fail("investigated", "workstation", title, phases.investigate.missing)];
  return [
    await guarded("investigated", "workstation", title, async () => {
      const ws = run.investigate?.workstation;
      if (!ws)
        return fail(
          "investigated",
          "workstation",
          title,
          `investigate ended ${run.investigate?.status ?? "in an error"}: ${run.investigate?.error ?? "no workstation"}`,
        );
      const c = run.account.world.ec2;
      const i = (await c.send(new DescribeInstancesCommand({ InstanceIds: [ws.instanceId] })))
        .Reservations![0]!.Instances![0]!;
      const f = run.account.forensic;
      const groups = (i.NetworkInterfaces ?? []).flatMap((n) => (n.Groups ?? []).map((g) => g.GroupId));
      const snaps = new Set(
        (
          (
            await c.send(
              new DescribeSnapshotsCommand({
                Filters: [{ Name: `tag:${TAG.caseId}`, Values: [run.caseId!] }],
              }),
            )
          ).Snapshots ?? []
        ).map((s) => s.SnapshotId),
      );
      const vols =
        (
          await c.send(
            new DescribeVolumesCommand({
              Filters: [{ Name: "attachment.instance-id", Values: [ws.instanceId] }],
            }),
          )
        ).Volumes ?? [];
      const fromCase = vols.filter((v) => v.SnapshotId && snaps.has(v.SnapshotId));
      const problems = [
        ...(f.subnetIds.includes(i.SubnetId ?? "") ? [] : [`subnet ${i.SubnetId} is not a forensic subnet`]),
        ...(groups.length > 0 && groups.every((g) => g === f.workstationSecurityGroupId)
          ? []
          : [`groups ${groups.join(", ")}`]),
        ...(fromCase.length > 0 && fromCase.length >= snaps.size
          ? []
          : [`${fromCase.length} of ${snaps.size} case snapshot(s) attached`]),
      ];
      return problems.length
        ? fail("investigated", "workstation", title, problems.join("; "))
        : pass(
            "investigated",
            "workstation",
            title,
            `${ws.instanceId} in ${i.SubnetId}, ${fromCase.length} evidence volume(s) attached`,
          );
    }),
  ];
}

/**
 * The group launches from the known-good AMI (its pinned template version, read from EC2), its capacity
 * is back to what it was before the incident, every instance launched since the response runs the
 * known-good AMI (neither the older nor the newer one), and every instance in service is healthy.
 * Siblings launched before the incident keep their image: they are named in the detail, not failed.
 */
async function fleetHealthy(run: ScenarioRun): Promise<Check> {
  const title = "capacity healthy on the known-good AMI";
  const c = run.account.world;
  const w = run.account.workload;
  const group = (
    await c.autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [w.asgName] }))
  ).AutoScalingGroups![0]!;
  const spec = group.LaunchTemplate;
  const version = spec
    ? (
        await c.ec2.send(
          new DescribeLaunchTemplateVersionsCommand({
            LaunchTemplateId: spec.LaunchTemplateId,
            Versions: [spec.Version ?? "$Default"],
          }),
        )
      ).LaunchTemplateVersions?.[0]
    : undefined;
  const templateAmi = version?.LaunchTemplateData?.ImageId;
  const inService = (group.Instances ?? [])
    .filter((i) => i.LifecycleState === "InService")
    .map((i) => i.InstanceId!);
  const instances = inService.length
    ? (await c.ec2.send(new DescribeInstancesCommand({ InstanceIds: inService }))).Reservations!.flatMap(
        (r) => r.Instances!,
      )
    : [];
  const since = run.respondStartedAt?.getTime() ?? 0;
  const rebuilt = instances.filter((i) => (i.LaunchTime?.getTime() ?? 0) >= since - 1000);
  const wrong = rebuilt
    .filter((i) => i.ImageId !== w.amis.knownGood)
    .map((i) => `${i.InstanceId} on ${i.ImageId}`);
  const older = instances.filter((i) => !rebuilt.includes(i)).map((i) => `${i.InstanceId} (${i.ImageId})`);
  const health = await c.elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: w.targetGroupArn }));
  const healthy = new Set(
    (health.TargetHealthDescriptions ?? [])
      .filter((d) => d.TargetHealth?.State === "healthy")
      .map((d) => d.Target!.Id),
  );
  const unhealthy = inService.filter((id) => !healthy.has(id));
  const problems = [
    ...(templateAmi === w.amis.knownGood
      ? []
      : [
          `the group launches ${templateAmi ?? "no template"} (version ${spec?.Version ?? "?"}), not ${w.amis.knownGood} (older ${w.amis.older}, newer ${w.amis.newer})`,
        ]),
    ...(inService.length >= w.instances.length && (group.DesiredCapacity ?? 0) >= w.instances.length
      ? []
      : [
          `${inService.length} in service (desired ${group.DesiredCapacity}), ${w.instances.length} before the incident`,
        ]),
    ...(rebuilt.length ? [] : ["no capacity was launched since the response"]),
    ...(wrong.length ? [`launched since the response on another AMI: ${wrong.join(", ")}`] : []),
    ...(unhealthy.length ? [`not healthy in the target group: ${unhealthy.join(", ")}`] : []),
    ...(inService.includes(run.victim.instanceId) ? ["the compromised instance is back in service"] : []),
  ];
  return problems.length
    ? fail("final", "fleet-healthy", title, problems.join("; "))
    : pass(
        "final",
        "fleet-healthy",
        title,
        `${inService.length}/${group.DesiredCapacity} in service and healthy; template version ${spec?.Version} on ${w.amis.knownGood}; rebuilt ${rebuilt.map((i) => i.InstanceId).join(", ")}${older.length ? `; pre-incident siblings keep their image: ${older.join(", ")}` : ""}`,
      );
}

async function terminatedAfterEvidence(run: ScenarioRun): Promise<Check[]> {
  const c = run.account.world;
  const i = (await c.ec2.send(new DescribeInstancesCommand({ InstanceIds: [run.victim.instanceId] })))
    .Reservations![0]!.Instances![0]!;
  const state = i.State?.Name ?? "unknown";
  const gone = state === "terminated" || state === "shutting-down";
  const found = await findCase(openJournals(c, run.account.settings), run.caseId!);
  const entries = found?.entries ?? [];
  const evidenceAt = entries.find((e) => e.stepId === "manifest" && e.event === "verified")?.at;
  const terminateAt = entries.find((e) => e.stepId === "terminate" && e.event !== "planned")?.at;
  const ordered = Boolean(evidenceAt && terminateAt && Date.parse(terminateAt) > Date.parse(evidenceAt));
  return [
    gone
      ? pass("final", "terminated", "compromised instance terminated", `${run.victim.instanceId} is ${state}`)
      : fail(
          "final",
          "terminated",
          "compromised instance terminated",
          `${run.victim.instanceId} is ${state}`,
        ),
    ordered
      ? pass(
          "final",
          "terminate-after-evidence",
          "terminated only after the manifest verified",
          `manifest verified ${evidenceAt}, terminate began ${terminateAt}`,
        )
      : fail(
          "final",
          "terminate-after-evidence",
          "terminated only after the manifest verified",
          `journal: manifest verified ${evidenceAt ?? "never"}, terminate ${terminateAt ?? "never journaled"}`,
        ),
  ];
}

export async function finalChecks(run: ScenarioRun, phases: PhaseApi): Promise<Check[]> {
  const out: Check[] = [];
  const analyzeTitle = "analysis names the attacker's addresses";
  if ("missing" in phases.analyzeCase)
    out.push(fail("final", "analysis", analyzeTitle, phases.analyzeCase.missing));
  else {
    const text = JSON.stringify(run.analyze?.attackerIps ?? null);
    const missed = run.scenario.attackerIps.filter((ip) => !text.includes(ip));
    out.push(
      run.analyze?.status === "analyzed" && missed.length === 0
        ? pass("final", "analysis", analyzeTitle, `found ${run.scenario.attackerIps.join(", ")}`)
        : fail(
            "final",
            "analysis",
            analyzeTitle,
            `analysis ${run.analyze?.status ?? "did not run"}${missed.length ? `; missed ${missed.join(", ")}` : ""}${run.analyze?.error ? `: ${run.analyze.error}` : ""}`,
          ),
    );
  }
  const recoverTitle = "capacity healthy on the known-good AMI";
  if ("missing" in phases.recover) {
    out.push(fail("final", "fleet-healthy", recoverTitle, phases.recover.missing));
    out.push(
      fail(
        "final",
        "terminated",
        "compromised instance terminated",
        `not attempted: ${phases.recover.missing}`,
      ),
    );
  } else {
    out.push(await guarded("final", "fleet-healthy", recoverTitle, () => fleetHealthy(run)));
    out.push(
      ...(await terminatedAfterEvidence(run).catch((err: Error) => [
        fail("final", "terminated", "compromised instance terminated", err.message),
      ])),
    );
  }
  out.push(
    await guarded("final", "evidence-kept", "evidence still complete and locked after termination", () =>
      checkEvidence(run, "final"),
    ),
  );
  out.push(
    await guarded("final", "journal-final", "case journal hash chain intact", () =>
      journalChain(run, "final"),
    ),
  );
  return out;
}
