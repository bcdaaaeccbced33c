/**
 * Client-side pacing of EC2 calls by AWS's own limits. EC2 keeps a token bucket per account, Region and
 * API (sizes in ec2-rate-table.ts, the documented defaults); a call that finds its bucket empty is
 * refused with RequestLimitExceeded. Containing many instances at once sends hundreds of
 * ModifyNetworkInterfaceAttribute and ModifyInstanceAttribute calls: sent blindly they are refused, and
 * blind backoff retries them at random, past their turn, until they give up. The limiter keeps the same
 * buckets on the client and makes each call wait for its token in order, so a burst drains at the rate
 * AWS refills and nothing is refused. The retry in clients.ts stays: another process (or another
 * identity of this one) may draw on the same account's buckets; the limiter prevents, the retry recovers.
 *
 * The copy refills a second behind AWS's (EC2_REFILL_LAG_MS): AWS starts refilling when a call
 * arrives, not when it was sent (the first calls of a burst, opening connections, may arrive last), and its
 * documentation says it adds tokens every second; a copy refilling from the send at the continuous rate
 * would run ahead and be refused. It costs one second per drained bucket.
 *
 * Not modelled: the resource buckets of RunInstances, StartInstances, StopInstances and
 * TerminateInstances (1,000 instances' burst, far above what a response acts on).
 */
import { type Clock, systemClock } from "./clock";
import { requestBucketName, requestBucketSize } from "./ec2-rate-table";
import { type AcquireOptions, RateQueue } from "./rate-queue";

/** What decides a call's bucket. */
export interface Ec2Call {
  /** The API, e.g. "ModifyNetworkInterfaceAttribute". */
  operation: string;
  /** A filter or pagination: the few APIs with a small unfiltered bucket use the larger one then. */
  filteredOrPaginated: boolean;
}

/** How far the client's copy of a bucket refills behind AWS's after a burst from full (see above). */
export const EC2_REFILL_LAG_MS = 1_000;

/** The buckets of one scope (an account and Region as the client can name them, see `ec2RateScope`). */
export class Ec2RateLimiter {
  private readonly queues = new Map<string, RateQueue>();

  constructor(
    /** Named in errors, e.g. "us-east-1". */
    readonly label: string,
    private readonly clock: Clock = systemClock,
    private readonly refillLagMs = EC2_REFILL_LAG_MS,
  ) {}

  /** Waits for the call's token (full buckets at first: the documented burst goes at once). */
  acquire(call: Ec2Call, options: AcquireOptions): Promise<void> {
    return this.queue(call).acquire(options);
  }

  /** The queue of a call's bucket, made on first use. */
  queue(call: Ec2Call): RateQueue {
    const name = requestBucketName(call.operation, call.filteredOrPaginated);
    let q = this.queues.get(name);
    if (!q) {
      q = new RateQueue(
        `EC2 ${name} in ${this.label}`,
        requestBucketSize(call.operation, call.filteredOrPaginated),
        this.clock,
        this.refillLagMs,
      );
      this.queues.set(name, q);
    }
    return q;
  }
}

/**
 * Which of AWS's bucket sets a client draws on. AWS keeps them per account and Region, but the account is
 * not known before a call answers (learning it first would cost an STS call per client and a new way to
 * fail), so the scope is what names an account without a call: the endpoint (an emulator is an AWS of
 * its own), the Region, the signing identity (static keys by their access key id; the default
 * credential chain as one identity: a process signs with one principal that way, and a session whose
 * keys are refreshed keeps its buckets) and the extra headers (an emulator picks the account by one,
 * x-moto-account-id). Two identities of one account get two client-side sets that both draw on the
 * same AWS buckets: the retry absorbs what that lets through, as it does for other processes acting in
 * the account.
 */
export function ec2RateScope(c: {
  region: string;
  endpoint?: string;
  accessKeyId?: string;
  headers?: Record<string, string>;
}): string {
  const headers = Object.entries(c.headers ?? {}).sort(([a], [b]) => a.localeCompare(b));
  return JSON.stringify([
    c.region,
    c.endpoint ?? "aws",
    c.accessKeyId ?? "default credential chain",
    headers,
  ]);
}

/** Every AwsClients of this process with the same scope shares one limiter (forRegion makes new ones). */
const shared = new Map<string, Ec2RateLimiter>();

export function sharedEc2RateLimiter(scope: string, label: string): Ec2RateLimiter {
  let limiter = shared.get(scope);
  if (!limiter) {
    limiter = new Ec2RateLimiter(label);
    shared.set(scope, limiter);
  }
  return limiter;
}

/**
 * Forgets the shared limiters: the next calls start from full buckets. For an emulator reset (a fresh
 * account whose buckets are full again); calls already waiting keep their place in the old queues.
 */
export function resetSharedEc2RateLimiters(): void {
  shared.clear();
}
