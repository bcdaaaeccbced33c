/**
 * The strict layer: an HTTP server on loopback in front of moto that answers as AWS does where moto
 * does not. Every request is parsed (service, operation, signer), passed through the rules in order
 * (each may refuse it, answer it, or record and rewrite moto's answer), and otherwise forwarded to moto
 * untouched. Loopback only: it listens on 127.0.0.1 and refuses an upstream that is not loopback.
 *
 * Used by the integration tests, the game day and the benches by default (docs/strict-aws.md).
 */
import {
  Agent,
  createServer,
  type IncomingMessage,
  request,
  type Server,
  type ServerResponse,
} from "node:http";
import type { AddressInfo } from "node:net";
import { AwsClients } from "../../aws/clients";
import { type Identities, identitiesOf } from "./identity";
import { parseRequest } from "./request";
import { SlotState } from "./state";
import type { Answer, RuleContext, StrictRequest, StrictRule } from "./types";
import { checkLoopbackUpstream, errorAnswer, protocolOf } from "./wire";

/** GET here answers the layer's rules and counts (and says that the layer is there). */
export const STRICT_API_PATH = "/strict-api/";

/** Credentials of the layer's own calls to moto: the account administrator, as any unknown key. */
const LAYER_CREDENTIALS = { accessKeyId: "strict-layer", secretAccessKey: "strict-layer" };

export interface StrictLayerOptions {
  /** moto's URL: http on loopback only. */
  upstream: string;
  /** The rules, in the order they see a request. @default the full set (rules/index.ts) */
  rules: readonly StrictRule[];
}

export interface StrictDecision {
  seq: number;
  operation: string;
  service: string;
  principal: string;
  rule: string;
  code: string;
  message: string;
}

export interface StrictLayer {
  /** The layer's URL: point clients here. */
  endpoint: string;
  upstream: string;
  ctx: RuleContext;
  /** Sessions the layer knows (AssumeRole answers it passed, instance credentials of the SSM agent). */
  identities(): Identities;
  /** Moves the layer's clock (credential expiry, token buckets, snapshot pacing). */
  advanceClock(ms: number): void;
  /** Refusals so far, newest last (bounded to the last 1,000). */
  refusals(): StrictDecision[];
  counts(): { requests: number; refused: number; answered: number };
  /** Forget the layer's state (moto's reset does it too). */
  reset(): void;
  stop(): Promise<void>;
}

export async function startStrictLayer(options: StrictLayerOptions): Promise<StrictLayer> {
  const upstream = checkLoopbackUpstream(options.upstream, "the strict layer");
  const rules = options.rules;
  const state = new SlotState();
  let clockOffset = 0;
  const clients = new Map<string, AwsClients>();
  const ctx: RuleContext = {
    state,
    now: () => Date.now() + clockOffset,
    forward: (r, body) => {
      const q = r.query.toString();
      return forward({ method: r.method, url: `${r.path}${q ? `?${q}` : ""}`, headers: r.headers }, body);
    },
    moto(accountId, region) {
      const key = `${accountId}/${region}`;
      let c = clients.get(key);
      if (!c) {
        c = new AwsClients({
          endpoint: upstream.origin,
          region,
          credentials: LAYER_CREDENTIALS,
          retry: { maxAttempts: 1 },
          headers: { "x-moto-account-id": accountId },
          // The layer's own reads of moto are not the account's calls: AWS's buckets are a rule here
          // (ec2-request-rate-buckets), and pacing the layer would only slow every request it checks.
          ec2RateLimit: false,
        });
        clients.set(key, c);
      }
      return c;
    },
  };
  const refusals: StrictDecision[] = [];
  const counts = { requests: 0, refused: 0, answered: 0 };
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const reset = () => state.reset();

  const forward = (req: Pick<IncomingMessage, "method" | "url" | "headers">, body: Buffer): Promise<Answer> =>
    new Promise((resolve, reject) => {
      const up = request(
        {
          host: upstream.hostname.replace(/^\[|\]$/g, ""),
          port: upstream.port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, "content-length": String(body.length) },
          agent,
        },
        (answer) => {
          const chunks: Buffer[] = [];
          answer.on("data", (c: Buffer) => chunks.push(c));
          answer.on("end", () => {
            const headers: Record<string, string> = {};
            // A HEAD answer has no body: its content-length is the object's, kept as moto sent it.
            for (const [k, v] of Object.entries(answer.headers))
              if (
                v !== undefined &&
                (k !== "content-length" || req.method === "HEAD") &&
                k !== "transfer-encoding"
              )
                headers[k] = Array.isArray(v) ? v.join(", ") : v;
            resolve({ status: answer.statusCode ?? 502, headers, body: Buffer.concat(chunks) });
          });
          answer.on("error", reject);
        },
      );
      up.on("error", reject);
      up.end(body);
    });

  const send = (res: ServerResponse, a: Answer) => {
    if (res.headersSent || res.destroyed) return;
    res.writeHead(a.status, { "content-length": String(a.body.length), ...a.headers });
    res.end(a.body);
  };

  const refuse = (r: StrictRequest, rule: StrictRule, code: string, message: string) => {
    counts.refused += 1;
    refusals.push({
      seq: r.seq,
      operation: r.operation,
      service: r.service,
      principal: r.principal.arn,
      rule: rule.id,
      code,
      message,
    });
    if (refusals.length > 1000) refusals.shift();
    // IR_STRICT_LOG=1: every refusal on stderr, to see what AWS would have refused in a run.
    if (process.env.IR_STRICT_LOG)
      process.stderr.write(
        `strict: refused ${r.service}:${r.operation} by ${r.principal.arn}: ${rule.id} ${code}: ${message}\n`,
      );
  };

  const handle = async (req: IncomingMessage, body: Buffer, res: ServerResponse) => {
    // The layer's own page: tells a caller (the game day given --endpoint) that the layer is already here.
    if (req.url?.startsWith(STRICT_API_PATH)) {
      const page = { layer: "strict", upstream: upstream.origin, rules: rules.map((r) => r.id), counts };
      send(res, {
        status: 200,
        headers: { "content-type": "application/json" },
        body: Buffer.from(JSON.stringify(page)),
      });
      return;
    }
    if (req.url?.startsWith("/moto-api")) {
      if (req.url.startsWith("/moto-api/reset")) reset();
      send(res, await forward(req, body));
      return;
    }
    counts.requests += 1;
    const r = parseRequest(req, body, identitiesOf(state));
    const active = rules.filter((rule) => rule.matches(r));
    for (const rule of active) {
      const refusal = await rule.before?.(r, ctx);
      if (refusal) {
        refuse(r, rule, refusal.code, refusal.message);
        send(res, errorAnswer(r.protocol, refusal));
        // A rule that tracks calls in flight must hear that this one ended.
        for (const other of active) await other.after?.(r, errorAnswer(r.protocol, refusal), ctx);
        return;
      }
    }
    let answer: Answer | undefined;
    for (const rule of active) {
      answer = await rule.answer?.(r, ctx);
      if (answer) {
        counts.answered += 1;
        break;
      }
    }
    answer ??= await forward(req, body);
    for (const rule of active) answer = (await rule.after?.(r, answer, ctx)) ?? answer;
    send(res, answer);
  };

  // Rules that refuse on headers alone answer before the body is read, then close the connection.
  const headerRules = rules.filter((rule) => rule.beforeBody);
  const refusedBeforeBody = (req: IncomingMessage, res: ServerResponse): boolean => {
    if (!headerRules.length || req.url?.startsWith("/moto-api")) return false;
    const r = parseRequest(req, Buffer.alloc(0), identitiesOf(state));
    for (const rule of headerRules) {
      const refusal = rule.matches(r) ? rule.beforeBody?.(r, ctx) : undefined;
      if (!refusal) continue;
      counts.requests += 1;
      refuse(r, rule, refusal.code, refusal.message);
      const a = errorAnswer(r.protocol, refusal);
      send(res, { ...a, headers: { ...a.headers, connection: "close" } });
      return true;
    }
    return false;
  };

  const server: Server = createServer((req, res) => {
    if (refusedBeforeBody(req, res)) return;
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      handle(req, Buffer.concat(chunks), res).catch((err: Error) => {
        // The layer's own failure: a 4xx the clients do not retry, named so nobody takes it for AWS.
        send(
          res,
          errorAnswer(protocolOf(req.headers, new URL(req.url ?? "/", "http://x").searchParams), {
            status: 400,
            code: "StrictLayerFailure",
            message: `the strict layer failed on ${req.method} ${req.url}: ${err.stack ?? err.message}`,
          }),
        );
      });
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  server.unref();
  let stopped: Promise<void> | undefined;
  const port = (server.address() as AddressInfo).port;
  ctx.endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    upstream: upstream.origin,
    ctx,
    identities: () => identitiesOf(state),
    advanceClock: (ms) => {
      clockOffset += ms;
    },
    refusals: () => [...refusals],
    counts: () => ({ ...counts }),
    reset,
    stop() {
      stopped ??= new Promise<void>((resolve) => {
        for (const c of clients.values()) c.destroy();
        agent.destroy();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return stopped;
    },
  };
}
