/**
 * Rule ec2-ebs-key-access: EBS uses a snapshot's KMS key in the caller's name, so a volume from it, or a
 * copy of it, needs the caller allowed EBS's KMS actions on the key (identity and key policy). AWS
 * answers both calls and fails them later: the volume is gone, the copy ends in `error` with a
 * StateMessage. moto makes both whatever the key says.
 */
import {
  CopySnapshotCommand,
  CreateSnapshotCommand,
  CreateVolumeCommand,
  DescribeSnapshotsCommand,
  DescribeVolumesCommand,
  type EC2Client,
} from "@aws-sdk/client-ec2";
import { PutRolePolicyCommand } from "@aws-sdk/client-iam";
import { expect } from "chai";
import type { AwsClients } from "../../automation/aws/clients";
import {
  COPY_FAILURE_MESSAGE,
  ec2EbsKeyAccess,
} from "../../automation/emulator/strict/rules/ec2-ebs-key-access";
import { iamAuthorize } from "../../automation/emulator/strict/rules/iam-authorize";
import { stsSessions } from "../../automation/emulator/strict/rules/sts-sessions";
import { responderPolicyDocument } from "../../components/responder-policy";
import { RESPONDER_ACTIONS } from "../../facts/responder-actions";
import { outcome } from "../helpers/ec2-basics";
import { ACCOUNT, createRole, sessionOf } from "../helpers/iam-authorize";
import { type RuleLayer, startRuleLayer } from "../helpers/strict";
import { createKey, lockedKeyPolicy, putKeyPolicy } from "../investigate/customer-keys";

const AZ = "us-east-1a";
/** Every EC2 call, no KMS: what EBS asks KMS in the caller's name is up to the key and the KMS statements. */
const EC2_ONLY = { Effect: "Allow", Action: "ec2:*", Resource: "*" };

describe("strict rule ec2-ebs-key-access", () => {
  let l: RuleLayer;
  let responder: AwsClients;
  let nobody: AwsClients;
  let incidentKey: string;
  /** Snapshots of volumes under an open workload key, a locked one, and the account's aws/ebs key. */
  let open: string;
  let locked: string;
  let awsManaged: string;
  let lockedKey: string;

  const snapshotUnder = async (kmsKeyId?: string) => {
    const v = await l.admin.ec2.send(
      new CreateVolumeCommand({ AvailabilityZone: AZ, Size: 1, Encrypted: true, KmsKeyId: kmsKeyId }),
    );
    return (await l.admin.ec2.send(new CreateSnapshotCommand({ VolumeId: v.VolumeId! }))).SnapshotId!;
  };
  /** "available" or "gone" a moment after CreateVolume answered. */
  const volumeFrom = async (ec2: EC2Client, snapshotId: string) => {
    const v = await ec2.send(new CreateVolumeCommand({ AvailabilityZone: AZ, SnapshotId: snapshotId }));
    const now = await outcome(l.admin.ec2.send(new DescribeVolumesCommand({ VolumeIds: [v.VolumeId!] })));
    if (now !== "ok") expect(v.State, "AWS answers the volume as being created").to.equal("creating");
    return now === "ok" ? "available" : now;
  };
  const copyOf = async (ec2: EC2Client, snapshotId: string) => {
    const id = (
      await ec2.send(
        new CopySnapshotCommand({
          SourceSnapshotId: snapshotId,
          SourceRegion: "us-east-1",
          Encrypted: true,
          KmsKeyId: incidentKey,
        }),
      )
    ).SnapshotId!;
    return (await l.admin.ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: [id] }))).Snapshots![0]!;
  };

  before(async () => {
    l = await startRuleLayer([stsSessions, iamAuthorize, ec2EbsKeyAccess]);
    incidentKey = await createKey(l.admin, "incident");
    const openKey = await createKey(l.admin, "workload, default policy");
    lockedKey = await createKey(l.admin, "workload, locked later");
    open = await snapshotUnder(openKey);
    locked = await snapshotUnder(lockedKey);
    awsManaged = await snapshotUnder(undefined);
    // The workload team locks its key down once its volumes exist.
    await putKeyPolicy(l.admin, lockedKey, lockedKeyPolicy(ACCOUNT));
    // The responder's KMS statements as the baseline generates them, the incident key as its key.
    await createRole(l.admin, "ir-responder");
    const policy = responderPolicyDocument(RESPONDER_ACTIONS, {
      partition: "aws",
      accountId: ACCOUNT,
      regions: ["us-east-1"],
      evidenceBucketArn: "arn:aws:s3:::e",
      toolsBucketArn: "arn:aws:s3:::t",
      journalTableArn: `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/j`,
      kmsKeyArns: [incidentKey],
      passableRoleArns: [],
      responderRoleArn: `arn:aws:iam::${ACCOUNT}:role/ir-responder`,
      requireCaseTagForDestructive: true,
    });
    await l.admin.iam.send(
      new PutRolePolicyCommand({
        RoleName: "ir-responder",
        PolicyName: "kms",
        PolicyDocument: JSON.stringify({
          ...policy,
          Statement: [EC2_ONLY, ...policy.Statement.filter((s) => String(s.Action).includes("kms:"))],
        }),
      }),
    );
    await createRole(l.admin, "ir-nobody");
    await l.admin.iam.send(
      new PutRolePolicyCommand({
        RoleName: "ir-nobody",
        PolicyName: "ec2",
        PolicyDocument: JSON.stringify({ Version: "2012-10-17", Statement: [EC2_ONLY] }),
      }),
    );
    responder = l.as(await sessionOf(l.admin, "ir-responder"));
    nobody = l.as(await sessionOf(l.admin, "ir-nobody"));
  });
  after(() => l.stop());

  it("shows the key of a snapshot taken of an encrypted volume (moto drops it)", async () => {
    const s = (await l.admin.ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: [locked] })))
      .Snapshots![0]!;
    expect(s.KmsKeyId).to.equal(lockedKey);
  });

  it("a volume from a customer-key snapshot needs EBS's actions on the key: without them it is gone", async () => {
    expect(await volumeFrom(nobody.ec2, open)).to.equal("InvalidVolume.NotFound");
    // The responder holds only what a copy needs on a workload's key: no new volume under it.
    expect(await volumeFrom(responder.ec2, open)).to.equal("InvalidVolume.NotFound");
    expect(await volumeFrom(l.admin.ec2, open)).to.equal("available");
  });

  it("a copy under the incident key needs the source key readable: a locked one ends the copy in error", async () => {
    const good = await copyOf(responder.ec2, open);
    expect(good.State).to.equal("completed");
    expect(good.KmsKeyId).to.equal(incidentKey);
    const bad = await copyOf(responder.ec2, locked);
    expect([bad.State, bad.StateMessage]).to.deep.equal(["error", COPY_FAILURE_MESSAGE]);
    expect((await copyOf(nobody.ec2, open)).State, "no KMS permission at all").to.equal("error");
    // The copy is under the incident key, on which the responder holds everything EBS needs.
    expect(await volumeFrom(responder.ec2, good.SnapshotId!)).to.equal("available");
    expect(await volumeFrom(nobody.ec2, good.SnapshotId!)).to.equal("InvalidVolume.NotFound");
  });

  it("keys AWS manages (aws/ebs) admit the account through EC2: not evaluated", async () => {
    expect(await volumeFrom(nobody.ec2, awsManaged)).to.equal("available");
  });

  it("a DryRun is authorised by IAM alone (EBS is not asked)", async () => {
    expect(
      await outcome(
        nobody.ec2.send(new CreateVolumeCommand({ AvailabilityZone: AZ, SnapshotId: locked, DryRun: true })),
      ),
    ).to.equal("DryRunOperation");
  });
});
