/**
 * EBS refuses a snapshot of a volume that was snapshotted moments before: CreateSnapshot and
 * CreateSnapshots answer SnapshotCreationPerVolumeRateExceeded (400) and ask for a retry with an
 * increasing or variable sleep. EC2's error reference says to "wait at least 15 seconds between
 * concurrent volume snapshots", so the window here is 15 s from the last snapshot of the volume. moto
 * snapshots a volume as often as asked.
 *
 * The layer learns snapshot times from successful answers (every volume a CreateSnapshots answer names,
 * i.e. the instance's volumes minus the excluded ones); `markRecentlySnapshotted` stands for a backup
 * tool that snapshotted the volume seconds ago. A DryRun only checks permissions: never refused here.
 */
import { indexed, isEc2, isTrue, motoInstance, stateMap, xmlTags } from "../ec2-query";
import type { RuleContext, StrictRequest, StrictRule } from "../types";

/** Between two snapshots of one volume (EC2 error reference: "at least 15 seconds"). */
export const SNAPSHOT_INTERVAL_MS = 15_000;

/** Last snapshot time by `${accountId}/${volumeId}`. */
const lastSnapshot = stateMap<number>("ec2-snapshot-per-volume-rate");

/** Records a snapshot of `volumeId` now (a backup tool took one seconds ago). */
export function markRecentlySnapshotted(
  ctx: RuleContext,
  accountId: string,
  volumeId: string,
  at = ctx.now(),
) {
  lastSnapshot(ctx).set(`${accountId}/${volumeId}`, at);
}

/** The volumes a request would snapshot (CreateSnapshots: the instance's, minus the excluded). */
async function volumesOf(req: StrictRequest, ctx: RuleContext): Promise<string[]> {
  if (req.operation === "CreateSnapshot") return req.params.VolumeId ? [req.params.VolumeId] : [];
  const p = req.params;
  const instanceId = p["InstanceSpecification.InstanceId"];
  const instance = instanceId ? await motoInstance(ctx, req, instanceId) : undefined;
  if (!instance) return [];
  const excluded = new Set(indexed(p, "InstanceSpecification.ExcludeDataVolumeId"));
  const excludeBoot = isTrue(p["InstanceSpecification.ExcludeBootVolume"]);
  return (instance.BlockDeviceMappings ?? [])
    .filter((m) => !(excludeBoot && m.DeviceName === instance.RootDeviceName))
    .map((m) => m.Ebs?.VolumeId)
    .filter((v): v is string => v !== undefined && !excluded.has(v));
}

export const ec2SnapshotPerVolumeRate: StrictRule = {
  id: "ec2-snapshot-per-volume-rate",
  title:
    "a snapshot of a volume snapshotted less than 15 seconds before is refused with SnapshotCreationPerVolumeRateExceeded",
  source: "https://docs.aws.amazon.com/AWSEC2/latest/APIReference/errors-overview.html",
  matches: (req) => isEc2(req, "CreateSnapshot", "CreateSnapshots"),
  async before(req, ctx) {
    if (isTrue(req.params.DryRun)) return undefined;
    const last = lastSnapshot(ctx);
    const now = ctx.now();
    const recent = (await volumesOf(req, ctx)).filter(
      (v) => now - (last.get(`${req.accountId}/${v}`) ?? Number.NEGATIVE_INFINITY) < SNAPSHOT_INTERVAL_MS,
    );
    if (recent.length === 0) return undefined;
    return {
      status: 400,
      code: "SnapshotCreationPerVolumeRateExceeded",
      message:
        "The maximum per volume CreateSnapshot request rate has been exceeded. Use an increasing or variable sleep interval between requests.",
    };
  },
  after(req, answer, ctx) {
    if (answer.status !== 200) return;
    for (const volumeId of new Set(xmlTags(answer.body.toString("utf8"), "volumeId")))
      markRecentlySnapshotted(ctx, req.accountId, volumeId);
  },
};
