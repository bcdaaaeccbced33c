/**
 * A latency-only stand-in for AWS, given to `AwsClients` as its `requestHandler`: every call the contain
 * playbook makes is answered by `FakeWorld` (bench/fake-world.ts) after a fixed latency, through the
 * real SDK serialisers and parsers. It models the three things that decide how containment scales:
 *  - the round trip (`latencyMs` per attempt, the same for every call),
 *  - the client's sockets: at most `maxInFlight` requests in flight per service endpoint (what the
 *    production NodeHttpHandler's agent enforces with `MAX_IN_FLIGHT`); the rest queue, as they would,
 *  - AWS's per-API token buckets: EC2's documented bucket for each API (automation/aws/ec2-rate-table.ts,
 *    the table the strict layer and the client-side limiter use), approximations for Auto Scaling, ELB,
 *    IAM and STS; a call finding its bucket empty is refused with the service's throttling error (the
 *    client's limiter should leave none, its retry recovers the rest).
 * Time is read from `Date.now` and `setTimeout` at each call, so on the bench's simulated clock
 * (bench/virtual-time.ts) the round trips and the refills are simulated time too.
 * Why not moto for scaling figures: bench/moto-service-time.ts measures moto at ~13 ms per call alone and
 * ~70-100 calls/s whatever the concurrency (one Python process on a shared 2-core machine), so 50
 * instances through moto measure moto. moto stays the reference for correctness (the tests).
 */
import { Readable } from "node:stream";
import { MAX_IN_FLIGHT } from "../automation/aws/clients";
import {
  requestBucketName,
  requestBucketSize,
  wireFilteredOrPaginated,
} from "../automation/aws/ec2-rate-table";
import { type BucketSize, TokenBucket } from "../automation/aws/token-bucket";
import type { Answer, FakeWorld, Protocol } from "./fake-world";

/** Auto Scaling, ELB, IAM and STS publish no per-API buckets: reads and writes are approximated. */
const OTHER_READ: BucketSize = { capacity: 100, refillPerSecond: 20 };
const OTHER_WRITE: BucketSize = { capacity: 50, refillPerSecond: 10 };

/**
 * The bucket a call draws on ("service:bucket name") and its size, or undefined for DynamoDB (on-demand
 * tables do not throttle at these rates) and S3. `params` are the call's Query parameters (EC2's small
 * unfiltered buckets depend on them).
 */
export function bucketFor(
  service: string,
  action: string,
  params: Record<string, string> = {},
): { name: string; size: BucketSize } | undefined {
  if (service === "dynamodb" || service === "s3") return undefined;
  if (service === "ec2") {
    const filtered = wireFilteredOrPaginated(params);
    return { name: `ec2:${requestBucketName(action, filtered)}`, size: requestBucketSize(action, filtered) };
  }
  const read = /^(Describe|Get|List|Head)/.test(action);
  return { name: `${service}:${action}`, size: read ? OTHER_READ : OTHER_WRITE };
}

export interface FakeAwsOptions {
  /** Round trip of every attempt, ms. @default 50 */
  latencyMs?: number;
  /** Requests in flight per service endpoint. @default MAX_IN_FLIGHT */
  maxInFlight?: number;
  /** Per-API token buckets on (AWS's throttling). @default true */
  rateLimits?: boolean;
}

/** Counting semaphore: the sockets of one endpoint. */
class Sockets {
  private free: number;
  private readonly waiting: (() => void)[] = [];
  constructor(size: number) {
    this.free = size;
  }
  async take(): Promise<void> {
    if (this.free > 0) {
      this.free -= 1;
      return;
    }
    await new Promise<void>((r) => this.waiting.push(r));
  }
  give(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.free += 1;
  }
}

export class FakeAws {
  readonly latencyMs: number;
  /** Attempts answered per "service:Action" (throttled ones included). */
  readonly attempts = new Map<string, number>();
  throttled = 0;
  /** Throttled attempts per "service:Action". */
  readonly throttledBy = new Map<string, number>();
  /** Operations the world does not model (answered with an error so the step fails fast). */
  readonly unsupported = new Set<string>();
  private readonly sockets = new Map<string, Sockets>();
  private readonly buckets = new Map<string, TokenBucket>();
  /** Tokens taken per bucket, with when: the bench's lower bound counts them. */
  readonly admitted = new Map<string, { size: BucketSize; at: number[] }>();

  constructor(
    readonly world: FakeWorld,
    private readonly options: FakeAwsOptions = {},
  ) {
    this.latencyMs = options.latencyMs ?? 50;
  }

  /** Takes a token from the call's bucket; false when it is empty (the call is throttled). */
  private admit(service: string, action: string, body: string): boolean {
    if (this.options.rateLimits === false) return true;
    const params = service === "ec2" ? Object.fromEntries(new URLSearchParams(body)) : {};
    const spec = bucketFor(service, action, params);
    if (!spec) return true;
    const now = Date.now();
    let b = this.buckets.get(spec.name);
    if (!b) {
      b = new TokenBucket(spec.size, now);
      this.buckets.set(spec.name, b);
    }
    if (!b.tryTake(now)) return false;
    let seen = this.admitted.get(spec.name);
    if (!seen) {
      seen = { size: spec.size, at: [] };
      this.admitted.set(spec.name, seen);
    }
    seen.at.push(now);
    return true;
  }

  /** The SDK's HttpHandler interface. */
  async handle(request: {
    hostname: string;
    method: string;
    path: string;
    query?: Record<string, string | string[] | null>;
    headers: Record<string, string>;
    body?: unknown;
  }): Promise<{ response: unknown }> {
    const host = request.hostname;
    let pool = this.sockets.get(host);
    if (!pool) {
      pool = new Sockets(this.options.maxInFlight ?? MAX_IN_FLIGHT);
      this.sockets.set(host, pool);
    }
    await pool.take();
    try {
      const body = await readBody(request.body);
      const service = serviceOf(host, body);
      const target = request.headers["x-amz-target"] ?? request.headers["X-Amz-Target"];
      const action = target
        ? target.split(".").pop()!
        : service === "s3"
          ? `${request.method}Object`
          : (new URLSearchParams(body).get("Action") ?? "Unknown");
      const key = `${service}:${action}`;
      this.attempts.set(key, (this.attempts.get(key) ?? 0) + 1);
      await new Promise((r) => setTimeout(r, this.latencyMs));
      const protocol: Protocol = target
        ? "json"
        : service === "ec2"
          ? "ec2"
          : service === "s3"
            ? "s3"
            : "query";
      let answer: Answer;
      if (!this.admit(service, action, body)) {
        this.throttled += 1;
        this.throttledBy.set(key, (this.throttledBy.get(key) ?? 0) + 1);
        answer = this.world.error(
          protocol,
          action,
          service === "ec2" ? 503 : 400,
          throttleCode(service),
          "Rate exceeded",
        );
      } else {
        answer = this.world.answer({ service, action, protocol, body, request });
        if (answer.unsupported) this.unsupported.add(key);
      }
      return {
        response: {
          statusCode: answer.status,
          reason: "",
          headers: { "x-amzn-requestid": "fake", ...answer.headers },
          body: Readable.from([Buffer.from(answer.body)]),
        },
      };
    } finally {
      pool.give();
    }
  }

  destroy(): void {}

  /** Calls per second the buckets let through, for the report. */
  summary(): string {
    const calls = [...this.attempts.values()].reduce((a, b) => a + b, 0);
    const worst = [...this.throttledBy]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 3)
      .map(([k, n]) => `${k} ${n}`)
      .join(", ");
    // EC2's apart: its buckets are the documented ones the client-side limiter paces by.
    const ec2 = [...this.throttledBy].filter(([k]) => k.startsWith("ec2:")).reduce((a, [, n]) => a + n, 0);
    return `${calls} attempts, ${this.throttled} throttled, ${ec2} of them EC2${worst ? ` (${worst})` : ""}${this.unsupported.size ? `, not modelled: ${[...this.unsupported].join(", ")}` : ""}`;
  }
}

function throttleCode(service: string): string {
  if (service === "ec2") return "RequestLimitExceeded";
  return "Throttling";
}

/** The service a request is for, from its endpoint (ELB and ELBv2 share one: the API version tells). */
function serviceOf(host: string, body: string): string {
  if (/(^|\.)s3[.-]/.test(host)) return "s3";
  if (host.includes(".ddb.")) return "dynamodb";
  const first = host.split(".")[0]!;
  if (first === "elasticloadbalancing") return body.includes("Version=2015-12-01") ? "elbv2" : "elb";
  return first;
}

async function readBody(body: unknown): Promise<string> {
  if (body === undefined || body === null) return "";
  if (typeof body === "string") return body;
  if (body instanceof Uint8Array) return Buffer.from(body).toString("utf8");
  if (typeof (body as AsyncIterable<unknown>)[Symbol.asyncIterator] === "function") {
    const chunks: Buffer[] = [];
    for await (const c of body as AsyncIterable<Buffer | string>) chunks.push(Buffer.from(c));
    return Buffer.concat(chunks).toString("utf8");
  }
  return String(body);
}
