/**
 * investigate-volumes and investigate-attach: one volume from every case snapshot (from its copy under
 * the incident key when investigate-copy made one), in the workstation's AZ, tagged as evidence of the
 * case (and with the case snapshot it came from, the idempotency key), then attached to the workstation
 * on free device names. The snapshots and their copies are only read.
 */
import {
  AttachVolumeCommand,
  CreateVolumeCommand,
  DescribeSnapshotsCommand,
  type Volume,
} from "@aws-sdk/client-ec2";
import { ROLE_TAG_VALUES, TAG } from "../../facts/tags";
import type { Json, Step } from "../engine/types";
import { caseTags, dryRun, sleep } from "../steps/util";
import {
  type AttachRecord,
  type CopyRecord,
  type InvestigateContext,
  type LaunchRecord,
  recordOf,
  type VolumeRecord,
} from "./context";
import { COPY_STEP } from "./copy";
import { clientToken, LAUNCH_STEP, reusableWorkstation } from "./launch";
import { describeInstance, describeVolumes, findEvidenceVolumes, tagValue } from "./lookup";

export const VOLUMES_STEP = "investigate-volumes";
export const ATTACH_STEP = "investigate-attach";
/** Tag on an evidence volume naming the snapshot it was made from. */
export const SNAPSHOT_TAG = "ir:snapshot-id";

/** Device names for evidence volumes (the root device is never among them). */
const DEVICES = "fghijklmnopqrstuvwxyz".split("").map((l) => `/dev/sd${l}`);

/** The AZ volumes go to: the workstation's (launched, reused) or, in a plan, where it would go. */
async function targetAz(ctx: InvestigateContext): Promise<string> {
  const launched = recordOf<LaunchRecord>(ctx, LAUNCH_STEP);
  if (launched) return launched.availabilityZone;
  const ws = await reusableWorkstation(ctx);
  return ws?.Placement?.AvailabilityZone ?? ctx.placement.availabilityZone;
}

/** Existing evidence volumes of the case in the AZ, by the snapshot they were made from. */
async function existingBySnapshot(ctx: InvestigateContext, az: string): Promise<Map<string, Volume>> {
  const found = await findEvidenceVolumes(ctx.clients.ec2, ctx.caseId);
  const out = new Map<string, Volume>();
  for (const v of found) {
    const snap = tagValue(v.Tags, SNAPSHOT_TAG);
    if (snap && v.AvailabilityZone === az && !out.has(snap)) out.set(snap, v);
  }
  return out;
}

/** What each case snapshot's volume is made from: its copy under the incident key, or itself. */
function madeFrom(ctx: InvestigateContext): Map<string, string> {
  const copies = recordOf<CopyRecord>(ctx, COPY_STEP)?.copies ?? [];
  const copyOf = new Map(copies.map((c) => [c.snapshotId, c.copyId]));
  return new Map(ctx.snapshots.map((s) => [s.snapshotId, copyOf.get(s.snapshotId) ?? s.snapshotId]));
}

/** Volumes can only be made from completed snapshots: waits (bounded) while one is pending. */
async function waitSnapshotsCompleted(
  ctx: InvestigateContext,
  ids: string[],
  deadline: number,
): Promise<void> {
  for (;;) {
    const res = await ctx.clients.ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: ids }));
    const bad = (res.Snapshots ?? []).filter((s) => s.State !== "completed");
    const errored = bad.find((s) => s.State === "error");
    if (errored) throw new Error(`snapshot ${errored.SnapshotId} of case ${ctx.caseId} is in error`);
    if (bad.length === 0) return;
    if (Date.now() > deadline) {
      throw new Error(
        `snapshot ${bad[0]!.SnapshotId} is still ${bad[0]!.State} (${bad[0]!.Progress ?? "?"}): re-run \`ir investigate ${ctx.caseId}\` when it completes`,
      );
    }
    await sleep(ctx.mount.pollMs);
  }
}

export const volumesStep: Step<InvestigateContext> = {
  id: VOLUMES_STEP,
  title: "Create a volume from every case snapshot (its copy under the incident key) in the workstation's AZ",
  after: [LAUNCH_STEP],
  needs: [COPY_STEP],
  timeoutMs: 900_000,
  verifyTimeoutMs: 300_000,
  verifyIntervalMs: 2_000,
  async plan(ctx) {
    const az = await targetAz(ctx);
    const existing = await existingBySnapshot(ctx, az);
    const missing = ctx.snapshots.filter((s) => !existing.has(s.snapshotId));
    return Promise.all(
      missing.map(async (s) => ({
        action: "ec2:CreateVolume",
        target: s.snapshotId,
        detail: `volume from ${ctx.incidentKeyArn ? `the copy of ${s.snapshotId} under ${ctx.incidentKeyArn}` : s.snapshotId} (of ${s.volumeId}) in ${az}, tagged ${TAG.caseId}=${ctx.caseId}`,
        dryRun: await dryRun(() =>
          ctx.clients.ec2.send(
            new CreateVolumeCommand({ DryRun: true, SnapshotId: s.snapshotId, AvailabilityZone: az }),
          ),
        ),
      })),
    );
  },
  async run(ctx) {
    const az = await targetAz(ctx);
    const existing = await existingBySnapshot(ctx, az);
    const from = madeFrom(ctx);
    const missing = ctx.snapshots.filter((s) => !existing.has(s.snapshotId));
    if (missing.length > 0)
      await waitSnapshotsCompleted(
        ctx,
        missing.map((s) => from.get(s.snapshotId)!),
        Date.now() + 600_000,
      );
    const volumes = await Promise.all(
      ctx.snapshots.map(async (s) => {
        const found = existing.get(s.snapshotId);
        if (found)
          return { volumeId: found.VolumeId!, snapshotId: s.snapshotId, fromSnapshotId: found.SnapshotId! };
        const fromSnapshotId = from.get(s.snapshotId)!;
        const copied = fromSnapshotId !== s.snapshotId;
        const res = await ctx.clients.ec2.send(
          new CreateVolumeCommand({
            SnapshotId: fromSnapshotId,
            // A copy's volume is under the incident key, said explicitly (whatever the account default).
            ...(copied ? { Encrypted: true, KmsKeyId: ctx.incidentKeyArn! } : {}),
            AvailabilityZone: az,
            VolumeType: "gp3",
            ClientToken: clientToken(ctx.caseId, ctx.runId, VOLUMES_STEP, s.snapshotId),
            TagSpecifications: [
              {
                ResourceType: "volume",
                Tags: caseTags(ctx.caseId, VOLUMES_STEP, {
                  [TAG.role]: ROLE_TAG_VALUES.evidenceVolume,
                  [SNAPSHOT_TAG]: s.snapshotId,
                  "ir:source-volume-id": s.volumeId,
                  Name: `ir-evidence-${ctx.caseId}-${s.volumeId}`,
                }),
              },
            ],
          }),
        );
        return { volumeId: res.VolumeId!, snapshotId: s.snapshotId, fromSnapshotId };
      }),
    );
    return { status: "done", record: { volumes } as unknown as Json };
  },
  async verify(ctx) {
    const r = recordOf<VolumeRecord>(ctx, VOLUMES_STEP)!;
    const az = recordOf<LaunchRecord>(ctx, LAUNCH_STEP)?.availabilityZone;
    const now = await describeVolumes(
      ctx.clients.ec2,
      r.volumes.map((v) => v.volumeId),
    );
    const gone = r.volumes.filter((v) => !now.has(v.volumeId));
    // EBS drops a volume it cannot encrypt (a KMS key it may not use in the responder's name): settled.
    if (gone.length > 0)
      return {
        ok: false,
        settled: true,
        detail: gone
          .map(
            (v) =>
              `${v.volumeId} (from ${v.fromSnapshotId}) is gone: EBS did not create it, e.g. for a KMS key it may not use in the responder's name`,
          )
          .join("; "),
      };
    const bad = r.volumes.flatMap((v) => {
      const vol = now.get(v.volumeId)!;
      if (vol.SnapshotId !== v.fromSnapshotId) return [`${v.volumeId} is not from ${v.fromSnapshotId}`];
      if (az && vol.AvailabilityZone !== az)
        return [`${v.volumeId} is in ${vol.AvailabilityZone}, not ${az}`];
      if (vol.State !== "available" && vol.State !== "in-use") return [`${v.volumeId} is ${vol.State}`];
      return [];
    });
    return bad.length > 0
      ? { ok: false, detail: bad.join("; ") }
      : {
          ok: true,
          detail: r.volumes.map((v) => `${v.volumeId} from ${v.fromSnapshotId}`).join(", "),
        };
  },
};

export const attachStep: Step<InvestigateContext> = {
  id: ATTACH_STEP,
  title: "Attach the evidence volumes to the workstation",
  after: [VOLUMES_STEP],
  timeoutMs: 600_000,
  verifyTimeoutMs: 120_000,
  verifyIntervalMs: 1_000,
  plan: async (ctx) =>
    ctx.snapshots.map((s) => ({
      action: "ec2:AttachVolume",
      target: `volume from ${s.snapshotId}`,
      detail: "attach to the workstation on the next free device (/dev/sdf...)",
    })),
  async run(ctx) {
    const ws = recordOf<LaunchRecord>(ctx, LAUNCH_STEP)!.instanceId;
    const wanted = recordOf<VolumeRecord>(ctx, VOLUMES_STEP)!.volumes;
    const instance = await describeInstance(ctx.clients.ec2, ws);
    const used = new Set(
      (instance?.BlockDeviceMappings ?? []).map((b) => b.DeviceName!.replace("/dev/xvd", "/dev/sd")),
    );
    const deadline = Date.now() + 300_000;
    const out: AttachRecord["volumes"] = [];
    for (const v of wanted) {
      let vol = (await describeVolumes(ctx.clients.ec2, [v.volumeId])).get(v.volumeId);
      // A volume made from a large snapshot is "creating" for a while: attach when it is available.
      while (vol?.State === "creating" && Date.now() < deadline) {
        await sleep(ctx.mount.pollMs);
        vol = (await describeVolumes(ctx.clients.ec2, [v.volumeId])).get(v.volumeId);
      }
      const attachment = vol?.Attachments?.find((a) => a.State === "attached" || a.State === "attaching");
      if (attachment?.InstanceId === ws) {
        out.push({ ...v, device: attachment.Device! });
        continue;
      }
      if (attachment)
        throw new Error(
          `evidence volume ${v.volumeId} is attached to ${attachment.InstanceId}, not to workstation ${ws}`,
        );
      if (vol?.State !== "available")
        throw new Error(`evidence volume ${v.volumeId} is ${vol?.State ?? "gone"}: cannot attach it`);
      const device = DEVICES.find((d) => !used.has(d));
      if (!device) throw new Error(`workstation ${ws} has no free device name left for ${v.volumeId}`);
      used.add(device);
      await ctx.clients.ec2.send(
        new AttachVolumeCommand({ VolumeId: v.volumeId, InstanceId: ws, Device: device }),
      );
      out.push({ ...v, device });
    }
    return { status: "done", record: { volumes: out } as unknown as Json };
  },
  async verify(ctx) {
    const ws = recordOf<LaunchRecord>(ctx, LAUNCH_STEP)!.instanceId;
    const r = recordOf<AttachRecord>(ctx, ATTACH_STEP)!;
    const now = await describeVolumes(
      ctx.clients.ec2,
      r.volumes.map((v) => v.volumeId),
    );
    const bad = r.volumes.filter(
      (v) => !now.get(v.volumeId)?.Attachments?.some((a) => a.InstanceId === ws && a.State === "attached"),
    );
    return bad.length > 0
      ? { ok: false, detail: `not attached to ${ws}: ${bad.map((v) => v.volumeId).join(", ")}` }
      : { ok: true, detail: r.volumes.map((v) => `${v.volumeId} on ${v.device}`).join(", ") };
  },
};
