/**
 * `ir investigate --stop`: terminate the case's workstations, then delete the evidence volumes made
 * from the snapshots. The snapshots and their copies under the incident key stay: they are the
 * evidence; the volumes are working copies. A volume is deleted only when it carries the case's
 * evidence-volume tags, was made from one of the case's snapshots (or from the copy of one) and that
 * snapshot still exists and is completed; never a volume of the compromised instance itself.
 */
import {
  DeleteVolumeCommand,
  DescribeSnapshotsCommand,
  type EC2Client,
  TerminateInstancesCommand,
} from "@aws-sdk/client-ec2";
import type { AwsClients } from "../aws/clients";
import type { EngineContext } from "../engine/runner";
import type { Json, Step } from "../engine/types";
import { sleep } from "../steps/util";
import { type CaseSnapshot, recordOf } from "./context";
import { COPY_STEP } from "./copy";
import {
  describeVolumes,
  findCopies,
  findEvidenceVolumes,
  findWorkstations,
  LIVE_STATES,
  SOURCE_SNAPSHOT_TAG,
  tagValue,
} from "./lookup";

export const STOP_INSTANCE_STEP = "investigate-stop-instance";
export const STOP_VOLUMES_STEP = "investigate-stop-volumes";

export interface TeardownContext extends EngineContext {
  clients: AwsClients;
  /** The compromised instance: never terminated here, whatever its tags say. */
  instanceId: string;
  snapshots: CaseSnapshot[];
  /** Between two polls while volumes detach. @default 2000 */
  pollMs: number;
}

export interface StopInstanceRecord {
  terminated: string[];
}
export interface StopVolumesRecord {
  deleted: string[];
  keptSnapshots: string[];
}

async function workstations(ctx: TeardownContext) {
  const found = await findWorkstations(ctx.clients.ec2, ctx.caseId, LIVE_STATES);
  if (found.some((w) => w.InstanceId === ctx.instanceId))
    throw new Error(
      `instance ${ctx.instanceId} is the case's compromised instance but is tagged as its workstation: refusing to terminate it`,
    );
  return found.map((w) => w.InstanceId!);
}

export const stopInstanceStep: Step<TeardownContext> = {
  id: STOP_INSTANCE_STEP,
  title: "Terminate the case's forensic workstation",
  verifyTimeoutMs: 300_000,
  verifyIntervalMs: 2_000,
  plan: async (ctx) =>
    (await workstations(ctx)).map((id) => ({
      action: "ec2:TerminateInstances",
      target: id,
      detail: "terminate the forensic workstation (evidence volumes are detached by it)",
    })),
  async run(ctx) {
    const ids = await workstations(ctx);
    if (ids.length === 0) return { status: "skipped", reason: "no workstation of the case is running" };
    await ctx.clients.ec2.send(new TerminateInstancesCommand({ InstanceIds: ids }));
    return { status: "done", record: { terminated: ids } as unknown as Json };
  },
  async verify(ctx) {
    const r = recordOf<StopInstanceRecord>(ctx, STOP_INSTANCE_STEP)!;
    const alive = (await findWorkstations(ctx.clients.ec2, ctx.caseId, LIVE_STATES)).filter((w) =>
      r.terminated.includes(w.InstanceId!),
    );
    return alive.length > 0
      ? { ok: false, detail: alive.map((w) => `${w.InstanceId} is ${w.State?.Name}`).join(", ") }
      : { ok: true, detail: `terminated ${r.terminated.join(", ")}` };
  },
};

/** The case snapshots that still exist and are completed (deleting a working copy needs its original). */
async function intactSnapshots(ec2: EC2Client, snapshots: CaseSnapshot[]): Promise<Set<string>> {
  if (snapshots.length === 0) return new Set();
  const res = await ec2
    .send(new DescribeSnapshotsCommand({ SnapshotIds: snapshots.map((s) => s.snapshotId) }))
    .catch((err) => {
      if ((err as Error).name !== "InvalidSnapshot.NotFound") throw err;
      return { Snapshots: [] };
    });
  return new Set((res.Snapshots ?? []).filter((s) => s.State === "completed").map((s) => s.SnapshotId!));
}

/**
 * The evidence copies of the case (kept, never deleted here) and, with the case snapshots, the intact
 * ones a volume may have been made from: a completed copy of an intact case snapshot.
 */
async function evidence(ctx: TeardownContext) {
  const [intact, copies] = await Promise.all([
    intactSnapshots(ctx.clients.ec2, ctx.snapshots),
    findCopies(ctx.clients.ec2, ctx.caseId, COPY_STEP),
  ]);
  // A copy in error holds nothing: not evidence, not kept.
  const live = copies.filter((c) => c.State !== "error");
  const intactCopies = live.filter(
    (c) => c.State === "completed" && intact.has(tagValue(c.Tags, SOURCE_SNAPSHOT_TAG) ?? ""),
  );
  return {
    intact: new Set([...intact, ...intactCopies.map((c) => c.SnapshotId!)]),
    /** Still there: the intact case snapshots and every copy not in error. */
    present: new Set([...intact, ...live.map((c) => c.SnapshotId!)]),
    kept: [...ctx.snapshots.map((s) => s.snapshotId), ...live.map((c) => c.SnapshotId!)],
  };
}

async function deletable(ctx: TeardownContext) {
  const volumes = await findEvidenceVolumes(ctx.clients.ec2, ctx.caseId);
  const { intact } = await evidence(ctx);
  const originals = new Set(ctx.snapshots.map((s) => s.volumeId));
  for (const v of volumes) {
    if (originals.has(v.VolumeId!))
      throw new Error(`volume ${v.VolumeId} is an original volume of the case: refusing to delete it`);
    if (!v.SnapshotId || !intact.has(v.SnapshotId))
      throw new Error(
        `volume ${v.VolumeId} was made from ${v.SnapshotId ?? "no snapshot"}, which is not an intact snapshot of case ${ctx.caseId}: refusing to delete it (check the snapshot, then delete the volume by hand)`,
      );
  }
  return volumes;
}

export const stopVolumesStep: Step<TeardownContext> = {
  id: STOP_VOLUMES_STEP,
  title: "Delete the evidence volumes made from the snapshots (the snapshots stay)",
  after: [STOP_INSTANCE_STEP],
  timeoutMs: 600_000,
  verifyTimeoutMs: 60_000,
  plan: async (ctx) =>
    (await deletable(ctx)).map((v) => ({
      action: "ec2:DeleteVolume",
      target: v.VolumeId!,
      detail: `working copy of ${v.SnapshotId} (the snapshot is kept)`,
    })),
  async run(ctx) {
    const volumes = await deletable(ctx);
    const keptSnapshots = (await evidence(ctx)).kept;
    if (volumes.length === 0)
      return {
        status: "skipped",
        reason: "no evidence volume of the case is left",
        record: { deleted: [], keptSnapshots },
      };
    const deadline = Date.now() + 300_000;
    for (const v of volumes) {
      let vol = (await describeVolumes(ctx.clients.ec2, [v.VolumeId!])).get(v.VolumeId!);
      // The terminated workstation releases its volumes within a minute or so.
      while (vol && vol.State !== "available" && Date.now() < deadline) {
        await sleep(ctx.pollMs);
        vol = (await describeVolumes(ctx.clients.ec2, [v.VolumeId!])).get(v.VolumeId!);
      }
      if (!vol) continue;
      if (vol.State !== "available") {
        const to = vol.Attachments?.map((a) => a.InstanceId).join(", ");
        throw new Error(
          `evidence volume ${v.VolumeId} is still ${vol.State}${to ? ` (attached to ${to})` : ""}: re-run \`ir investigate ${ctx.caseId} --stop\``,
        );
      }
      await ctx.clients.ec2.send(new DeleteVolumeCommand({ VolumeId: v.VolumeId! }));
    }
    return {
      status: "done",
      record: { deleted: volumes.map((v) => v.VolumeId!), keptSnapshots } as unknown as Json,
    };
  },
  async verify(ctx) {
    const r = recordOf<StopVolumesRecord>(ctx, STOP_VOLUMES_STEP)!;
    const left = await describeVolumes(ctx.clients.ec2, r.deleted);
    const still = r.deleted.filter(
      (id) => left.has(id) && !["deleted", "deleting"].includes(left.get(id)!.State ?? ""),
    );
    if (still.length > 0) return { ok: false, detail: `not deleted yet: ${still.join(", ")}` };
    const { present } = await evidence(ctx);
    const lost = r.keptSnapshots.filter((s) => !present.has(s));
    return lost.length > 0
      ? { ok: false, detail: `case snapshots missing: ${lost.join(", ")}` }
      : { ok: true, detail: `deleted ${r.deleted.length} volume(s); kept ${r.keptSnapshots.join(", ")}` };
  },
};
