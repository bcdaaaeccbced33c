/**
 * The world of the recover/investigate crash tests: lanes (each its own VPC, ASG, target group and
 * journal table, so concurrent kills never meet through moto's artefacts), a known-good AMI history and a
 * forensic VPC shared by all lanes, contained victims to crash on, and what must hold after a rerun of
 * `ir recover` (the case's one launch-template version, the instance terminated exactly once) and of
 * `ir investigate` (one running workstation with one attached volume per evidence snapshot) and of
 * `ir investigate --stop` (no workstation, no evidence volume, every snapshot kept, the victim untouched).
 */
import { DescribeAutoScalingGroupsCommand } from "@aws-sdk/client-auto-scaling";
import {
  DescribeInstancesCommand,
  DescribeLaunchTemplateVersionsCommand,
  DescribeSnapshotsCommand,
  DescribeVolumesCommand,
} from "@aws-sdk/client-ec2";
import type { JournalEntry } from "../../automation/journal/chain";
import { versionDescription } from "../../automation/recover/asg-rebuild";
import { ROLE_TAG_VALUES, TAG } from "../../facts/tags";
import type { Account } from "../helpers/responder";
import { type ForensicWorld, withForensic } from "../investigate/forensic-world";
import { containTagged } from "../recover/fixtures";
import { freshInstance } from "./crash-target";

export { makeLanes } from "./crash-target";

/** A lane's settings with the forensic VPC (what `ir investigate` reads from the config). */
export const laneSettings = (lane: Account, f: ForensicWorld, leaseMs: number) => ({
  ...withForensic(lane.settings, f),
  leaseMs,
});

/** The CLI flags that give a child `ir investigate` the forensic VPC (no config file in the tests). */
export const forensicFlags = (f: ForensicWorld) => [
  "--forensic-vpc",
  f.vpcId,
  "--forensic-subnet",
  ...Object.values(f.subnets),
  "--forensic-security-group",
  f.groupId,
  "--forensic-profile",
  f.profile,
];

/**
 * A contained victim: a fresh ASG instance of workload "web" (so recovery finds /ir/known-good-ami/web),
 * contained in-process with the capacity decremented (recovery gives it back, so the ASG launches).
 */
export async function containedVictim(lane: Account, name: string) {
  const { instanceId } = await freshInstance(lane, name);
  const r = await containTagged(lane, instanceId, { dwellMs: 0, decrementCapacity: true });
  return { instanceId, caseId: r.caseId! };
}

const count = (entries: readonly JournalEntry[], stepId: string, event: string) =>
  entries.filter((e) => e.stepId === stepId && e.event === event).length;

/**
 * The launch template's versions made for the case (found by their description), the instance's state,
 * and the journal's terminate history: one version, the instance gone, one `ran` and one `verified`.
 */
export async function recoverProblems(
  lane: Account,
  c: { caseId: string; instanceId: string; amiId: string },
  entries: readonly JournalEntry[],
): Promise<string[]> {
  const problems: string[] = [];
  const group = (
    await lane.clients.autoscaling.send(
      new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [lane.world.asgName] }),
    )
  ).AutoScalingGroups![0]!;
  const versions =
    (
      await lane.clients.ec2.send(
        new DescribeLaunchTemplateVersionsCommand({
          LaunchTemplateId: group.LaunchTemplate!.LaunchTemplateId,
        }),
      )
    ).LaunchTemplateVersions ?? [];
  const mine = versions.filter((v) => v.VersionDescription === versionDescription(c.caseId, c.amiId));
  if (mine.length !== 1)
    problems.push(`${mine.length} launch-template versions for ${c.caseId} (expected 1)`);
  const state = (await lane.clients.ec2.send(new DescribeInstancesCommand({ InstanceIds: [c.instanceId] })))
    .Reservations?.[0]?.Instances?.[0]?.State?.Name;
  if (state !== "terminated" && state !== "shutting-down")
    problems.push(`compromised instance ${c.instanceId} is ${state}, not terminated`);
  const ran = count(entries, "terminate", "ran");
  const verified = count(entries, "terminate", "verified");
  if (ran !== 1 || verified !== 1)
    problems.push(`terminate journaled ran ${ran} times and verified ${verified} times (expected 1 and 1)`);
  return problems;
}

/** The case's workstations not terminated, its evidence snapshots and its evidence volumes. */
export async function caseResources(lane: Account, caseId: string) {
  const ec2 = lane.clients.ec2;
  const tagged = (role: string) => [
    { Name: `tag:${TAG.caseId}`, Values: [caseId] },
    { Name: `tag:${TAG.role}`, Values: [role] },
  ];
  const [workstations, snapshots, volumes] = await Promise.all([
    ec2
      .send(
        new DescribeInstancesCommand({
          Filters: [
            ...tagged(ROLE_TAG_VALUES.forensicWorkstation),
            { Name: "instance-state-name", Values: ["pending", "running", "stopping", "stopped"] },
          ],
        }),
      )
      .then((r) => (r.Reservations ?? []).flatMap((x) => x.Instances ?? [])),
    ec2
      .send(new DescribeSnapshotsCommand({ Filters: [{ Name: `tag:${TAG.caseId}`, Values: [caseId] }] }))
      .then((r) => r.Snapshots ?? []),
    ec2
      .send(new DescribeVolumesCommand({ Filters: tagged(ROLE_TAG_VALUES.evidenceVolume) }))
      .then((r) => r.Volumes ?? []),
  ]);
  return { workstations, snapshots, volumes };
}

/**
 * The case's workstations (tagged with the case and the workstation role, not terminated) and evidence
 * volumes: exactly one running workstation, exactly one volume per evidence snapshot, each attached to it.
 */
export async function investigateProblems(lane: Account, caseId: string): Promise<string[]> {
  const problems: string[] = [];
  const { workstations, snapshots, volumes } = await caseResources(lane, caseId);
  if (workstations.length !== 1) problems.push(`${workstations.length} workstations (expected 1)`);
  const ws = workstations[0];
  if (ws && ws.State?.Name !== "running") problems.push(`workstation ${ws.InstanceId} is ${ws.State?.Name}`);
  if (snapshots.length === 0) problems.push("the case has no evidence snapshots");
  if (volumes.length !== snapshots.length)
    problems.push(`${volumes.length} evidence volumes for ${snapshots.length} snapshots (expected one each)`);
  for (const v of volumes) {
    const at = v.Attachments?.[0];
    if (!ws || at?.InstanceId !== ws.InstanceId || at?.State !== "attached")
      problems.push(`volume ${v.VolumeId} is ${at?.State ?? "detached"} on ${at?.InstanceId ?? "nothing"}`);
  }
  return problems;
}

/**
 * After `ir investigate --stop`: the case's workstations gone (terminated or shutting down), its evidence
 * volumes deleted, every evidence snapshot still there, and the compromised instance not terminated.
 */
export async function stopProblems(
  lane: Account,
  c: { caseId: string; instanceId: string; snapshots: number },
): Promise<string[]> {
  const problems: string[] = [];
  const { workstations, snapshots, volumes } = await caseResources(lane, c.caseId);
  for (const w of workstations) problems.push(`workstation ${w.InstanceId} is still ${w.State?.Name}`);
  for (const v of volumes) problems.push(`evidence volume ${v.VolumeId} was not deleted`);
  if (snapshots.length !== c.snapshots)
    problems.push(`${snapshots.length} evidence snapshots left of ${c.snapshots}: --stop must keep them`);
  const victim = (await lane.clients.ec2.send(new DescribeInstancesCommand({ InstanceIds: [c.instanceId] })))
    .Reservations?.[0]?.Instances?.[0]?.State?.Name;
  if (victim === "terminated" || victim === "shutting-down")
    problems.push(`the compromised instance ${c.instanceId} is ${victim}: --stop must never touch it`);
  return problems;
}

/**
 * Terminations that no evidence check of their OWN run preceded. The journal has no run ids, so runs are
 * told apart by `runEnds` (the last seq each earlier run wrote; the rest is the last run). A `terminate`
 * `ran` that terminated the instance counts as checked when its run journaled `recover-verify-evidence`
 * `verified` before it, or when its record carries the re-verification the step makes right before
 * acting (an earlier run's verification is resumed without a new entry). A `ran` that found the instance
 * already gone destroyed nothing in its run.
 */
export function sameRunProblems(entries: readonly JournalEntry[], runEnds: readonly number[]): string[] {
  const problems: string[] = [];
  let run = 0;
  let verified = false;
  for (const e of entries) {
    while (run < runEnds.length && e.seq > runEnds[run]!) {
      run++;
      verified = false;
    }
    if (e.stepId === "recover-verify-evidence" && e.event === "verified") verified = true;
    if (e.stepId !== "terminate" || e.event !== "ran") continue;
    const record = (e.data as { record?: { terminatedAt?: string; evidence?: { artefacts?: number } } })
      ?.record;
    if (!record?.terminatedAt) continue;
    if (!verified && !((record.evidence?.artefacts ?? 0) > 0))
      problems.push(`terminate ran at entry ${e.seq} (run ${run + 1}) with no evidence check of its own run`);
  }
  return problems;
}
