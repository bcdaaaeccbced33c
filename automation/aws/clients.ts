/**
 * The ONE client factory. Every AWS SDK client the automation uses comes from here, so region,
 * credentials (the standard chain), the emulator endpoint, the retry policy, the pacing of EC2 calls by
 * AWS's token buckets, the simulated latency of the benchmark and the call recording (metrics and least
 * privilege) are decided in one place.
 */
import { AutoScalingClient } from "@aws-sdk/client-auto-scaling";
import { CloudTrailClient } from "@aws-sdk/client-cloudtrail";
import { ConfigServiceClient } from "@aws-sdk/client-config-service";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { EC2Client } from "@aws-sdk/client-ec2";
import { ElasticLoadBalancingClient } from "@aws-sdk/client-elastic-load-balancing";
import { ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import { IAMClient } from "@aws-sdk/client-iam";
import { KMSClient } from "@aws-sdk/client-kms";
import { LambdaClient } from "@aws-sdk/client-lambda";
import { S3Client } from "@aws-sdk/client-s3";
import { SNSClient } from "@aws-sdk/client-sns";
import { SSMClient } from "@aws-sdk/client-ssm";
import { STSClient } from "@aws-sdk/client-sts";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { iamActionFor, iamActionsFor, isIdempotent } from "./actions";
import { DEFAULT_MAX_WAIT_MS, ec2RateLimitMiddleware } from "./rate-limit-middleware";
import { ec2RateScope, sharedEc2RateLimiter } from "./rate-limiter";
import {
  attemptsAllowed,
  backoffMs,
  DEFAULT_RETRY,
  isThrottling,
  isTransient,
  type RetryPolicy,
  sleep,
} from "./retry";

/** One AWS call as the recorder sees it (one per command, however many attempts it took). */
export interface RecordedCall {
  /** IAM action of the operation, e.g. "ec2:CreateSnapshots". */
  action: string;
  /** Every IAM action the call needs (the operation's, plus tag-on-create, PassRole...). */
  iamActions: string[];
  startedAt: number;
  endedAt: number;
  attempts: number;
  ok: boolean;
  error?: string;
}

export interface CallRecorder {
  record(call: RecordedCall): void;
}

/** Collects calls in memory: the set of actions (least privilege) and the timings (benchmark). */
export class MemoryRecorder implements CallRecorder {
  readonly calls: RecordedCall[] = [];
  record(call: RecordedCall): void {
    this.calls.push(call);
  }
  actions(): string[] {
    return [...new Set(this.calls.flatMap((c) => c.iamActions))].sort();
  }
}

export interface ClientOptions {
  /** AWS region. @default AWS_REGION, then AWS_DEFAULT_REGION, then "us-east-1" */
  region?: string;
  /** Endpoint override (an emulator). @default AWS_ENDPOINT_URL when set */
  endpoint?: string;
  /** Static credentials (tests); otherwise the standard provider chain. */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Retry policy; `{ maxAttempts: 1 }` against an emulator. */
  retry?: Partial<RetryPolicy>;
  /** Simulated latency added to every HTTP attempt (benchmark, game day). @default 0 */
  latencyMs?: number;
  /** Receives every call. */
  recorder?: CallRecorder;
  /** Socket timeout per attempt in ms. @default 30000 */
  requestTimeoutMs?: number;
  /** Replaces the HTTP handler (tests, fault injection). */
  requestHandler?: {
    handle: (request: any, options?: any) => Promise<{ response: any }>;
    destroy?: () => void;
  };
  /** Extra headers on every request (e.g. x-moto-account-id on an emulator). */
  headers?: Record<string, string>;
  /**
   * EC2 calls wait for a token of AWS's documented bucket for their API (rate-limiter.ts) instead of
   * being sent and refused with RequestLimitExceeded; the buckets start full, so fewer calls than an
   * API's burst (50 to 100 for most) never wait. Shared by every AwsClients of the process with the same
   * Region, endpoint and identity. `false` sends every call at once (a test of AWS's own throttling).
   * @default on, each call waiting at most DEFAULT_MAX_WAIT_MS (60 s) for its token, then refused
   */
  ec2RateLimit?: false | { maxWaitMs?: number };
}

type AnyClient = {
  middlewareStack: {
    add: (mw: any, opts: any) => void;
  };
};

/** Adds retry, latency, header and recording middleware to one client. */
function instrument<T extends AnyClient>(client: T, options: ClientOptions, policy: RetryPolicy): T {
  const latency = options.latencyMs ?? 0;
  const headers = options.headers ?? {};
  client.middlewareStack.add(
    (next: any, context: any) => async (args: any) => {
      const command = String(context.commandName ?? "UnknownCommand");
      const clientName = String(context.clientName ?? "UnknownClient");
      const action = iamActionFor(clientName, command);
      const iamActions = iamActionsFor(clientName, command, args.input);
      const startedAt = Date.now();
      let attempt = 0;
      for (;;) {
        attempt += 1;
        try {
          const out = await next(args);
          options.recorder?.record({
            action,
            iamActions,
            startedAt,
            endedAt: Date.now(),
            attempts: attempt,
            ok: true,
          });
          return out;
        } catch (err) {
          const retryable = isThrottling(err) || (isTransient(err) && isIdempotent(command));
          if (!retryable || attempt >= attemptsAllowed(policy, err)) {
            const e = err as { name?: string };
            options.recorder?.record({
              action,
              iamActions,
              startedAt,
              endedAt: Date.now(),
              attempts: attempt,
              ok: false,
              error: e?.name ?? "Error",
            });
            throw err;
          }
          await sleep(backoffMs(policy, attempt));
        }
      }
    },
    { step: "initialize", name: "irRetryAndRecord", priority: "high", override: true },
  );
  if (latency > 0 || Object.keys(headers).length > 0) {
    client.middlewareStack.add(
      (next: any) => async (args: any) => {
        if (args.request?.headers) Object.assign(args.request.headers, headers);
        if (latency > 0) await sleep(latency);
        return next(args);
      },
      { step: "build", name: "irLatencyAndHeaders", priority: "low", override: true },
    );
  }
  return client;
}

/** Calls in flight per client (HTTP sockets). */
export const MAX_IN_FLIGHT = 32;

export function resolveRegion(region?: string): string {
  return region || process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION || "us-east-1";
}

/**
 * Lazily built, instrumented clients for one region. Construct one per (region, account) and share it:
 * the HTTP agent keeps connections alive, which matters as much as parallelism for time to containment.
 */
export class AwsClients {
  readonly region: string;
  readonly endpoint?: string;
  private readonly cache = new Map<string, unknown>();
  private readonly policy: RetryPolicy;
  private readonly handler: NodeHttpHandler | NonNullable<ClientOptions["requestHandler"]>;

  constructor(readonly options: ClientOptions = {}) {
    this.region = resolveRegion(options.region);
    this.endpoint = options.endpoint || process.env.AWS_ENDPOINT_URL || undefined;
    this.policy = { ...DEFAULT_RETRY, ...options.retry };
    this.handler =
      options.requestHandler ??
      new NodeHttpHandler({
        requestTimeout: options.requestTimeoutMs ?? 30_000,
        // Every wait is bounded: a request that outlives its timeout fails (and is retried if safe).
        throwOnRequestTimeout: true,
        connectionTimeout: 5_000,
        // At most this many calls in flight per client: a 50-instance response queues its calls here
        // instead of tripping the account's API rate limits (or flooding an emulator).
        httpAgent: { keepAlive: true, maxSockets: MAX_IN_FLIGHT },
        httpsAgent: { keepAlive: true, maxSockets: MAX_IN_FLIGHT },
      });
  }

  /** The same clients in another region (findings name their region). */
  forRegion(region: string): AwsClients {
    return region === this.region ? this : new AwsClients({ ...this.options, region });
  }

  private build<T extends AnyClient>(key: string, make: (config: any) => T): T {
    let client = this.cache.get(key) as T | undefined;
    if (!client) {
      const config: any = {
        region: this.region,
        maxAttempts: 1,
        requestHandler: this.handler,
        ...(this.endpoint ? { endpoint: this.endpoint } : {}),
        ...(this.options.credentials ? { credentials: this.options.credentials } : {}),
      };
      client = instrument(make(config), this.options, this.policy);
      this.cache.set(key, client);
    }
    return client;
  }

  get ec2(): EC2Client {
    return this.build("ec2", (c) => this.paced(new EC2Client(c)));
  }

  /** Adds the wait for each attempt's token, inside the retry loop (initialize step, after "high"). */
  private paced(client: EC2Client): EC2Client {
    const limit = this.options.ec2RateLimit;
    if (limit === false) return client;
    const scope = ec2RateScope({
      region: this.region,
      ...(this.endpoint ? { endpoint: this.endpoint } : {}),
      ...(this.options.credentials ? { accessKeyId: this.options.credentials.accessKeyId } : {}),
      ...(this.options.headers ? { headers: this.options.headers } : {}),
    });
    const label = this.region;
    client.middlewareStack.add(
      ec2RateLimitMiddleware(
        () => sharedEc2RateLimiter(scope, label),
        limit?.maxWaitMs ?? DEFAULT_MAX_WAIT_MS,
      ),
      { step: "initialize", name: "irEc2RateLimit", priority: "low", override: true },
    );
    return client;
  }
  get autoscaling(): AutoScalingClient {
    return this.build("asg", (c) => new AutoScalingClient(c));
  }
  get elbv2(): ElasticLoadBalancingV2Client {
    return this.build("elbv2", (c) => new ElasticLoadBalancingV2Client(c));
  }
  get elb(): ElasticLoadBalancingClient {
    return this.build("elb", (c) => new ElasticLoadBalancingClient(c));
  }
  get iam(): IAMClient {
    return this.build("iam", (c) => new IAMClient(c));
  }
  get lambda(): LambdaClient {
    return this.build("lambda", (c) => new LambdaClient(c));
  }
  get sts(): STSClient {
    return this.build("sts", (c) => new STSClient(c));
  }
  get s3(): S3Client {
    return this.build("s3", (c) => new S3Client({ ...c, forcePathStyle: Boolean(this.endpoint) }));
  }
  /**
   * S3 for presigning URLs a host uploads through: no SDK default checksum signed into the URL (the
   * SDK would sign an empty body's CRC32, which the host's upload then contradicts; S3 does not take
   * flexible checksums on presigned uploads anyway). The host sends Content-MD5, which Object Lock needs.
   */
  get s3Presigner(): S3Client {
    return this.build(
      "s3-presign",
      (c) =>
        new S3Client({
          ...c,
          forcePathStyle: Boolean(this.endpoint),
          requestChecksumCalculation: "WHEN_REQUIRED",
          responseChecksumValidation: "WHEN_REQUIRED",
        }),
    );
  }
  get ssm(): SSMClient {
    return this.build("ssm", (c) => new SSMClient(c));
  }
  get dynamodb(): DynamoDBClient {
    return this.build("ddb", (c) => new DynamoDBClient(c));
  }
  get cloudtrail(): CloudTrailClient {
    return this.build("cloudtrail", (c) => new CloudTrailClient(c));
  }
  get config(): ConfigServiceClient {
    return this.build("config", (c) => new ConfigServiceClient(c));
  }
  get sns(): SNSClient {
    return this.build("sns", (c) => new SNSClient(c));
  }
  /** `ir investigate` reads a snapshot's key (state, policy) before it copies the snapshot. */
  get kms(): KMSClient {
    return this.build("kms", (c) => new KMSClient(c));
  }

  /** Closes keep-alive sockets so the process can exit promptly. */
  destroy(): void {
    for (const client of this.cache.values()) (client as { destroy?: () => void }).destroy?.();
    this.handler.destroy?.();
    this.cache.clear();
  }
}
