/**
 * `investigate` and `stopInvestigation` against moto: the workstation lands in the forensic subnet of
 * the case's AZ with the SSM-only profile and the case/owner/expiry tags, a volume from every case
 * snapshot is attached and the read-only mount is sent to it alone; a second run reuses everything;
 * `--stop` terminates it, deletes the volumes and keeps the snapshots; the dry run changes nothing.
 */
import {
  CreateSnapshotCommand,
  CreateVolumeCommand,
  DescribeInstancesCommand,
  DescribeSnapshotsCommand,
  DescribeVolumesCommand,
} from "@aws-sdk/client-ec2";
import { expect } from "chai";
import { AwsClients, MemoryRecorder } from "../../automation/aws/clients";
import { investigate, stopInvestigation } from "../../automation/investigate/investigate";
import { release } from "../../automation/respond/release";
import { caseStatus } from "../../automation/respond/status";
import type { ResolvedSettings } from "../../automation/settings/settings";
import { RESPONDER_ACTIONS } from "../../facts/responder-actions";
import { TAG } from "../../facts/tags";
import { TEST_CREDENTIALS, TEST_REGION } from "../helpers/moto";
import { type Account, describeAccount, setupAccount } from "../helpers/responder";
import { containedCase, type ForensicWorld, seedForensic, withForensic } from "./forensic-world";

const FAST = { timeoutMs: 5_000, pollMs: 50 };
const OWNER = "alice@example.com";

describe("investigate: forensic workstation against moto (integration)", function () {
  this.timeout(120_000);
  let a: Account;
  let f: ForensicWorld;
  let settings: ResolvedSettings;
  let caseId: string;
  let clients: AwsClients;
  const recorder = new MemoryRecorder();
  /** SendCommand inputs as sent (moto lists every instance as a command's target, whatever was asked). */
  const sent: { InstanceIds?: string[]; Comment?: string; Parameters?: Record<string, string[]> }[] = [];

  before(async () => {
    a = await setupAccount();
    f = await seedForensic(a.clients, a.world.imageId);
    settings = withForensic(a.settings, f);
    caseId = await containedCase(a, a.world.solo);
    clients = new AwsClients({
      endpoint: a.endpoint,
      region: TEST_REGION,
      credentials: TEST_CREDENTIALS,
      retry: { maxAttempts: 1 },
      recorder,
    });
    clients.ssm.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === "SendCommandCommand") sent.push(args.input as (typeof sent)[number]);
        return next(args);
      },
      { step: "initialize" },
    );
  });
  after(() => clients.destroy());

  const caseSnapshots = async () =>
    (
      await a.clients.ec2.send(
        new DescribeSnapshotsCommand({ Filters: [{ Name: `tag:${TAG.caseId}`, Values: [caseId] }] }),
      )
    ).Snapshots ?? [];

  it("the dry run plans the launch, the volumes and the mount, and changes nothing", async () => {
    const before = await describeAccount(a);
    const r = await investigate({ caseId, settings, clients, owner: OWNER, dryRun: true, mountTiming: FAST });
    expect(r.status).to.equal("planned");
    const actions = r.steps.flatMap((s) => (s.changes ?? []).map((c) => c.action));
    expect(actions).to.include.members([
      "ec2:RunInstances",
      "ec2:CreateVolume",
      "ec2:AttachVolume",
      "ssm:SendCommand",
    ]);
    const launch = r.steps.find((s) => s.id === "investigate-launch")!.changes![0]!;
    expect(launch.dryRun).to.equal("allowed");
    expect(launch.target).to.equal(f.subnets[`${TEST_REGION}a`]);
    expect(await describeAccount(a)).to.deep.equal(before);
  });

  it("launches in the forensic subnet of the case's AZ, attaches a volume per snapshot, mounts read-only", async () => {
    const r = await investigate({ caseId, settings, clients, owner: OWNER, ttlHours: 2, mountTiming: FAST });
    expect(r.status, JSON.stringify(r.steps)).to.equal("ready");
    const ws = r.workstation!;
    expect(ws.availabilityZone).to.equal(`${TEST_REGION}a`);
    expect(ws.owner).to.equal(OWNER);
    expect(ws.mounted).to.equal(true);
    const ttl = Date.parse(ws.expiresAt) - Date.now();
    expect(ttl).to.be.within(2 * 3_600_000 - 60_000, 2 * 3_600_000 + 1_000);

    const inst = (await a.clients.ec2.send(new DescribeInstancesCommand({ InstanceIds: [ws.instanceId] })))
      .Reservations![0]!.Instances![0]!;
    expect(inst.SubnetId).to.equal(f.subnets[`${TEST_REGION}a`]);
    expect(inst.ImageId).to.equal(f.imageId);
    expect(inst.IamInstanceProfile?.Arn).to.match(new RegExp(`/${f.profile}$`));
    expect(inst.SecurityGroups?.map((g) => g.GroupId)).to.deep.equal([f.groupId]);
    expect(inst.MetadataOptions?.HttpTokens).to.equal("required");
    expect(inst.KeyName).to.equal(undefined);
    const tags = Object.fromEntries((inst.Tags ?? []).map((t) => [t.Key, t.Value]));
    expect(tags).to.deep.include({
      [TAG.caseId]: caseId,
      [TAG.step]: "investigate-launch",
      [TAG.owner]: OWNER,
      [TAG.expiresAt]: ws.expiresAt,
      [TAG.role]: "forensic-workstation",
    });

    const snaps = await caseSnapshots();
    expect(snaps.length).to.be.greaterThan(0);
    expect(ws.volumes.map((v) => v.snapshotId).sort()).to.deep.equal(snaps.map((s) => s.SnapshotId).sort());
    const vols = (
      await a.clients.ec2.send(new DescribeVolumesCommand({ VolumeIds: ws.volumes.map((v) => v.volumeId) }))
    ).Volumes!;
    for (const v of vols) {
      expect(v.AvailabilityZone).to.equal(`${TEST_REGION}a`);
      expect(v.Attachments?.[0]?.InstanceId).to.equal(ws.instanceId);
      expect(Object.fromEntries((v.Tags ?? []).map((t) => [t.Key, t.Value]))).to.deep.include({
        [TAG.caseId]: caseId,
        [TAG.step]: "investigate-volumes",
        [TAG.role]: "evidence-volume",
      });
    }
    expect(sent).to.have.length(1);
    const mount = sent[0]!;
    expect(mount.InstanceIds).to.deep.equal([ws.instanceId]);
    const script = mount?.Parameters?.commands?.[0] ?? "";
    expect(script).to.include("blockdev --setro");
    expect(script).to.include("ro,noload");
    for (const v of ws.volumes) expect(script).to.include(`mount_volume '${v.volumeId}' '${v.device}'`);
  });

  it("a second run reuses the workstation and its volumes", async () => {
    const count = async () => ({
      instances: (
        await a.clients.ec2.send(
          new DescribeInstancesCommand({
            Filters: [
              { Name: `tag:${TAG.caseId}`, Values: [caseId] },
              { Name: "instance-state-name", Values: ["pending", "running"] },
            ],
          }),
        )
      ).Reservations!.flatMap((x) => x.Instances ?? []).length,
      volumes: (
        await a.clients.ec2.send(
          new DescribeVolumesCommand({ Filters: [{ Name: `tag:${TAG.caseId}`, Values: [caseId] }] }),
        )
      ).Volumes!.length,
    });
    const before = await count();
    const r = await investigate({ caseId, settings, clients, owner: "bob@example.com", mountTiming: FAST });
    expect(r.status, JSON.stringify(r.steps)).to.equal("reused");
    expect(r.workstation?.owner, "the first owner stays").to.equal(OWNER);
    expect(await count()).to.deep.equal(before);
  });

  it("release refuses while the workstation runs (the closed case would leave it out of reach)", async () => {
    let error: Error | undefined;
    await release({ caseId, settings, clients }).catch((e: Error) => {
      error = e;
    });
    expect(error?.message).to.match(
      /still has a forensic workstation \(i-[0-9a-f]+\): stop it first with `ir investigate c-.* --stop`/,
    );
    const status = await caseStatus({ ref: caseId, settings, clients });
    expect(status.state, "the case stays open").to.not.equal("released");
  });

  it("--stop terminates the workstation, deletes its volumes and keeps the snapshots", async () => {
    const snapsBefore = (await caseSnapshots()).map((s) => s.SnapshotId).sort();
    const r = await stopInvestigation({ caseId, settings, clients, pollMs: 50 });
    expect(r.status, JSON.stringify(r.steps)).to.equal("stopped");
    expect(r.terminated).to.have.length(1);
    expect(r.deletedVolumes).to.have.length(snapsBefore.length);
    expect(r.keptSnapshots.sort()).to.deep.equal(snapsBefore);
    expect((await caseSnapshots()).map((s) => s.SnapshotId).sort()).to.deep.equal(snapsBefore);
    const left = (
      await a.clients.ec2.send(
        new DescribeVolumesCommand({ Filters: [{ Name: `tag:${TAG.caseId}`, Values: [caseId] }] }),
      )
    ).Volumes!.filter((v) => r.deletedVolumes.includes(v.VolumeId!));
    expect(left).to.deep.equal([]);
    const again = await stopInvestigation({ caseId, settings, clients, pollMs: 50 });
    expect(again.status).to.equal("nothing-to-stop");
  });

  it("investigating again after --stop launches a fresh workstation", async () => {
    const r = await investigate({ caseId, settings, clients, owner: OWNER, mountTiming: FAST });
    expect(r.status, JSON.stringify(r.steps)).to.equal("ready");
    expect((await stopInvestigation({ caseId, settings, clients, pollMs: 50 })).status).to.equal("stopped");
  });

  it("--stop refuses to delete a case-tagged volume that was not made from an intact case snapshot", async () => {
    const ec2 = a.clients.ec2;
    const other = (
      await ec2.send(
        new DescribeVolumesCommand({
          Filters: [{ Name: "attachment.instance-id", Values: [a.world.noProfile] }],
        }),
      )
    ).Volumes![0]!;
    const snap = await ec2.send(new CreateSnapshotCommand({ VolumeId: other.VolumeId! }));
    const stray = await ec2.send(
      new CreateVolumeCommand({
        SnapshotId: snap.SnapshotId!,
        AvailabilityZone: `${TEST_REGION}a`,
        TagSpecifications: [
          {
            ResourceType: "volume",
            Tags: [
              { Key: TAG.caseId, Value: caseId },
              { Key: TAG.role, Value: "evidence-volume" },
            ],
          },
        ],
      }),
    );
    const r = await stopInvestigation({ caseId, settings, clients, pollMs: 50 });
    expect(r.status).to.equal("incomplete");
    expect(r.error).to.include(
      `volume ${stray.VolumeId} was made from ${snap.SnapshotId}, which is not an intact snapshot of case ${caseId}: refusing to delete it`,
    );
    const still = await ec2.send(new DescribeVolumesCommand({ VolumeIds: [stray.VolumeId!] }));
    expect(still.Volumes![0]!.State).to.equal("available");
  });

  it("calls only actions listed in RESPONDER_ACTIONS", () => {
    const unlisted = recorder.actions().filter((x) => !RESPONDER_ACTIONS.includes(x));
    expect(unlisted, "called but missing from RESPONDER_ACTIONS").to.deep.equal([]);
  });
});
