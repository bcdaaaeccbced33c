/**
 * Rule ec2-snapshot-per-volume-rate: a volume snapshotted less than 15 s before cannot be snapshotted
 * again (SnapshotCreationPerVolumeRateExceeded), by CreateSnapshot or CreateSnapshots; moto allows it.
 */
import {
  AttachVolumeCommand,
  CreateSnapshotCommand,
  CreateSnapshotsCommand,
  type CreateSnapshotsCommandInput,
  CreateVolumeCommand,
} from "@aws-sdk/client-ec2";
import { expect } from "chai";
import {
  ec2SnapshotPerVolumeRate,
  markRecentlySnapshotted,
} from "../../automation/emulator/strict/rules/ec2-snapshot-per-volume-rate";
import { ec2Basics, launch, outcome } from "../helpers/ec2-basics";
import { TEST_ACCOUNT } from "../helpers/moto";
import { type RuleLayer, startRuleLayer } from "../helpers/strict";

const RATE = "SnapshotCreationPerVolumeRateExceeded";

describe("strict rule ec2-snapshot-per-volume-rate", () => {
  let l: RuleLayer;
  let instanceId: string;
  let dataVolume: string;
  const volume = async () =>
    (await l.admin.ec2.send(new CreateVolumeCommand({ AvailabilityZone: "us-east-1a", Size: 1 }))).VolumeId!;
  const snapshot = (volumeId: string) =>
    outcome(l.admin.ec2.send(new CreateSnapshotCommand({ VolumeId: volumeId })));
  const snapshots = (spec: Partial<CreateSnapshotsCommandInput["InstanceSpecification"]> = {}) =>
    outcome(
      l.admin.ec2.send(
        new CreateSnapshotsCommand({ InstanceSpecification: { InstanceId: instanceId, ...spec } }),
      ),
    );

  before(async () => {
    l = await startRuleLayer([ec2SnapshotPerVolumeRate]);
    instanceId = (await launch(l.admin, await ec2Basics(l.admin))).InstanceId!;
    dataVolume = await volume();
    await l.admin.ec2.send(
      new AttachVolumeCommand({ VolumeId: dataVolume, InstanceId: instanceId, Device: "/dev/sdf" }),
    );
  });
  after(() => l.stop());

  it("refuses a second CreateSnapshot of a volume within 15 s, accepts it after", async () => {
    const v = await volume();
    expect(await snapshot(v)).to.equal("ok");
    expect(await snapshot(v)).to.equal(RATE);
    expect(l.layer.refusals().at(-1)?.rule).to.equal("ec2-snapshot-per-volume-rate");
    l.layer.advanceClock(15_000);
    expect(await snapshot(v)).to.equal("ok");
  });

  it("refuses a volume a backup tool snapshotted seconds ago", async () => {
    const v = await volume();
    markRecentlySnapshotted(l.layer.ctx, TEST_ACCOUNT, v);
    expect(await snapshot(v)).to.equal(RATE);
    expect(await snapshot(await volume())).to.equal("ok");
  });

  it("CreateSnapshots counts every volume of the instance except the excluded ones", async () => {
    l.layer.advanceClock(15_000);
    expect(await snapshots()).to.equal("ok");
    // Both volumes were snapshotted: the data volume on its own is refused too.
    expect(await snapshot(dataVolume)).to.equal(RATE);
    l.layer.advanceClock(15_000);
    expect(await snapshot(dataVolume)).to.equal("ok");
    expect(await snapshots()).to.equal(RATE);
    // Without the data volume, only the root volume is snapshotted: it is not recent.
    expect(await snapshots({ ExcludeDataVolumeIds: [dataVolume] })).to.equal("ok");
    expect(await snapshots({ ExcludeBootVolume: true })).to.equal(RATE);
  });
});
