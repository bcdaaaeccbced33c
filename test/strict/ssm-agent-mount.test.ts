/**
 * Rule ssm-agent on the emulated host (automation/emulator/strict/ssm-agent/emulated-host.ts): the
 * investigation's own read-only mount script (automation/ssm-documents/mount-readonly.ts) runs against
 * the EBS volumes moto says are attached to the workstation, laid out as the host's NVMe devices with
 * their by-id links; the stub block-device tools record what it sets read-only and mounts. The script's
 * /dev and /mnt are the sandbox's (a user+mount namespace), never this machine's.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import {
  AttachVolumeCommand,
  CreateVolumeCommand,
  DescribeInstancesCommand,
  DetachVolumeCommand,
} from "@aws-sdk/client-ec2";
import {
  AddRoleToInstanceProfileCommand,
  AttachRolePolicyCommand,
  CreateInstanceProfileCommand,
  CreateRoleCommand,
} from "@aws-sdk/client-iam";
import { SendCommandCommand } from "@aws-sdk/client-ssm";
import { expect } from "chai";
import { iamAuthorize } from "../../automation/emulator/strict/rules/iam-authorize";
import { ssmAgent } from "../../automation/emulator/strict/rules/ssm-agent";
import { stsSessions } from "../../automation/emulator/strict/rules/sts-sessions";
import {
  hostDevices,
  hostMounts,
  namespacesAvailable,
  setVolumeFilesystem,
} from "../../automation/emulator/strict/ssm-agent/emulated-host";
import { sandboxOf } from "../../automation/emulator/strict/ssm-agent/options";
import { MOUNT_ROOT } from "../../automation/investigate/context";
import { parseMountOutput } from "../../automation/investigate/mount";
import {
  type EvidenceVolume,
  mountReadOnlyScript,
  READ_ONLY_MOUNT_OPTIONS,
} from "../../automation/ssm-documents/mount-readonly";
import { launch, waitForEnd } from "../helpers/ssm-agent";
import { SSM_MANAGED_INSTANCE_CORE_ARN } from "../helpers/ssm-policy";
import { type RuleLayer, startRuleLayer } from "../helpers/strict";

describe("strict rule ssm-agent: the emulated host mounts evidence volumes read-only", function () {
  this.timeout(60_000);
  let l: RuleLayer;
  let ws: string;
  let az: string;
  let host: string;

  const run = async (commands: string[]) => {
    const sent = await l.admin.ssm.send(
      new SendCommandCommand({
        InstanceIds: [ws],
        DocumentName: "AWS-RunShellScript",
        Parameters: { commands, executionTimeout: ["600"] },
        TimeoutSeconds: 60,
      }),
    );
    return waitForEnd(l, sent.Command!.CommandId!, ws);
  };
  const mount = (volumes: EvidenceVolume[]) => run([mountReadOnlyScript({ volumes, mountRoot: MOUNT_ROOT })]);
  const volume = async (device?: string) => {
    const v = await l.admin.ec2.send(new CreateVolumeCommand({ AvailabilityZone: az, Size: 8 }));
    if (device)
      await l.admin.ec2.send(
        new AttachVolumeCommand({ VolumeId: v.VolumeId!, InstanceId: ws, Device: device }),
      );
    return v.VolumeId!;
  };

  before(async () => {
    if (!namespacesAvailable())
      throw new Error(
        "this machine gives no user+mount namespaces (unshare --user --map-root-user --mount): the emulated host cannot run",
      );
    l = await startRuleLayer([stsSessions, iamAuthorize, ssmAgent]);
    // The workstation's profile as the baseline makes it: AWS's AmazonSSMManagedInstanceCore attached.
    await l.admin.iam.send(
      new CreateRoleCommand({
        RoleName: "workstation",
        AssumeRolePolicyDocument: JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            { Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" },
          ],
        }),
      }),
    );
    await l.admin.iam.send(
      new AttachRolePolicyCommand({ RoleName: "workstation", PolicyArn: SSM_MANAGED_INSTANCE_CORE_ARN }),
    );
    const p = await l.admin.iam.send(
      new CreateInstanceProfileCommand({ InstanceProfileName: "workstation" }),
    );
    await l.admin.iam.send(
      new AddRoleToInstanceProfileCommand({ InstanceProfileName: "workstation", RoleName: "workstation" }),
    );
    ws = await launch(l, p.InstanceProfile!.Arn!);
    const d = await l.admin.ec2.send(new DescribeInstancesCommand({ InstanceIds: [ws] }));
    az = d.Reservations![0]!.Instances![0]!.Placement!.AvailabilityZone!;
    host = sandboxOf(ws);
  });
  after(() => l?.stop());

  it("the real mount script mounts an ext4 and an xfs volume read-only with their options; a re-run finds them mounted", async () => {
    const ext = await volume("/dev/sdf");
    const xfs = await volume("/dev/sdg");
    setVolumeFilesystem(l.layer.ctx, xfs, "xfs");
    const inv = await mount([
      { volumeId: ext, attachedAs: "/dev/sdf" },
      { volumeId: xfs, attachedAs: "/dev/sdg" },
    ]);
    expect(inv.Status, `${inv.StandardOutputContent}\n${inv.StandardErrorContent}`).to.equal("Success");
    expect(parseMountOutput(inv.StandardOutputContent)).to.deep.equal([
      { volumeId: ext, status: "mounted", mount: `${MOUNT_ROOT}/${ext}` },
      { volumeId: xfs, status: "mounted", mount: `${MOUNT_ROOT}/${xfs}` },
    ]);
    // The host's own names: the volumes' NVMe devices (the root volume is nvme0n1), found by id.
    const devices = hostDevices(host);
    const deviceOf = (v: string) => devices.find((x) => x.volumeId === v && x.type === "disk")!.path;
    expect(deviceOf(ext)).to.match(/^\/dev\/nvme[1-9]n1$/);
    const lines = inv.StandardOutputContent!.trim().split("\n");
    expect(lines).to.deep.equal([
      `volume=${ext} device=${deviceOf(ext)} fstype=ext4 mount=${MOUNT_ROOT}/${ext} options=${READ_ONLY_MOUNT_OPTIONS.ext4} status=mounted`,
      `volume=${xfs} device=${deviceOf(xfs)} fstype=xfs mount=${MOUNT_ROOT}/${xfs} options=${READ_ONLY_MOUNT_OPTIONS.xfs} status=mounted`,
    ]);
    expect(hostMounts(host)).to.deep.equal([
      {
        source: deviceOf(ext),
        target: `${MOUNT_ROOT}/${ext}`,
        fstype: "ext4",
        options: READ_ONLY_MOUNT_OPTIONS.ext4,
      },
      {
        source: deviceOf(xfs),
        target: `${MOUNT_ROOT}/${xfs}`,
        fstype: "xfs",
        options: READ_ONLY_MOUNT_OPTIONS.xfs,
      },
    ]);
    // The mount points were made in the sandbox's /mnt, the read-only flags set on the devices.
    expect(existsSync(join(host, "mnt/evidence", ext))).to.equal(true);
    const state = await run([
      `blockdev --getro ${deviceOf(ext)} ${"&&"} blockdev --getro /dev/sdg`,
      "lsblk -lnpo NAME,FSTYPE,RO,MOUNTPOINT -- /dev/sdf",
      `findmnt -no SOURCE,OPTIONS -- ${MOUNT_ROOT}/${xfs}`,
    ]);
    expect(state.StandardOutputContent).to.equal(
      `1\n1\n${deviceOf(ext)} ext4 1 ${MOUNT_ROOT}/${ext}\n${deviceOf(xfs)} ${READ_ONLY_MOUNT_OPTIONS.xfs}\n`,
    );

    // `ir investigate` run again sends the script again: both already mounted read-only.
    const again = await mount([
      { volumeId: ext, attachedAs: "/dev/sdf" },
      { volumeId: xfs, attachedAs: "/dev/sdg" },
    ]);
    expect(again.Status).to.equal("Success");
    expect(parseMountOutput(again.StandardOutputContent).map((r) => r.status)).to.deep.equal([
      "already-mounted-ro",
      "already-mounted-ro",
    ]);
    expect(hostMounts(host)).to.have.length(2);
  });

  it("a volume that is not attached fails with the script's own reason (device-not-found)", async () => {
    const loose = await volume();
    const inv = await mount([{ volumeId: loose, attachedAs: "/dev/sdk" }]);
    expect(inv.Status).to.equal("Failed");
    expect(inv.ResponseCode).to.equal(1);
    expect(parseMountOutput(inv.StandardOutputContent)).to.deep.equal([
      { volumeId: loose, status: "failed", reason: "device-not-found" },
    ]);
    // Detached since the last delivery: its device is gone from the host.
    const gone = await volume("/dev/sdh");
    await mount([{ volumeId: gone, attachedAs: "/dev/sdh" }]);
    await l.admin.ec2.send(new DetachVolumeCommand({ VolumeId: gone, InstanceId: ws, Device: "/dev/sdh" }));
    const after = await mount([{ volumeId: gone, attachedAs: "/dev/sdh" }]);
    expect(parseMountOutput(after.StandardOutputContent)[0]).to.include({
      status: "failed",
      reason: "device-not-found",
    });
    expect(hostDevices(host).some((d) => d.volumeId === gone)).to.equal(false);
  });

  it("a partitioned disk: each partition with a filesystem is mounted under the volume, one without is skipped", async () => {
    const disk = await volume("/dev/sdi");
    setVolumeFilesystem(l.layer.ctx, disk, ["", "xfs"]);
    const inv = await mount([{ volumeId: disk, attachedAs: "/dev/sdi" }]);
    expect(inv.Status, inv.StandardErrorContent).to.equal("Success");
    const parts = hostDevices(host).filter((d) => d.volumeId === disk && d.type === "part");
    expect(parseMountOutput(inv.StandardOutputContent)).to.deep.equal([
      { volumeId: disk, status: "skipped", reason: "no-filesystem" },
      { volumeId: disk, status: "mounted", mount: `${MOUNT_ROOT}/${disk}/${parts[1]!.path.slice(5)}` },
    ]);
  });

  it("the stub mount refuses a device not set read-only, and options without ro", async () => {
    const v = await volume("/dev/sdj");
    const inv = await run([
      "mkdir -p /mnt/probe",
      "mount -t ext4 -o ro,noload -- /dev/sdj /mnt/probe; echo rc=$?",
      "blockdev --setro /dev/sdj",
      "mount -t ext4 -o noload -- /dev/sdj /mnt/probe; echo rc=$?",
      "mountpoint -q /mnt/probe; echo mountpoint=$?",
    ]);
    expect(inv.StandardOutputContent).to.equal("rc=32\nrc=32\nmountpoint=32\n");
    expect(inv.StandardErrorContent).to.contain("is not read-only at the block layer");
    expect(inv.StandardErrorContent).to.contain("would be mounted read-write");
    expect(hostMounts(host).some((m) => m.target === "/mnt/probe")).to.equal(false);
    expect(hostDevices(host).some((d) => d.volumeId === v)).to.equal(true);
  });

  it("a script touching /dev/sda and /mnt writes only inside the sandbox, as an unprivileged user outside it", async () => {
    const probe = `ir-strict-probe-${process.pid}-${Date.now()}`;
    const realDevBefore = existsSync("/dev/sda");
    const mountsBefore = readFileSync("/proc/self/mounts", "utf8");
    const inv = await run([
      `echo written > /dev/sda; echo written > /dev/${probe}; mkdir -p /mnt/${probe}`,
      "ls -A /dev | tr '\\n' ' '; echo",
      "id -u",
      "awk '{ print $2 }' /proc/self/uid_map",
      // The real tool mounts in the namespace only (its mounts are private to it).
      "PATH=/usr/sbin:/usr/bin:/sbin:/bin mount --bind /tmp /mnt; echo bind=$?",
    ]);
    expect(inv.Status, inv.StandardErrorContent).to.equal("Success");
    const [devList, uid, outsideUid, bind] = inv.StandardOutputContent!.split("\n");
    expect(bind).to.equal("bind=0");
    expect(devList).to.contain("sda").and.to.contain("nvme0n1").and.to.contain(".emulated-host");
    expect(uid).to.equal("0");
    // Root here is nobody to the kernel when this process is root (else this process's own user).
    expect(outsideUid).to.equal(String(process.getuid?.() === 0 ? 65534 : process.getuid?.()));
    expect(readFileSync(join(host, "dev/sda"), "utf8")).to.equal("written\n");
    expect(existsSync(join(host, "dev", probe))).to.equal(true);
    expect(existsSync(join(host, "mnt", probe))).to.equal(true);
    expect(existsSync(`/dev/${probe}`)).to.equal(false);
    expect(existsSync(`/mnt/${probe}`)).to.equal(false);
    expect(existsSync("/dev/sda")).to.equal(realDevBefore);
    expect(readFileSync("/proc/self/mounts", "utf8")).to.equal(mountsBefore);
  });
});
