/**
 * snapshot: a crash-consistent set of snapshots of every attached volume, before anything else changes.
 * CreateSnapshots returns at once: the point in time is the call. Tagged with the case id; a resumed case
 * looks its snapshots up by tag first, so a crash never duplicates them.
 */
import { CreateSnapshotsCommand, DescribeSnapshotsCommand, type Snapshot } from "@aws-sdk/client-ec2";
import { ROLE_TAG_VALUES, TAG } from "../../facts/tags";
import { type CaseContext, facts } from "../case/context";
import type { Json, Step } from "../engine/types";
import { caseTags, dryRun, errorName, mayHaveRun } from "./util";

interface SnapshotRecord {
  snapshots: { snapshotId: string; volumeId: string }[];
  startTime?: string;
}

async function findByTags(ctx: CaseContext): Promise<Snapshot[]> {
  const res = await ctx.clients.ec2.send(
    new DescribeSnapshotsCommand({
      OwnerIds: ["self"],
      Filters: [
        { Name: `tag:${TAG.caseId}`, Values: [ctx.caseId] },
        { Name: `tag:${TAG.step}`, Values: ["snapshot"] },
      ],
    }),
  );
  return res.Snapshots ?? [];
}

/**
 * EC2 refuses a snapshot of a volume snapshotted moments before (a backup tool's, say) and asks for a
 * retry with backoff. The wait starts at 15 s and doubles to a minute: about four minutes over the
 * attempts, while containment goes on (no containment step waits on the snapshot).
 */
export const SNAPSHOT_RATE_ERROR = "SnapshotCreationPerVolumeRateExceeded";
export function snapshotRetryDelayMs(attempt: number): number {
  return Math.min(60_000, 15_000 * 2 ** (attempt - 1));
}

export const snapshotStep: Step<CaseContext> = {
  id: "snapshot",
  title: "Snapshot every attached volume (crash-consistent set)",
  purpose: "evidence",
  // The call goes out first, beside containment, and nothing waits on its answer.
  schedule: "with-containment",
  runAttempts: 6,
  waitOut: (err, attempt) =>
    errorName(err) === SNAPSHOT_RATE_ERROR ? snapshotRetryDelayMs(attempt) : undefined,
  async plan(ctx) {
    const answer = await dryRun(() =>
      ctx.clients.ec2.send(
        new CreateSnapshotsCommand({ DryRun: true, InstanceSpecification: { InstanceId: ctx.instanceId } }),
      ),
    );
    return facts(ctx).volumes.map((v) => ({
      action: "ec2:CreateSnapshots",
      target: v.volumeId,
      detail: `snapshot ${v.volumeId} (${v.deviceName}) tagged ${TAG.caseId}=${ctx.caseId}`,
      dryRun: answer,
    }));
  },
  async run(ctx, attempt) {
    let snaps: Snapshot[] = mayHaveRun(ctx, attempt) ? await findByTags(ctx) : [];
    if (snaps.length === 0) {
      const res = await ctx.clients.ec2.send(
        new CreateSnapshotsCommand({
          InstanceSpecification: { InstanceId: ctx.instanceId, ExcludeBootVolume: false },
          Description: `ir case ${ctx.caseId}: evidence of ${ctx.instanceId}`,
          CopyTagsFromSource: undefined,
          TagSpecifications: [
            {
              ResourceType: "snapshot",
              Tags: caseTags(ctx.caseId, "snapshot", {
                [TAG.role]: ROLE_TAG_VALUES.evidenceSnapshot,
                "ir:instance-id": ctx.instanceId,
              }),
            },
          ],
        }),
      );
      snaps = (res.Snapshots ?? []) as Snapshot[];
    }
    const record: SnapshotRecord = {
      snapshots: snaps.map((s) => ({ snapshotId: s.SnapshotId!, volumeId: s.VolumeId! })),
      ...(snaps[0]?.StartTime ? { startTime: new Date(snaps[0].StartTime).toISOString() } : {}),
    };
    return { status: "done", record: record as unknown as Json };
  },
  async verify(ctx, record) {
    const r = record as unknown as SnapshotRecord;
    const found = await findByTags(ctx);
    const byVolume = new Map(found.map((s) => [s.VolumeId, s]));
    const missing = facts(ctx)
      .volumes.filter((v) => !byVolume.has(v.volumeId))
      .map((v) => v.volumeId);
    if (missing.length > 0) return { ok: false, detail: `no case snapshot of ${missing.join(", ")}` };
    const failed = found.filter((s) => s.State === "error").map((s) => s.SnapshotId);
    if (failed.length > 0) return { ok: false, detail: `snapshots in error: ${failed.join(", ")}` };
    if (found.length > facts(ctx).volumes.length) {
      return {
        ok: false,
        detail: `${found.length} snapshots for ${facts(ctx).volumes.length} volumes: duplicates`,
      };
    }
    return {
      ok: true,
      detail: `${r.snapshots.length} snapshot(s): ${r.snapshots.map((s) => s.snapshotId).join(", ")}`,
    };
  },
};
