/**
 * A loopback proxy that names every AWS operation passing through it (query and JSON protocols by
 * their Action or X-Amz-Target, S3 by method, path and sub-resource) and forwards it untouched: what a
 * command really sent, whichever client it built.
 */
import { createServer, request } from "node:http";
import type { AddressInfo } from "node:net";
import {
  checkLoopbackUpstream,
  operationOf,
  s3Operation,
  sigV4Scope,
} from "../../automation/emulator/strict/wire";

export interface WireRecorder {
  endpoint: string;
  /** "<service>:<operation>" of every request, in order. */
  calls: string[];
  stop(): Promise<void>;
}

export async function startWireRecorder(upstream: string): Promise<WireRecorder> {
  const up = checkLoopbackUpstream(upstream, "the wire recorder");
  const calls: string[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const url = new URL(req.url ?? "/", "http://local");
      const service = sigV4Scope(req.headers, url.searchParams)?.service ?? "?";
      const [, bucket, ...key] = url.pathname.split("/");
      const op =
        service === "s3"
          ? s3Operation(
              req.method ?? "GET",
              bucket || undefined,
              key.join("/") || undefined,
              url.searchParams,
              req.headers,
            )
          : (operationOf(req.headers, body) ?? `${req.method} ${url.pathname}`);
      if (!url.pathname.startsWith("/moto-api")) calls.push(`${service}:${op}`);
      const forward = request(
        { host: up.hostname, port: up.port, method: req.method, path: req.url, headers: req.headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      forward.on("error", (err) => {
        if (!res.headersSent) res.writeHead(502);
        res.end(`wire recorder: ${err.message}`);
      });
      forward.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    calls,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
