/**
 * Evidence objects: written once to the Object-Lock evidence bucket under `cases/<case-id>/`, with a
 * SHA-256 checksum S3 verifies on receipt, a compliance-mode retention and the hash in the metadata.
 * A resumed case reuses an object that is already there with the same hash (no duplicates).
 */
import { createHash } from "node:crypto";
import {
  GetObjectCommand,
  HeadObjectCommand,
  type HeadObjectCommandOutput,
  PutObjectCommand,
  PutObjectRetentionCommand,
} from "@aws-sdk/client-s3";
import { EVIDENCE_LOCK_MODE, evidenceBucketName } from "../../facts/names";
import type { CaseContext } from "../case/context";
import { facts } from "../case/context";

export interface Artefact {
  name: string;
  key: string;
  sha256: string;
  size: number;
  versionId?: string;
  collectedAt: string;
}

export function evidenceBucket(ctx: CaseContext): string {
  return ctx.settings.evidenceBucket ?? evidenceBucketName(facts(ctx).accountId, ctx.settings.region);
}

export const caseKey = (caseId: string, name: string) => `cases/${caseId}/${name}`;

export const sha256Hex = (body: Buffer | string) => createHash("sha256").update(body).digest("hex");

export function retainUntil(ctx: CaseContext): Date {
  return new Date(Date.now() + ctx.settings.retentionDays * 86_400_000);
}

export async function putArtefact(
  ctx: CaseContext,
  name: string,
  body: Buffer | string,
  contentType = "application/json",
  /**
   * "first": a resumed case keeps the object already there (metadata "before" must stay what it was
   * before containment). "latest": always a new version (the manifest: a faulted first pass may have
   * locked an incomplete one; the record pins the version that verified). @default "first"
   */
  keep: "first" | "latest" = "first",
): Promise<Artefact> {
  const bucket = evidenceBucket(ctx);
  const key = caseKey(ctx.caseId, name);
  const data = Buffer.isBuffer(body) ? body : Buffer.from(body, "utf8");
  const hex = sha256Hex(data);
  if (ctx.resumed && keep === "first") {
    const head = await ctx.clients.s3
      .send(new HeadObjectCommand({ Bucket: bucket, Key: key }))
      .catch(() => undefined);
    if (head?.Metadata?.sha256) {
      return {
        name,
        key,
        sha256: head.Metadata.sha256,
        size: head.ContentLength ?? 0,
        ...(head.VersionId ? { versionId: head.VersionId } : {}),
        collectedAt: head.Metadata["collected-at"] ?? new Date().toISOString(),
      };
    }
  }
  const collectedAt = new Date().toISOString();
  const res = await ctx.clients.s3.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: key,
      Body: data,
      ContentType: contentType,
      ChecksumAlgorithm: "SHA256",
      ChecksumSHA256: Buffer.from(hex, "hex").toString("base64"),
      ObjectLockMode: EVIDENCE_LOCK_MODE,
      ObjectLockRetainUntilDate: retainUntil(ctx),
      Metadata: { sha256: hex, "case-id": ctx.caseId, "collected-at": collectedAt },
      ...(ctx.settings.evidenceKmsKeyArn
        ? { ServerSideEncryption: "aws:kms", SSEKMSKeyId: ctx.settings.evidenceKmsKeyArn }
        : {}),
    }),
  );
  return {
    name,
    key,
    sha256: hex,
    size: data.length,
    ...(res.VersionId ? { versionId: res.VersionId } : {}),
    collectedAt,
  };
}

/** Reads an object back and hashes it (streamed): the honest hash of what S3 holds. */
export async function hashObject(
  ctx: CaseContext,
  key: string,
  versionId?: string,
): Promise<{ sha256: string; size: number }> {
  const res = await ctx.clients.s3.send(
    new GetObjectCommand({
      Bucket: evidenceBucket(ctx),
      Key: key,
      ...(versionId ? { VersionId: versionId } : {}),
    }),
  );
  const hash = createHash("sha256");
  let size = 0;
  for await (const chunk of res.Body as AsyncIterable<Buffer>) {
    hash.update(chunk);
    size += chunk.length;
  }
  return { sha256: hash.digest("hex"), size };
}

/**
 * Makes sure an object written by someone else (the host, through a presigned URL or a multipart
 * upload) is under the case's compliance lock: a presigned PUT cannot be trusted to carry the lock
 * headers, and an emulator may drop an upload's lock on completion. Returns the object's head.
 */
export async function ensureLocked(
  ctx: CaseContext,
  key: string,
  versionId?: string,
): Promise<HeadObjectCommandOutput> {
  const bucket = evidenceBucket(ctx);
  const head = await ctx.clients.s3.send(
    new HeadObjectCommand({ Bucket: bucket, Key: key, ...(versionId ? { VersionId: versionId } : {}) }),
  );
  if (head.ObjectLockMode !== EVIDENCE_LOCK_MODE) {
    await ctx.clients.s3.send(
      new PutObjectRetentionCommand({
        Bucket: bucket,
        Key: key,
        ...(head.VersionId ? { VersionId: head.VersionId } : {}),
        Retention: { Mode: EVIDENCE_LOCK_MODE, RetainUntilDate: retainUntil(ctx) },
      }),
    );
  }
  return head;
}
