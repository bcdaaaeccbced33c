/**
 * Evidence, checked from S3 and EC2 themselves: the manifest is in the evidence bucket under a
 * COMPLIANCE lock that outlives the retention period, every artefact it lists hashes to what it says,
 * every volume of the instance has a completed case-tagged snapshot, and deleting the manifest is
 * refused (the lock is tried, not just read). After termination the same evidence must still be there.
 */
import { createHash } from "node:crypto";
import { DescribeSnapshotsCommand, DescribeVolumesCommand } from "@aws-sdk/client-ec2";
import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand } from "@aws-sdk/client-s3";
import { EVIDENCE_LOCK_MODE } from "../../facts/names";
import { TAG } from "../../facts/tags";
import { MANIFEST_NAME, type Manifest } from "../evidence/manifest";
import { caseKey } from "../evidence/store";
import type { Check } from "./checks";
import type { ScenarioRun } from "./lifecycle";

const DAY_MS = 86_400_000;

async function sha256Of(run: ScenarioRun, bucket: string, key: string, versionId?: string): Promise<string> {
  const res = await run.account.world.s3.send(
    new GetObjectCommand({ Bucket: bucket, Key: key, ...(versionId ? { VersionId: versionId } : {}) }),
  );
  const hash = createHash("sha256");
  for await (const chunk of res.Body as AsyncIterable<Buffer>) hash.update(chunk);
  return hash.digest("hex");
}

export async function checkEvidence(run: ScenarioRun, stage: "contained" | "final"): Promise<Check> {
  const id = stage === "contained" ? "evidence" : "evidence-kept";
  const title =
    stage === "contained"
      ? "evidence complete, hashes match, manifest locked"
      : "evidence still complete and locked after termination";
  const result = (ok: boolean, detail: string): Check => ({ id, stage, title, ok, detail });
  const c = run.account.world;
  const bucket = run.account.settings.evidenceBucket!;
  const key = caseKey(run.caseId!, MANIFEST_NAME);
  const head = await c.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
  const problems: string[] = [];
  const minRetain = Date.now() + (run.account.settings.retentionDays - 1) * DAY_MS;
  if (head.ObjectLockMode !== EVIDENCE_LOCK_MODE)
    problems.push(`manifest lock is ${head.ObjectLockMode ?? "none"}`);
  if (!head.ObjectLockRetainUntilDate || head.ObjectLockRetainUntilDate.getTime() < minRetain)
    problems.push(`manifest retained only until ${head.ObjectLockRetainUntilDate?.toISOString() ?? "never"}`);
  const manifest = JSON.parse(
    await c.s3
      .send(new GetObjectCommand({ Bucket: bucket, Key: key }))
      .then((o) => o.Body!.transformToString()),
  ) as Manifest;
  for (const a of manifest.artefacts) {
    const got = await sha256Of(run, bucket, a.key, a.versionId).catch((e: Error) => `unreadable (${e.name})`);
    if (got !== a.sha256)
      problems.push(`${a.key} hashes to ${got.slice(0, 16)}…, manifest says ${a.sha256.slice(0, 16)}…`);
  }
  const names = manifest.artefacts.map((a) => a.name);
  if (!names.some((n) => n.includes("before")) || !names.some((n) => n.includes("after")))
    problems.push(
      `metadata before and after containment expected, manifest lists ${names.join(", ") || "nothing"}`,
    );
  // The lock must hold when tried: deleting the locked version is refused.
  const deleted = await c.s3
    .send(
      new DeleteObjectCommand({
        Bucket: bucket,
        Key: key,
        ...(head.VersionId ? { VersionId: head.VersionId } : {}),
      }),
    )
    .then(() => true)
    .catch(() => false);
  if (deleted) problems.push("deleting the manifest version succeeded: it is not locked");

  const snaps =
    (
      await c.ec2.send(
        new DescribeSnapshotsCommand({ Filters: [{ Name: `tag:${TAG.caseId}`, Values: [run.caseId!] }] }),
      )
    ).Snapshots ?? [];
  const snapped = new Set(snaps.filter((s) => s.State === "completed").map((s) => s.VolumeId));
  if (stage === "contained") {
    const vols =
      (
        await c.ec2.send(
          new DescribeVolumesCommand({
            Filters: [{ Name: "attachment.instance-id", Values: [run.victim.instanceId] }],
          }),
        )
      ).Volumes ?? [];
    const missing = vols.filter((v) => !snapped.has(v.VolumeId)).map((v) => v.VolumeId);
    if (vols.length === 0 || missing.length)
      problems.push(`volumes without a completed case snapshot: ${missing.join(", ") || "no volume found"}`);
  }
  const listed = manifest.snapshots.filter((s) => !snaps.some((x) => x.SnapshotId === s.snapshotId));
  if (manifest.snapshots.length === 0 || listed.length)
    problems.push(
      `manifest snapshots missing from EC2: ${listed.map((s) => s.snapshotId).join(", ") || "none listed"}`,
    );
  // With an SSM agent on the host (the strict layer) the volatile evidence must be there: memory and
  // logs captured from the contained host, under the quarantine profile and the baseline's bucket
  // policy. Plain moto runs no agent: said plainly, never counted as captured.
  const logs = manifest.artefacts.filter((a) => a.name.startsWith("logs/")).length;
  if (run.hostAgent && stage === "contained") {
    if (manifest.memory.status !== "captured")
      problems.push(
        `memory ${manifest.memory.status}${manifest.memory.reason ? ` (${manifest.memory.reason})` : ""}, not captured`,
      );
    if (logs === 0) problems.push("no host logs collected");
  }
  const memory = `memory ${manifest.memory.status}${manifest.memory.reason ? ` (${manifest.memory.reason})` : ""}, ${logs} log artefact(s)`;
  return problems.length
    ? result(false, problems.join("; "))
    : result(
        true,
        `${manifest.artefacts.length} artefact(s) re-hashed, ${manifest.snapshots.length} snapshot(s), ${EVIDENCE_LOCK_MODE} until ${head.ObjectLockRetainUntilDate!.toISOString().slice(0, 10)}, delete refused; ${memory}`,
      );
}
