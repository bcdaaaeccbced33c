/** Parses one HTTP request to the strict layer into a StrictRequest (service, operation, parameters). */
import type { IncomingMessage } from "node:http";
import type { Identities } from "./identity";
import type { StrictRequest } from "./types";
import { operationOf, protocolOf, s3Operation, sigV4Scope } from "./wire";

function formParams(body: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(body.toString("utf8"))) out[k] = v;
  return out;
}

/** Lambda's REST operations the layer knows (the function name is in the path). */
export function lambdaOperation(method: string, path: string): string | undefined {
  if (method === "POST" && /^\/2015-03-31\/functions\/[^/]+\/invocations$/.test(path)) return "Invoke";
  if (method === "GET" && /^\/2015-03-31\/functions\/[^/]+$/.test(path)) return "GetFunction";
  return undefined;
}

/** The function a Lambda REST path names (a name, a name:qualifier or an ARN, URL-encoded). */
export function lambdaFunctionOf(path: string): string | undefined {
  const m = /^\/2015-03-31\/functions\/([^/]+)/.exec(path);
  return m ? decodeURIComponent(m[1]!) : undefined;
}

let seq = 0;

export function parseRequest(req: IncomingMessage, body: Buffer, identities: Identities): StrictRequest {
  const url = new URL(req.url ?? "/", "http://strict.invalid");
  const query = url.searchParams;
  const headers = req.headers;
  const scope = sigV4Scope(headers, query);
  const protocol = protocolOf(headers, query);
  const method = (req.method ?? "GET").toUpperCase();
  let operation = "";
  let params: Record<string, string> = {};
  let json: Record<string, unknown> | undefined;
  let s3: StrictRequest["s3"];
  if (protocol === "s3") {
    const [, bucket, ...rest] = url.pathname.split("/");
    const key = rest.length ? decodeURIComponent(rest.join("/")) : undefined;
    s3 = { bucket: bucket ? decodeURIComponent(bucket) : undefined, key: key || undefined };
    operation = s3Operation(method, s3.bucket, s3.key, query, headers);
  } else if (protocol === "json") {
    operation = operationOf(headers, body) ?? lambdaOperation(method, url.pathname) ?? "";
    try {
      json = body.length ? (JSON.parse(body.toString("utf8")) as Record<string, unknown>) : {};
    } catch {
      json = {};
    }
  } else {
    params = method === "GET" ? Object.fromEntries(query) : formParams(body);
    operation = params.Action ?? operationOf(headers, body) ?? "";
  }
  const headerAccount = headers["x-moto-account-id"];
  const principal = identities.principalOf(
    scope?.accessKeyId,
    typeof headerAccount === "string" ? headerAccount : undefined,
  );
  return {
    seq: ++seq,
    method,
    path: url.pathname,
    query,
    headers,
    body,
    service: scope?.service ?? (protocol === "s3" ? "s3" : ""),
    region: scope?.region ?? "us-east-1",
    protocol,
    operation,
    params,
    json,
    s3,
    accessKeyId: scope?.accessKeyId,
    presigned: query.has("X-Amz-Signature"),
    accountId: typeof headerAccount === "string" ? headerAccount : principal.accountId,
    principal,
  };
}
