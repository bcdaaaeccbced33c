/**
 * A fault-injecting HTTP proxy between the SDK and moto, for the reliability tests and the chaos bench.
 * Loopback only (it listens on 127.0.0.1 and refuses any upstream that is not loopback), bounded (a
 * maximum number of requests and a maximum lifetime, after which it forwards nothing), reproducible (a
 * seeded PRNG decides every fault) and counted (faults by kind).
 *
 * Faults, each in the shape the SDK parses for the service's protocol (read from the SigV4 scope):
 * - `throttle`: EC2 `RequestLimitExceeded` (503, `<Response><Errors>`), query services `Throttling`
 *   (400, `<ErrorResponse>`), JSON services `ThrottlingException` (400, `__type`), S3 `SlowDown` (503);
 * - `error500` / `error503`: InternalError / ServiceUnavailable in the same shapes;
 * - `resetBefore`: the socket is destroyed before the request reaches moto (nothing happened);
 * - `resetAfter`: the request reaches moto and takes effect, then the socket is destroyed before the
 *   answer: the client sees a failure for a call that succeeded (the case that duplicates resources);
 * - `latency`: the request is forwarded after an added delay.
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { lambdaOperation } from "../../automation/emulator/strict/request";
import { checkLoopbackUpstream, operationOf, protocolOf } from "../../automation/emulator/strict/wire";

// The wire readers are shared with the strict layer; re-exported for the fault proxy's callers.
export { checkLoopbackUpstream, operationOf, protocolOf };

export const FAULT_KINDS = [
  "throttle",
  "error500",
  "error503",
  "resetBefore",
  "resetAfter",
  "latency",
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface FaultProxyOptions {
  /** moto's URL: must be http on 127.0.0.1, ::1 or localhost. */
  upstream: string;
  /** Probability in [0, 1] that a request gets a fault. @default 0.1 */
  rate?: number;
  /** Relative weights of the fault kinds. @default every kind weight 1 */
  mix?: Partial<Record<FaultKind, number>>;
  /** PRNG seed: the same seed and request order give the same faults. @default 1 */
  seed?: number;
  /** Added delay of a `latency` fault, in ms. @default 200 */
  latencyMs?: number;
  /** After this many requests the proxy answers 503 without forwarding. @default 100000 */
  maxRequests?: number;
  /** The proxy closes itself after this long, in ms. @default 600000 */
  maxLifetimeMs?: number;
  /** Requests whose path starts with one of these are never faulted (moto's own API). */
  passThroughPaths?: string[];
  /**
   * Scripted faults, on top of the random ones: per operation name (`TransactWriteItems`,
   * `CreateSnapshots`...), what its 1st, 2nd... call gets (`null`: forwarded untouched). Tests use it
   * to put one fault exactly where a bug would show, e.g. `{ CreateSnapshots: ["resetAfter"] }`.
   */
  script?: Record<string, (FaultKind | null)[]>;
  /**
   * Refuses every call this predicate picks with a final 400 (`InjectedRefusal`): what a step meets when
   * AWS says no for good (a state it cannot act in, a resource it may not touch). Sees the operation and
   * the raw body (an EC2 query string), so a test can refuse one ENI's change and not another's.
   */
  refuse?: (call: { operation: string; body: string }) => boolean;
}

export interface FaultCounts {
  requests: number;
  faults: Record<FaultKind, number>;
}

/** Mulberry32: small, fast and reproducible; quality is plenty for picking faults. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Protocol = import("../../automation/emulator/strict/types").Protocol;

/** A refusal: a final, non-transient answer (400) that no client or engine retries. */
const REFUSAL: [number, string] = [400, "InjectedRefusal"];

const CODES: Record<Protocol, Record<"throttle" | "error500" | "error503", [number, string]>> = {
  ec2: {
    throttle: [503, "RequestLimitExceeded"],
    error500: [500, "InternalError"],
    error503: [503, "Unavailable"],
  },
  query: {
    throttle: [400, "Throttling"],
    error500: [500, "InternalFailure"],
    error503: [503, "ServiceUnavailable"],
  },
  json: {
    throttle: [400, "ThrottlingException"],
    error500: [500, "InternalServerError"],
    error503: [503, "ServiceUnavailableException"],
  },
  s3: {
    throttle: [503, "SlowDown"],
    error500: [500, "InternalError"],
    error503: [503, "ServiceUnavailable"],
  },
};

/** An error answer in the protocol's shape: what AWS itself sends, so the SDK parses the code. */
export function errorAnswer(
  protocol: Protocol,
  kind: "throttle" | "error500" | "error503" | "refuse",
): { status: number; code: string; headers: Record<string, string>; body: string } {
  const [status, code] = kind === "refuse" ? REFUSAL : CODES[protocol][kind];
  const message = `injected ${kind} by the fault proxy`;
  const id = randomUUID();
  switch (protocol) {
    case "ec2":
      return {
        status,
        code,
        headers: { "content-type": "text/xml" },
        body: `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${code}</Code><Message>${message}</Message></Error></Errors><RequestID>${id}</RequestID></Response>`,
      };
    case "query":
      return {
        status,
        code,
        headers: { "content-type": "text/xml" },
        body: `<ErrorResponse><Error><Type>${status >= 500 ? "Receiver" : "Sender"}</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>${id}</RequestId></ErrorResponse>`,
      };
    case "json":
      return {
        status,
        code,
        headers: { "content-type": "application/x-amz-json-1.1", "x-amzn-errortype": code },
        body: JSON.stringify({ __type: `com.amazonaws.fault#${code}`, message }),
      };
    case "s3":
      return {
        status,
        code,
        headers: { "content-type": "application/xml" },
        body: `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>${id}</RequestId></Error>`,
      };
  }
}

export interface FaultProxy {
  /** The proxy's URL: point the clients' endpoint here. */
  endpoint: string;
  counts(): FaultCounts;
  /** Changes the fault rate (e.g. 0 to set up without faults). */
  setRate(rate: number): void;
  stop(): Promise<void>;
}

function pick(random: () => number, mix: Record<FaultKind, number>): FaultKind {
  const total = FAULT_KINDS.reduce((s, k) => s + mix[k], 0);
  let r = random() * total;
  for (const k of FAULT_KINDS) {
    r -= mix[k];
    if (r < 0) return k;
  }
  return "latency";
}

export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const upstream = checkLoopbackUpstream(options.upstream);
  let rate = options.rate ?? 0.1;
  if (!(rate >= 0 && rate <= 1)) throw new Error(`fault rate ${rate} is not valid: expected 0 to 1`);
  const mix = Object.fromEntries(FAULT_KINDS.map((k) => [k, options.mix?.[k] ?? 1])) as Record<
    FaultKind,
    number
  >;
  const random = seededRandom(options.seed ?? 1);
  const maxRequests = options.maxRequests ?? 100_000;
  const passThrough = options.passThroughPaths ?? ["/moto-api"];
  const counts: FaultCounts = {
    requests: 0,
    faults: Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as Record<FaultKind, number>,
  };

  /** Calls seen per scripted operation. */
  const calls = new Map<string, number>();

  const forward = (req: IncomingMessage, body: Buffer, res: ServerResponse, resetAfter: boolean) => {
    const up = request(
      {
        host: upstream.hostname.replace(/^\[|\]$/g, ""),
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (answer) => {
        const chunks: Buffer[] = [];
        answer.on("data", (c: Buffer) => chunks.push(c));
        answer.on("end", () => {
          // The call took effect upstream; the client never learns it.
          if (resetAfter) {
            req.socket.destroy();
            return;
          }
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          res.end(Buffer.concat(chunks));
        });
      },
    );
    up.on("error", (err) => {
      if (!res.headersSent) res.writeHead(502, { "content-type": "text/plain" });
      res.end(`fault proxy: upstream failed: ${err.message}`);
    });
    up.end(body);
  };

  /** Decides what happens to one request: forward it, or inject a fault. */
  const handle = (req: IncomingMessage, body: Buffer, res: ServerResponse): void => {
    if (passThrough.some((p) => req.url?.startsWith(p))) {
      forward(req, body, res, false);
      return;
    }
    counts.requests += 1;
    if (counts.requests > maxRequests) {
      res.writeHead(503, { "content-type": "text/plain" });
      res.end(`fault proxy: request limit of ${maxRequests} reached`);
      return;
    }
    const op =
      options.script || options.refuse
        ? (operationOf(req.headers, body) ??
          lambdaOperation(req.method ?? "GET", new URL(req.url ?? "/", "http://proxy.invalid").pathname))
        : undefined;
    if (op && options.refuse?.({ operation: op, body: body.toString("utf8") })) {
      const a = errorAnswer(protocolOf(req.headers), "refuse");
      res.writeHead(a.status, { ...a.headers, "x-amzn-requestid": randomUUID() });
      res.end(a.body);
      return;
    }
    let kind: FaultKind | null = null;
    if (op && options.script?.[op]) {
      const nth = (calls.get(op) ?? 0) + 1;
      calls.set(op, nth);
      kind = options.script[op]![nth - 1] ?? null;
    }
    if (!kind && random() < rate) kind = pick(random, mix);
    if (!kind) {
      forward(req, body, res, false);
      return;
    }
    counts.faults[kind] += 1;
    if (kind === "resetBefore") req.socket.destroy();
    else if (kind === "resetAfter") forward(req, body, res, true);
    else if (kind === "latency") setTimeout(() => forward(req, body, res, false), options.latencyMs ?? 200);
    else {
      const a = errorAnswer(protocolOf(req.headers), kind);
      res.writeHead(a.status, { ...a.headers, "x-amzn-requestid": randomUUID() });
      res.end(a.body);
    }
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => handle(req, Buffer.concat(chunks), res));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const lifetime = setTimeout(() => void stop(), options.maxLifetimeMs ?? 600_000);
  lifetime.unref();
  let stopped: Promise<void> | undefined;
  const stop = () => {
    stopped ??= new Promise<void>((resolve) => {
      clearTimeout(lifetime);
      server.close(() => resolve());
      server.closeAllConnections();
    });
    return stopped;
  };
  const port = (server.address() as AddressInfo).port;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    counts: () => ({ requests: counts.requests, faults: { ...counts.faults } }),
    setRate: (r: number) => {
      if (!(r >= 0 && r <= 1)) throw new Error(`fault rate ${r} is not valid: expected 0 to 1`);
      rate = r;
    },
    stop,
  };
}
