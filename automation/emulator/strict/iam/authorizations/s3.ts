/**
 * S3: bucket and object ARNs, the IAM action of each REST operation (not always its name: HeadObject is
 * s3:GetObject, UploadPart s3:PutObject...), the s3:* condition keys from the headers (or, presigned, the
 * query string), and the KMS calls S3 makes on the caller's behalf for SSE-KMS objects: kms:GenerateDataKey
 * (write) and kms:Decrypt (read) on the key, with kms:ViaService = s3.<region>.amazonaws.com.
 * https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html#require-sse-kms
 */
import { GetBucketEncryptionCommand } from "@aws-sdk/client-s3";
import type { RuleContext, StrictRequest } from "../../types";
import type { Context } from "../context";
import { type Authorization, lookups, remember } from "./common";
import { keyArn } from "./kms";

/** REST operation → IAM action, where they differ or are not the operation's name. */
const ACTIONS: Record<string, string> = {
  ListBuckets: "ListAllMyBuckets",
  HeadBucket: "ListBucket",
  ListObjects: "ListBucket",
  ListObjectsV2: "ListBucket",
  ListObjectVersions: "ListBucketVersions",
  ListMultipartUploads: "ListBucketMultipartUploads",
  ListParts: "ListMultipartUploadParts",
  HeadObject: "GetObject",
  CreateMultipartUpload: "PutObject",
  UploadPart: "PutObject",
  CompleteMultipartUpload: "PutObject",
  PostObject: "PutObject",
  CopyObject: "PutObject",
  UploadPartCopy: "PutObject",
  GetObjectLockConfiguration: "GetBucketObjectLockConfiguration",
  PutObjectLockConfiguration: "PutBucketObjectLockConfiguration",
  GetPublicAccessBlock: "GetBucketPublicAccessBlock",
  PutPublicAccessBlock: "PutBucketPublicAccessBlock",
  DeletePublicAccessBlock: "PutBucketPublicAccessBlock",
  GetBucketEncryption: "GetEncryptionConfiguration",
  PutBucketEncryption: "PutEncryptionConfiguration",
  DeleteBucketEncryption: "PutEncryptionConfiguration",
  GetBucketLifecycleConfiguration: "GetLifecycleConfiguration",
  PutBucketLifecycleConfiguration: "PutLifecycleConfiguration",
  GetBucketNotificationConfiguration: "GetBucketNotification",
  PutBucketNotificationConfiguration: "PutBucketNotification",
  DeleteBucketTagging: "PutBucketTagging",
  GetBucketCors: "GetBucketCORS",
  PutBucketCors: "PutBucketCORS",
  DeleteBucketOwnershipControls: "PutBucketOwnershipControls",
};

const BUCKET_LEVEL =
  /^(ListBuckets|CreateBucket|DeleteBucket|HeadBucket|ListObjects|ListObjectsV2|ListObjectVersions|ListMultipartUploads|DeleteObjects|(Get|Put|Delete)(Bucket\w+|ObjectLockConfiguration|PublicAccessBlock))$/;

/** A header, or its presigned form in the query string. */
const param = (req: StrictRequest, name: string): string | undefined => {
  const h = req.headers[name];
  return (typeof h === "string" ? h : undefined) ?? req.query.get(name) ?? undefined;
};

function conditionKeys(req: StrictRequest): Context {
  const c: Context = {
    "s3:authType": req.presigned ? "REST-QUERY-STRING" : "REST-HEADER",
    "s3:signatureversion": "AWS4-HMAC-SHA256",
  };
  const keys: [string, string][] = [
    ["x-amz-server-side-encryption", "s3:x-amz-server-side-encryption"],
    ["x-amz-server-side-encryption-aws-kms-key-id", "s3:x-amz-server-side-encryption-aws-kms-key-id"],
    ["x-amz-object-lock-mode", "s3:object-lock-mode"],
    ["x-amz-object-lock-retain-until-date", "s3:object-lock-retain-until-date"],
    ["x-amz-object-lock-legal-hold", "s3:object-lock-legal-hold"],
    ["x-amz-acl", "s3:x-amz-acl"],
    ["x-amz-copy-source", "s3:x-amz-copy-source"],
  ];
  for (const [header, key] of keys) {
    const v = param(req, header);
    if (v !== undefined) c[key] = v;
  }
  const prefix = req.query.get("prefix");
  if (prefix !== null && req.s3?.key === undefined) c["s3:prefix"] = prefix;
  const versionId = req.query.get("versionId");
  if (versionId) c["s3:versionid"] = versionId;
  return c;
}

/** The bucket's default SSE-KMS key, if its default encryption is aws:kms. */
function bucketKey(ctx: RuleContext, req: StrictRequest, bucket: string) {
  return remember(lookups(ctx, "bucket-key"), bucket, async () => {
    try {
      const r = await ctx
        .moto(req.accountId, req.region)
        .s3.send(new GetBucketEncryptionCommand({ Bucket: bucket }));
      const rule = r.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault;
      return rule?.SSEAlgorithm?.startsWith("aws:kms") ? (rule.KMSMasterKeyID ?? "alias/aws/s3") : "";
    } catch {
      return "";
    }
  });
}

export async function s3Authorizations(
  req: StrictRequest,
  ctx: RuleContext,
): Promise<Authorization[] | undefined> {
  const op = req.operation;
  const bucket = req.s3?.bucket;
  const key = req.s3?.key;
  if (/^(PUT|POST|GET|HEAD|DELETE)(Service|Object|Bucket)$/.test(op)) return undefined;
  let action = ACTIONS[op] ?? op;
  if ((op === "GetObject" || op === "HeadObject") && req.query.get("versionId")) action = "GetObjectVersion";
  if (op === "DeleteObject" && req.query.get("versionId")) action = "DeleteObjectVersion";
  const resource =
    op === "ListBuckets"
      ? "*"
      : BUCKET_LEVEL.test(op) || !key
        ? `arn:aws:s3:::${bucket}`
        : `arn:aws:s3:::${bucket}/${key}`;
  const context = conditionKeys(req);
  const out: Authorization[] = [{ action: `s3:${action}`, resource, context }];
  if (op === "DeleteObjects")
    for (const m of req.body.toString("utf8").matchAll(/<Key>([^<]*)<\/Key>/g))
      out.push({ action: "s3:DeleteObject", resource: `arn:aws:s3:::${bucket}/${m[1]}`, context });
  if (op === "CopyObject" || op === "UploadPartCopy") {
    const source = decodeURIComponent(String(context["s3:x-amz-copy-source"] ?? "")).replace(/^\//, "");
    out.push({ action: "s3:GetObject", resource: `arn:aws:s3:::${source.split("?")[0]}`, context });
  }
  const writes = /^(PutObject|CreateMultipartUpload|PostObject|CopyObject)$/.test(op);
  if (writes && context["s3:object-lock-mode"])
    out.push({ action: "s3:PutObjectRetention", resource, context });
  if (writes && context["s3:object-lock-legal-hold"])
    out.push({ action: "s3:PutObjectLegalHold", resource, context });
  if (op === "CreateBucket" && param(req, "x-amz-bucket-object-lock-enabled") === "true")
    for (const a of ["PutBucketObjectLockConfiguration", "PutBucketVersioning"])
      out.push({ action: `s3:${a}`, resource, context });
  out.push(...(await kmsThroughS3(req, ctx, op, bucket, context)));
  return out;
}

/** SSE-KMS: the key S3 uses for the caller (the header's, else the bucket's default). */
async function kmsThroughS3(
  req: StrictRequest,
  ctx: RuleContext,
  op: string,
  bucket: string | undefined,
  context: Context,
): Promise<Authorization[]> {
  const write = /^(PutObject|CreateMultipartUpload|UploadPart|PostObject|CopyObject)$/.test(op);
  const read = /^(GetObject|HeadObject)$/.test(op);
  if (!bucket || (!write && !read)) return [];
  const sse = context["s3:x-amz-server-side-encryption"];
  let key =
    sse === "aws:kms" ? (context["s3:x-amz-server-side-encryption-aws-kms-key-id"] as string) : undefined;
  if (!key && !sse) key = (await bucketKey(ctx, req, bucket)) || undefined;
  // AWS-managed aws/s3 key: its key policy admits every principal of the account using S3.
  if (!key || key === "alias/aws/s3") return [];
  const arn = await keyArn(ctx, req, key);
  const via = { "kms:ViaService": `s3.${req.region}.amazonaws.com`, "kms:CallerAccount": req.accountId };
  // Multipart writes also decrypt the data key to encrypt each part.
  const actions = write ? ["kms:GenerateDataKey"] : ["kms:Decrypt"];
  return actions.map((action) => ({ action, resource: arn, context: via }));
}
