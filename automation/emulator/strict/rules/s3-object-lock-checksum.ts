/**
 * Uploads that will carry an Object Lock retention (the bucket's default retention, or lock parameters
 * on the request or on its CreateMultipartUpload) need an integrity header: `Content-MD5`, an
 * `x-amz-checksum-<algorithm>` header, or such a checksum announced in `x-amz-trailer` (presigned URLs:
 * Content-MD5 only). Without one S3 answers `InvalidRequest` (400), on PutObject and on every
 * UploadPart. A `Content-MD5` that does not match the body is `BadDigest` (any bucket).
 *
 * moto checks only PutObject (not parts), wants `x-amz-sdk-checksum-algorithm` (which AWS does not),
 * answers with its own code, and never compares Content-MD5 with the body. The responder's captures go
 * through presigned part URLs into the Object-Lock evidence bucket: this is where they would fail.
 */
import { createHash } from "node:crypto";
import { GetObjectLockConfigurationCommand } from "@aws-sdk/client-s3";
import type { Refusal, RuleContext, StrictRequest, StrictRule } from "../types";

const ALGORITHMS = ["crc32", "crc32c", "crc64nvme", "sha1", "sha256"];
const INVALIDATING = new Set(["PutObjectLockConfiguration", "CreateBucket", "DeleteBucket"]);

interface LockState {
  /** account/bucket → whether the bucket applies a default retention to new objects. */
  defaults: Map<string, Promise<boolean>>;
  /** Multipart uploads created with lock parameters of their own. */
  lockedUploads: Set<string>;
}
const stateOf = (ctx: RuleContext): LockState =>
  ctx.state.of("s3-object-lock-checksum", () => ({ defaults: new Map(), lockedUploads: new Set() }));
const bucketKey = (req: StrictRequest) => `${req.accountId}/${req.s3?.bucket}`;

/** A header, or (presigned URLs hoist x-amz-* headers) the query parameter of that name. */
const amz = (req: StrictRequest, name: string): string | undefined => {
  const h = req.headers[name];
  return (Array.isArray(h) ? h[0] : h) ?? req.query.get(name) ?? undefined;
};

const hasLockParameters = (req: StrictRequest) =>
  Boolean(amz(req, "x-amz-object-lock-mode") || amz(req, "x-amz-object-lock-retain-until-date")) ||
  amz(req, "x-amz-object-lock-legal-hold")?.toUpperCase() === "ON";

/**
 * The checksum algorithm the request carries a value for, in a header or announced in x-amz-trailer.
 * Not for presigned URLs: S3 does not support those checksums on presigned uploads (only Content-MD5),
 * and ignores the `x-amz-checksum-crc32` of an empty body that SDK v3 hoists into the URL it signs.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/using-presigned-url.html
 */
function checksumAlgorithm(req: StrictRequest): string | undefined {
  if (req.presigned) return undefined;
  const header = (name: string) => req.headers[name];
  const inHeader = ALGORITHMS.find((a) => header(`x-amz-checksum-${a}`));
  if (inHeader) return inHeader;
  const trailer = String(header("x-amz-trailer") ?? "").toLowerCase();
  return ALGORITHMS.find((a) => trailer.split(",").some((t) => t.trim() === `x-amz-checksum-${a}`));
}

function defaultRetention(req: StrictRequest, ctx: RuleContext): Promise<boolean> {
  const { defaults } = stateOf(ctx);
  let known = defaults.get(bucketKey(req));
  if (!known) {
    known = ctx
      .moto(req.accountId, req.region)
      .s3.send(new GetObjectLockConfigurationCommand({ Bucket: req.s3!.bucket! }))
      .then(
        (c) =>
          c.ObjectLockConfiguration?.ObjectLockEnabled === "Enabled" &&
          Boolean(c.ObjectLockConfiguration.Rule?.DefaultRetention),
        () => false, // no lock configuration (or no bucket: moto says so itself)
      );
    defaults.set(bucketKey(req), known);
  }
  return known;
}

/** BadDigest / InvalidDigest for a Content-MD5 that is malformed or does not match the body. */
function digestRefusal(req: StrictRequest): Refusal | undefined {
  const md5 = String(req.headers["content-md5"] ?? "");
  // An aws-chunked body is framed: its MD5 is not the payload's. Those come from SDKs with checksums.
  const chunked =
    /aws-chunked/.test(String(req.headers["content-encoding"] ?? "")) ||
    String(req.headers["x-amz-content-sha256"] ?? "").startsWith("STREAMING");
  if (!md5 || chunked) return undefined;
  if (Buffer.from(md5, "base64").length !== 16)
    return { status: 400, code: "InvalidDigest", message: "The Content-MD5 you specified was invalid." };
  if (createHash("md5").update(req.body).digest("base64") === md5) return undefined;
  return {
    status: 400,
    code: "BadDigest",
    message: "The Content-MD5 you specified did not match what we received.",
  };
}

export const s3ObjectLockChecksum: StrictRule = {
  id: "s3-object-lock-checksum",
  title:
    "uploads under Object Lock retention need Content-MD5 or an x-amz-checksum header (InvalidRequest otherwise); a wrong Content-MD5 is BadDigest",
  source: "https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html",
  matches: (req) =>
    req.protocol === "s3" &&
    Boolean(req.s3?.bucket) &&
    (req.operation === "PutObject" ||
      req.operation === "UploadPart" ||
      req.operation === "CreateMultipartUpload" ||
      INVALIDATING.has(req.operation)),
  async before(req, ctx) {
    if (req.operation !== "PutObject" && req.operation !== "UploadPart") return undefined;
    const bad = digestRefusal(req);
    if (bad) return bad;
    const algorithm = checksumAlgorithm(req);
    if (req.headers["content-md5"]) return undefined;
    const uploadId = req.query.get("uploadId");
    const locked =
      (req.operation === "PutObject"
        ? hasLockParameters(req)
        : uploadId !== null && stateOf(ctx).lockedUploads.has(uploadId)) ||
      (await defaultRetention(req, ctx));
    if (!locked) return undefined;
    if (algorithm) {
      // moto wants x-amz-sdk-checksum-algorithm beside the value (AWS does not): name it for moto.
      req.headers["x-amz-sdk-checksum-algorithm"] ??= algorithm.toUpperCase();
      return undefined;
    }
    const what = req.operation === "PutObject" ? "Put Object" : "Put Part";
    return {
      status: 400,
      code: "InvalidRequest",
      message: `Content-MD5 OR x-amz-checksum- HTTP header is required for ${what} requests with Object Lock parameters`,
    };
  },
  after(req, answer, ctx) {
    const state = stateOf(ctx);
    if (INVALIDATING.has(req.operation)) state.defaults.delete(bucketKey(req));
    if (req.operation === "CreateMultipartUpload" && answer.status === 200 && hasLockParameters(req)) {
      const id = /<UploadId>([^<]+)<\/UploadId>/.exec(answer.body.toString("utf8"))?.[1];
      if (id) state.lockedUploads.add(id);
    }
  },
};
