/**
 * Checks one evidence object against the version the case pinned: still there, same SHA-256, still under
 * a compliance lock, and still the newest version of its key. In a versioned Object-Lock bucket,
 * tampering cannot change a locked version; it shows as a NEWER version of the same key (a forged copy
 * that readers of the key get) or as a delete marker (the key looks deleted). Both are reported.
 */
import { createHash } from "node:crypto";
import {
  GetObjectCommand,
  type GetObjectCommandOutput,
  ListObjectVersionsCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { EVIDENCE_LOCK_MODE } from "../../facts/names";
import { errorName } from "../aws/errors";

/** What the case recorded about an object (an `Artefact`, or the manifest's own record). */
export interface PinnedObject {
  key: string;
  sha256: string;
  versionId?: string;
}

/** Every version and delete marker under a prefix, by key. */
export interface KeyVersions {
  /** Version ids of real versions, newest first as S3 lists them. */
  versions: string[];
  /** The newest entry of the key: a version id, or "delete-marker". */
  latest?: string;
  latestIsDeleteMarker: boolean;
}

export type ObjectProblemKind = "missing" | "hash" | "lock" | "version";

export interface ObjectProblem {
  kind: ObjectProblemKind;
  key: string;
  detail: string;
}

export interface ObjectCheck {
  problems: ObjectProblem[];
  /** The pinned version's body when asked for (the manifest is parsed from it). */
  body?: Buffer;
  retainUntil?: Date;
}

/** Lists every version and delete marker under `prefix` (paged). */
export async function listVersions(s3: S3Client, bucket: string, prefix: string) {
  const byKey = new Map<string, KeyVersions>();
  const entry = (key: string) => {
    let e = byKey.get(key);
    if (!e) {
      e = { versions: [], latestIsDeleteMarker: false };
      byKey.set(key, e);
    }
    return e;
  };
  let KeyMarker: string | undefined;
  let VersionIdMarker: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectVersionsCommand({ Bucket: bucket, Prefix: prefix, KeyMarker, VersionIdMarker }),
    );
    for (const v of page.Versions ?? []) {
      const e = entry(v.Key!);
      e.versions.push(v.VersionId!);
      if (v.IsLatest) e.latest = v.VersionId!;
    }
    for (const m of page.DeleteMarkers ?? []) {
      const e = entry(m.Key!);
      if (m.IsLatest) {
        e.latest = "delete-marker";
        e.latestIsDeleteMarker = true;
      }
    }
    KeyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
    VersionIdMarker = page.IsTruncated ? page.NextVersionIdMarker : undefined;
  } while (KeyMarker);
  return byKey;
}

const notFound = (err: unknown) =>
  ["NoSuchKey", "NoSuchVersion", "NotFound", "InvalidArgument"].includes(errorName(err)) ||
  (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404;

/** Reads the pinned version (streamed hash; GetObject also answers the lock) and checks it. */
export async function checkObject(
  s3: S3Client,
  bucket: string,
  pin: PinnedObject,
  versions: KeyVersions | undefined,
  opts: { keepBody?: boolean; now?: Date } = {},
): Promise<ObjectCheck> {
  const problems: ObjectProblem[] = [];
  const key = pin.key;
  const now = opts.now ?? new Date();
  if (versions?.latestIsDeleteMarker) {
    problems.push({
      kind: "missing",
      key,
      detail: `${key} was deleted: a delete marker hides it${pin.versionId ? ` (version ${pin.versionId} is still held by the lock)` : ""}`,
    });
  } else if (pin.versionId && versions?.latest && versions.latest !== pin.versionId) {
    problems.push({
      kind: "version",
      key,
      detail: `${key} was overwritten: its newest version is ${versions.latest}, not the pinned ${pin.versionId} (${versions.versions.length} versions)`,
    });
  } else if (!pin.versionId && (versions?.versions.length ?? 0) > 1) {
    problems.push({
      kind: "version",
      key,
      detail: `${key} is not pinned to a version and has ${versions!.versions.length} versions: which one is evidence cannot be told`,
    });
  }
  let res: GetObjectCommandOutput;
  try {
    res = await s3.send(
      new GetObjectCommand({
        Bucket: bucket,
        Key: key,
        ...(pin.versionId ? { VersionId: pin.versionId } : {}),
      }),
    );
  } catch (err) {
    if (!notFound(err)) throw err;
    problems.push({
      kind: "missing",
      key,
      detail: `${key}${pin.versionId ? ` version ${pin.versionId}` : ""} cannot be read (${errorName(err)}): the evidence is gone`,
    });
    return { problems };
  }
  const hash = createHash("sha256");
  const chunks: Buffer[] = [];
  for await (const chunk of res.Body as AsyncIterable<Buffer>) {
    hash.update(chunk);
    if (opts.keepBody) chunks.push(chunk);
  }
  const got = hash.digest("hex");
  if (got !== pin.sha256) {
    problems.push({
      kind: "hash",
      key,
      detail: `${key} hashes to ${got}, not the recorded ${pin.sha256}`,
    });
  }
  const retainUntil = res.ObjectLockRetainUntilDate ? new Date(res.ObjectLockRetainUntilDate) : undefined;
  if (res.ObjectLockMode !== EVIDENCE_LOCK_MODE) {
    problems.push({
      kind: "lock",
      key,
      detail: `${key} is locked in mode ${res.ObjectLockMode ?? "none"}, not ${EVIDENCE_LOCK_MODE}`,
    });
  } else if (!retainUntil || retainUntil <= now) {
    problems.push({
      kind: "lock",
      key,
      detail: `${key}'s lock ${retainUntil ? `expired at ${retainUntil.toISOString()}` : "has no retain-until date"}`,
    });
  }
  return {
    problems,
    ...(opts.keepBody ? { body: Buffer.concat(chunks) } : {}),
    ...(retainUntil ? { retainUntil } : {}),
  };
}
