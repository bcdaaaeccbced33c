/**
 * `ir investigate` on a compromised instance whose data volume is encrypted under the workload's own
 * KMS key, in the strict world, as the responder role the baseline deploys (the incident key, the
 * baseline's evidence key with its key policy, among its keys). EBS uses a snapshot's key in the
 * caller's name; the strict layer evaluates it (rule ec2-ebs-key-access).
 *
 * GIVEN a workload key whose policy admits only the workload's role THEN investigate names the key and
 * the key-policy statements to add, and changes nothing; GIVEN those statements added THEN every case
 * snapshot is copied under the incident key and the volumes are made from the copies; `--stop` keeps
 * the copies (evidence).
 */
import {
  AttachVolumeCommand,
  CreateVolumeCommand,
  DescribeInstancesCommand,
  DescribeSnapshotsCommand,
  DescribeVolumesCommand,
} from "@aws-sdk/client-ec2";
import { expect } from "chai";
import type { AwsClients } from "../../automation/aws/clients";
import { assumeResponderRole } from "../../automation/emulator/responder-role";
import { investigate, stopInvestigation } from "../../automation/investigate/investigate";
import type { ResolvedSettings } from "../../automation/settings/settings";
import { keyPolicy } from "../../components/key-policies";
import { TAG } from "../../facts/tags";
import { responderClients, TEST_ACCOUNT, TEST_REGION } from "../helpers/moto";
import { type Account, describeAccount, setupAccount } from "../helpers/responder";
import { createKey, lockedKeyPolicy, putKeyPolicy } from "./customer-keys";
import { containedCase, seedForensic, withForensic } from "./forensic-world";

const FAST = { timeoutMs: 5_000, pollMs: 50 };
const RESPONDER = `arn:aws:iam::${TEST_ACCOUNT}:role/ir-responder`;

describe("investigate: a snapshot under the workload's own KMS key (strict world, responder role)", function () {
  this.timeout(180_000);
  let a: Account;
  let responder: AwsClients;
  let settings: ResolvedSettings;
  let caseId: string;
  let incidentKey: string;
  let workloadKey: string;
  let statements: Record<string, unknown>[] = [];

  const volumes = async () =>
    ((await a.clients.ec2.send(new DescribeVolumesCommand({}))).Volumes ?? []).map((v) => v.VolumeId).sort();
  const snapshot = async (id: string) =>
    (await a.clients.ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: [id] }))).Snapshots![0]!;

  before(async () => {
    a = await setupAccount();
    const forensic = await seedForensic(a.clients, a.world.imageId);
    incidentKey = await createKey(
      a.clients,
      "incident (the baseline's evidence key)",
      JSON.stringify(keyPolicy("evidence", { accountId: TEST_ACCOUNT, region: TEST_REGION })),
    );
    workloadKey = await createKey(a.clients, "workload");
    const az = (await a.clients.ec2.send(new DescribeInstancesCommand({ InstanceIds: [a.world.solo] })))
      .Reservations![0]!.Instances![0]!.Placement!.AvailabilityZone!;
    const data = await a.clients.ec2.send(
      new CreateVolumeCommand({ AvailabilityZone: az, Size: 1, Encrypted: true, KmsKeyId: workloadKey }),
    );
    await a.clients.ec2.send(
      new AttachVolumeCommand({ VolumeId: data.VolumeId!, InstanceId: a.world.solo, Device: "/dev/sdf" }),
    );
    responder = responderClients(
      a.endpoint,
      await assumeResponderRole(a.clients, {
        accountId: TEST_ACCOUNT,
        region: TEST_REGION,
        kmsKeyArns: [incidentKey],
        workloadRoleArns: [`arn:aws:iam::${TEST_ACCOUNT}:role/${a.world.roleName}`],
      }),
    );
    caseId = await containedCase({ ...a, responder }, a.world.solo);
    settings = { ...withForensic(a.settings, forensic), evidenceKmsKeyArn: incidentKey };
    // The workload team locked its key to its own role.
    await putKeyPolicy(a.clients, workloadKey, lockedKeyPolicy(TEST_ACCOUNT));
  });
  after(() => responder.destroy());

  it("a key that does not admit the responder is named with the statements to add; nothing changes", async () => {
    const before = [await describeAccount(a), await volumes()];
    const r = await investigate({ caseId, settings, clients: responder, owner: "alice", mountTiming: FAST });
    expect(r.status).to.equal("error");
    expect(r.error).to.include(`key ${workloadKey} does not let ${RESPONDER} use it through EC2`);
    expect(r.error).to.include("kms:Decrypt, kms:ReEncryptFrom not allowed by its key policy");
    expect(r.error).to.include("nothing was changed");
    const prefix = `key policy statement for ${workloadKey}: `;
    statements = r.notes.filter((n) => n.startsWith(prefix)).map((n) => JSON.parse(n.slice(prefix.length)));
    expect(statements).to.have.length(2);
    for (const n of r.notes) expect(n.length, "one CLI line each").to.be.at.most(500);
    expect(statements[0]).to.deep.include({ Principal: { AWS: RESPONDER }, Resource: "*" });
    expect(statements[0]!.Condition).to.deep.include({
      StringEquals: {
        "kms:ViaService": `ec2.${TEST_REGION}.amazonaws.com`,
        "kms:CallerAccount": TEST_ACCOUNT,
      },
    });
    expect(r.notes.some((n) => n.includes(`aws kms create-grant --key-id ${workloadKey}`))).to.equal(true);
    expect([await describeAccount(a), await volumes()], "no copy, volume or workstation").to.deep.equal(
      before,
    );
  });

  it("with the statements added, every case snapshot becomes an evidence volume through a copy under the incident key", async () => {
    const policy = JSON.parse(lockedKeyPolicy(TEST_ACCOUNT));
    await putKeyPolicy(
      a.clients,
      workloadKey,
      JSON.stringify({ ...policy, Statement: [...policy.Statement, ...statements] }),
    );
    const r = await investigate({ caseId, settings, clients: responder, owner: "alice", mountTiming: FAST });
    expect(r.status, `${r.error} ${JSON.stringify(r.steps)}`).to.equal("ready");
    const ws = r.workstation!;
    expect(ws.volumes).to.have.length(2);
    expect(ws.mounted).to.equal(true);
    const underWorkloadKey = [];
    for (const v of ws.volumes) {
      const source = await snapshot(v.snapshotId);
      if (source.KmsKeyId === workloadKey) underWorkloadKey.push(v.snapshotId);
      const copy = await snapshot(v.fromSnapshotId!);
      expect(copy.SnapshotId).to.not.equal(v.snapshotId);
      expect([copy.State, copy.Encrypted, copy.KmsKeyId]).to.deep.equal(["completed", true, incidentKey]);
      const tags = Object.fromEntries((copy.Tags ?? []).map((t) => [t.Key, t.Value]));
      expect(tags).to.deep.include({
        [TAG.caseId]: caseId,
        [TAG.step]: "investigate-copy",
        "ir:source-snapshot-id": v.snapshotId,
      });
      const vol = (await a.clients.ec2.send(new DescribeVolumesCommand({ VolumeIds: [v.volumeId] })))
        .Volumes![0]!;
      expect([vol.SnapshotId, vol.KmsKeyId]).to.deep.equal([copy.SnapshotId, incidentKey]);
    }
    expect(underWorkloadKey, "the data volume's snapshot is under the workload key").to.have.length(1);
  });

  it("--stop deletes the volumes and keeps the snapshots and their copies (evidence)", async () => {
    const r = await stopInvestigation({ caseId, settings, clients: responder, pollMs: 50 });
    expect(r.status, r.error).to.equal("stopped");
    expect(r.deletedVolumes).to.have.length(2);
    expect(r.keptSnapshots).to.have.length(4);
    for (const id of r.keptSnapshots) expect((await snapshot(id)).State).to.equal("completed");
  });
});
