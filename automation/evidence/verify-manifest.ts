/**
 * THE manifest verifier: the manifest step's verify, `ir verify` and recover's gate before terminating
 * all call `verifyManifest`, so "the evidence verifies" means one thing everywhere. It re-reads the
 * manifest version the journal pinned, re-hashes it, then re-reads and re-hashes every artefact the
 * manifest lists (pinned by version id), checks each compliance lock, and looks for newer versions and
 * delete markers under the case's prefix (the only ways tampering shows in an Object-Lock bucket).
 */
import { DescribeSnapshotsCommand, type EC2Client } from "@aws-sdk/client-ec2";
import type { S3Client } from "@aws-sdk/client-s3";
import type { VerifyResult } from "../engine/types";
import type { Manifest } from "./manifest";
import {
  checkObject,
  type KeyVersions,
  listVersions,
  type ObjectProblem,
  type PinnedObject,
} from "./object-check";
import type { VerifyProblem } from "./problems";

export interface ManifestCheck {
  problems: VerifyProblem[];
  /** Artefacts the manifest lists (and that were checked). */
  artefacts: number;
  /** The manifest's own retain-until date. */
  lockedUntil?: string;
  manifest?: Manifest;
}

export interface VerifyManifestRequest {
  s3: S3Client;
  bucket: string;
  caseId: string;
  /** The manifest as the journal recorded it when it was written (the trust anchor). */
  pinned: PinnedObject;
  /** When given, the snapshots the manifest lists must still exist. */
  ec2?: EC2Client;
  /** Parallel reads. @default 8 */
  concurrency?: number;
  now?: Date;
}

const caseKey = (caseId: string) => `cases/${caseId}/`;

function asProblem(p: ObjectProblem, what: "manifest" | "artefact"): VerifyProblem {
  // A manifest has no "version" kind: an overwritten manifest is one whose readers get other content.
  const kind = what === "manifest" && p.kind === "version" ? "hash" : p.kind;
  return { kind: `${what}-${kind}` as VerifyProblem["kind"], key: p.key, detail: p.detail };
}

async function pool<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

function parseManifest(body: Buffer, caseId: string): Manifest | string {
  let doc: Manifest;
  try {
    doc = JSON.parse(body.toString("utf8")) as Manifest;
  } catch {
    return "the manifest is not valid JSON";
  }
  if (doc?.schema !== "ir-manifest/1" || !Array.isArray(doc.artefacts))
    return `the manifest's schema is "${String(doc?.schema)}", not ir-manifest/1`;
  if (doc.caseId !== caseId) return `the manifest names case "${doc.caseId}", not ${caseId}`;
  return doc;
}

async function missingSnapshots(ec2: EC2Client, ids: string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  // A filter (not SnapshotIds) so one missing id does not fail the whole call.
  const res = await ec2.send(
    new DescribeSnapshotsCommand({ OwnerIds: ["self"], Filters: [{ Name: "snapshot-id", Values: ids }] }),
  );
  const found = new Set((res.Snapshots ?? []).map((s) => s.SnapshotId));
  return ids.filter((id) => !found.has(id));
}

export async function verifyManifest(req: VerifyManifestRequest): Promise<ManifestCheck> {
  const { s3, bucket } = req;
  const versions: Map<string, KeyVersions> = await listVersions(s3, bucket, caseKey(req.caseId));
  const opts = req.now ? { now: req.now } : {};
  const head = await checkObject(s3, bucket, req.pinned, versions.get(req.pinned.key), {
    ...opts,
    keepBody: true,
  });
  const problems = head.problems.map((p) => asProblem(p, "manifest"));
  const lockedUntil = head.retainUntil?.toISOString();
  if (!head.body) return { problems, artefacts: 0, ...(lockedUntil ? { lockedUntil } : {}) };
  const manifest = parseManifest(head.body, req.caseId);
  if (typeof manifest === "string") {
    problems.push({ kind: "manifest-hash", key: req.pinned.key, detail: manifest });
    return { problems, artefacts: 0, ...(lockedUntil ? { lockedUntil } : {}) };
  }
  await pool(manifest.artefacts, req.concurrency ?? 8, async (a) => {
    const check = await checkObject(s3, bucket, a, versions.get(a.key), opts);
    problems.push(...check.problems.map((p) => asProblem(p, "artefact")));
  });
  if (req.ec2) {
    const gone = await missingSnapshots(
      req.ec2,
      (manifest.snapshots ?? []).map((s) => s.snapshotId),
    );
    for (const id of gone)
      problems.push({ kind: "snapshot-missing", key: id, detail: `snapshot ${id} no longer exists` });
  }
  problems.sort((a, b) => `${a.kind}${a.key}`.localeCompare(`${b.kind}${b.key}`));
  return {
    problems,
    artefacts: manifest.artefacts.length,
    manifest,
    ...(lockedUntil ? { lockedUntil } : {}),
  };
}

/** The engine's verdict on a manifest check (the manifest step's verify). */
export function manifestVerdict(check: ManifestCheck): VerifyResult {
  if (check.problems.length > 0) return { ok: false, detail: check.problems.map((p) => p.detail).join("; ") };
  return {
    ok: true,
    detail: `${check.artefacts} artefact(s) hashed, manifest locked until ${check.lockedUntil}`,
  };
}
