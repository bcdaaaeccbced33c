/**
 * Finds a case's workstations and evidence volumes by their tags: the idempotency key of every
 * investigate step (a crashed or repeated run finds what an earlier one created instead of duplicating
 * it) and what `--stop` and `ir status` act on.
 */
import {
  DescribeInstancesCommand,
  DescribeSnapshotsCommand,
  DescribeVolumesCommand,
  type EC2Client,
  type Instance,
  type Snapshot,
  type Tag,
  type Volume,
} from "@aws-sdk/client-ec2";
import { ROLE_TAG_VALUES, TAG } from "../../facts/tags";

/** States of an instance that still exists as a workstation (terminated ones are history). */
export const LIVE_STATES = ["pending", "running", "stopping", "stopped", "shutting-down"];

export const tagValue = (tags: Tag[] | undefined, key: string) => tags?.find((t) => t.Key === key)?.Value;

/** Workstations of a case (or of every case when `caseId` is undefined) in the given states. */
export async function findWorkstations(
  ec2: EC2Client,
  caseId: string | undefined,
  states: string[] = LIVE_STATES,
): Promise<Instance[]> {
  const out: Instance[] = [];
  let NextToken: string | undefined;
  do {
    const res = await ec2.send(
      new DescribeInstancesCommand({
        Filters: [
          ...(caseId ? [{ Name: `tag:${TAG.caseId}`, Values: [caseId] }] : []),
          { Name: `tag:${TAG.role}`, Values: [ROLE_TAG_VALUES.forensicWorkstation] },
          { Name: "instance-state-name", Values: states },
        ],
        ...(NextToken ? { NextToken } : {}),
      }),
    );
    for (const r of res.Reservations ?? []) out.push(...(r.Instances ?? []));
    NextToken = res.NextToken;
  } while (NextToken);
  // Oldest first, so every run picks the same one when a race ever left two.
  return out.sort((a, b) => String(a.LaunchTime ?? "").localeCompare(String(b.LaunchTime ?? "")));
}

/** Evidence volumes the investigate step made for a case (not the compromised instance's own). */
export async function findEvidenceVolumes(ec2: EC2Client, caseId: string): Promise<Volume[]> {
  const res = await ec2.send(
    new DescribeVolumesCommand({
      Filters: [
        { Name: `tag:${TAG.caseId}`, Values: [caseId] },
        { Name: `tag:${TAG.role}`, Values: [ROLE_TAG_VALUES.evidenceVolume] },
      ],
    }),
  );
  return (res.Volumes ?? []).filter((v) => v.State !== "deleted" && v.State !== "deleting");
}

/** Volumes by id; ids that no longer exist are simply absent from the map. */
export async function describeVolumes(ec2: EC2Client, ids: string[]): Promise<Map<string, Volume>> {
  if (ids.length === 0) return new Map();
  try {
    const res = await ec2.send(new DescribeVolumesCommand({ VolumeIds: ids }));
    return new Map((res.Volumes ?? []).map((v) => [v.VolumeId!, v]));
  } catch (err) {
    // One missing id fails the whole call: fall back to one call per id.
    if ((err as Error).name !== "InvalidVolume.NotFound") throw err;
    if (ids.length === 1) return new Map();
    const found = await Promise.all(ids.map((id) => describeVolumes(ec2, [id])));
    return new Map(found.flatMap((m) => [...m]));
  }
}

export async function describeInstance(ec2: EC2Client, instanceId: string): Promise<Instance | undefined> {
  try {
    const res = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
    return res.Reservations?.[0]?.Instances?.[0];
  } catch (err) {
    if ((err as Error).name === "InvalidInstanceID.NotFound") return undefined;
    throw err;
  }
}

/** Tag on an evidence copy naming the case snapshot it was copied from. */
export const SOURCE_SNAPSHOT_TAG = "ir:source-snapshot-id";

/**
 * The evidence copies `ir investigate` made of a case's snapshots (tagged with the case, the copy step
 * and the snapshot each came from), copies that failed included: their state tells.
 */
export async function findCopies(ec2: EC2Client, caseId: string, copyStep: string): Promise<Snapshot[]> {
  const res = await ec2.send(
    new DescribeSnapshotsCommand({
      OwnerIds: ["self"],
      Filters: [
        { Name: `tag:${TAG.caseId}`, Values: [caseId] },
        { Name: `tag:${TAG.step}`, Values: [copyStep] },
      ],
    }),
  );
  return res.Snapshots ?? [];
}

/** The usable copy of each case snapshot (completed first, then pending; a copy in error is none). */
export function copiesBySource(copies: Snapshot[]): Map<string, Snapshot> {
  const rank = (s: Snapshot) => (s.State === "completed" ? 0 : 1);
  const out = new Map<string, Snapshot>();
  for (const c of copies.filter((s) => s.State !== "error").sort((a, b) => rank(a) - rank(b))) {
    const source = tagValue(c.Tags, SOURCE_SNAPSHOT_TAG);
    if (source && !out.has(source)) out.set(source, c);
  }
  return out;
}
