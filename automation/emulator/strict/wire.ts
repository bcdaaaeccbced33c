/**
 * The AWS wire, as the strict layer and the fault proxy read and write it: which protocol and operation
 * a request is, and an error answer in the shape the SDK parses for that protocol (what AWS itself sends).
 */
import { randomUUID } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import type { Answer, Protocol, Refusal } from "./types";

const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]", "::1"]);

/** The upstream URL, refused unless it is plain http on loopback (nothing here may leave the machine). */
export function checkLoopbackUpstream(upstream: string, who = "the fault proxy"): URL {
  let url: URL;
  try {
    url = new URL(upstream);
  } catch {
    throw new Error(`upstream "${upstream}" is not a URL: expected http://127.0.0.1:<port>`);
  }
  if (url.protocol !== "http:" || !LOOPBACK_HOSTS.has(url.hostname)) {
    throw new Error(
      `upstream "${upstream}" is not a loopback http URL: ${who} only forwards to http://127.0.0.1:<port>`,
    );
  }
  return url;
}

/** SigV4 scope of a request: access key, date, region, service (header or presigned query). */
export function sigV4Scope(
  headers: IncomingHttpHeaders,
  query?: URLSearchParams,
): { accessKeyId: string; region: string; service: string } | undefined {
  const auth = String(headers.authorization ?? "");
  const m = /Credential=([^/,\s]+)\/\d{8}\/([^/]+)\/([^/]+)\//.exec(auth);
  if (m) return { accessKeyId: m[1]!, region: m[2]!, service: m[3]! };
  const cred = query?.get("X-Amz-Credential");
  const q = cred ? /^([^/]+)\/\d{8}\/([^/]+)\/([^/]+)\//.exec(cred) : null;
  return q ? { accessKeyId: q[1]!, region: q[2]!, service: q[3]! } : undefined;
}

/** The service's wire protocol, from the SigV4 credential scope (moto routes on the same field). */
export function protocolOf(headers: IncomingHttpHeaders, query?: URLSearchParams): Protocol {
  const service = sigV4Scope(headers, query)?.service ?? "";
  if (service === "ec2") return "ec2";
  if (service === "s3") return "s3";
  // Lambda's REST-JSON API: errors in the JSON shape (x-amzn-errortype), like the JSON protocol's.
  if (service === "lambda") return "json";
  if (headers["x-amz-target"]) return "json";
  // An unsigned or presigned request to a path-style URL is S3's.
  if (!service) return "s3";
  return "query";
}

/**
 * The operation a request calls: the JSON protocol's `X-Amz-Target` (`DynamoDB_20120810.PutItem`), the
 * query protocol's `Action=` (EC2, IAM, ASG, ELB, STS), else undefined (S3's REST calls: see s3Operation).
 */
export function operationOf(headers: IncomingHttpHeaders, body: Buffer): string | undefined {
  const target = headers["x-amz-target"];
  if (typeof target === "string") return target.split(".").pop();
  const m = /(?:^|&)Action=([A-Za-z0-9]+)/.exec(body.toString("latin1", 0, Math.min(body.length, 4096)));
  return m?.[1];
}

/** S3's REST operation from method, path-style path and sub-resources. */
export function s3Operation(
  method: string,
  bucket: string | undefined,
  key: string | undefined,
  q: URLSearchParams,
  headers: IncomingHttpHeaders,
): string {
  const has = (k: string) => q.has(k);
  if (!bucket) return method === "GET" ? "ListBuckets" : `${method}Service`;
  if (key) {
    switch (method) {
      case "PUT":
        if (has("partNumber") && has("uploadId"))
          return headers["x-amz-copy-source"] ? "UploadPartCopy" : "UploadPart";
        if (has("retention")) return "PutObjectRetention";
        if (has("legal-hold")) return "PutObjectLegalHold";
        if (has("tagging")) return "PutObjectTagging";
        if (has("acl")) return "PutObjectAcl";
        return headers["x-amz-copy-source"] ? "CopyObject" : "PutObject";
      case "POST":
        if (has("uploads")) return "CreateMultipartUpload";
        if (has("uploadId")) return "CompleteMultipartUpload";
        if (has("restore")) return "RestoreObject";
        return "PostObject";
      case "GET":
        if (has("uploadId")) return "ListParts";
        if (has("retention")) return "GetObjectRetention";
        if (has("legal-hold")) return "GetObjectLegalHold";
        if (has("tagging")) return "GetObjectTagging";
        if (has("acl")) return "GetObjectAcl";
        if (has("attributes")) return "GetObjectAttributes";
        return "GetObject";
      case "HEAD":
        return "HeadObject";
      case "DELETE":
        if (has("uploadId")) return "AbortMultipartUpload";
        if (has("tagging")) return "DeleteObjectTagging";
        return "DeleteObject";
    }
    return `${method}Object`;
  }
  const sub = [
    ["object-lock", "ObjectLockConfiguration"],
    ["versioning", "BucketVersioning"],
    ["policy", "BucketPolicy"],
    ["publicAccessBlock", "PublicAccessBlock"],
    ["tagging", "BucketTagging"],
    ["encryption", "BucketEncryption"],
    ["lifecycle", "BucketLifecycleConfiguration"],
    ["notification", "BucketNotificationConfiguration"],
    ["ownershipControls", "BucketOwnershipControls"],
    ["acl", "BucketAcl"],
    ["logging", "BucketLogging"],
    ["cors", "BucketCors"],
    ["location", "BucketLocation"],
  ] as const;
  for (const [param, name] of sub) {
    if (!has(param)) continue;
    if (method === "GET") return `Get${name}`;
    if (method === "PUT") return `Put${name}`;
    if (method === "DELETE") return `Delete${name}`;
  }
  switch (method) {
    case "PUT":
      return "CreateBucket";
    case "DELETE":
      return "DeleteBucket";
    case "HEAD":
      return "HeadBucket";
    case "POST":
      return has("delete") ? "DeleteObjects" : "PostBucket";
    case "GET":
      if (has("versions")) return "ListObjectVersions";
      if (has("uploads")) return "ListMultipartUploads";
      if (q.get("list-type") === "2") return "ListObjectsV2";
      return "ListObjects";
  }
  return `${method}Bucket`;
}

const xmlEscape = (s: string) =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** An error answer in the protocol's shape, so the SDK raises an error named `code`. */
export function errorAnswer(protocol: Protocol, refusal: Refusal): Answer {
  const { status, code } = refusal;
  const message = xmlEscape(refusal.message);
  const id = randomUUID();
  const headers = (type: string): Record<string, string> => ({
    "content-type": type,
    "x-amzn-requestid": id,
  });
  switch (protocol) {
    case "ec2":
      return {
        status,
        headers: headers("text/xml"),
        body: Buffer.from(
          `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${code}</Code><Message>${message}</Message></Error></Errors><RequestID>${id}</RequestID></Response>`,
        ),
      };
    case "query":
      return {
        status,
        headers: headers("text/xml"),
        body: Buffer.from(
          `<ErrorResponse><Error><Type>${status >= 500 ? "Receiver" : "Sender"}</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>${id}</RequestId></ErrorResponse>`,
        ),
      };
    case "json":
      return {
        status,
        headers: { ...headers("application/x-amz-json-1.1"), "x-amzn-errortype": code },
        body: Buffer.from(
          JSON.stringify({ __type: `com.amazonaws.fault#${code}`, message: refusal.message }),
        ),
      };
    case "s3":
      return {
        status,
        headers: headers("application/xml"),
        body: Buffer.from(
          `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>${id}</RequestId></Error>`,
        ),
      };
  }
}
