/**
 * Calls waiting for tokens of one bucket, first come first served. A call takes a token at once when
 * the bucket has one and nobody waits; otherwise it queues, and tokens go to the queue in order as the
 * bucket refills (nobody overtakes a waiting call, so no caller starves behind later ones), except an
 * urgent call (one that closes an exposure), which goes ahead of the calls that are not urgent.
 *
 * Every wait is bounded and cancellable: a call whose token would come later than `maxWaitMs` is refused
 * at once (it takes nothing and never queues), and an aborted signal takes a call out of the queue. One
 * timer runs, for the head of the queue, and only while someone waits: an empty queue keeps nothing
 * alive, so a process that is done exits.
 */
import type { Clock } from "./clock";
import { type BucketSize, TokenBucket } from "./token-bucket";

/** The token would come too late: refused before the call was sent (nothing happened at AWS). */
export class RateWaitTooLongError extends Error {
  constructor(
    readonly bucket: string,
    readonly waitMs: number,
    readonly maxWaitMs: number,
    readonly queued: number,
    size: BucketSize,
  ) {
    super(
      `${bucket}: the next token for this call comes in ${seconds(waitMs)} (${queued} call(s) queued ahead; ` +
        `AWS's bucket: ${size.capacity} burst, ${size.refillPerSecond}/s), more than the client-side limit of ` +
        `${seconds(maxWaitMs)}; act on fewer resources at once, or ask AWS to raise the account's limit for this API`,
    );
    // Not a throttling name: a retry would only queue again behind the same calls.
    this.name = "RateLimitWaitTooLong";
  }
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

interface Waiter {
  urgent: boolean;
  resolve: () => void;
  /** Stops listening to the caller's abort signal. */
  detach: () => void;
}

export interface AcquireOptions {
  /** Longest wait for the token, ms; a longer one is refused at once. */
  maxWaitMs: number;
  /** Aborting it takes the call out of the queue (its promise rejects with an AbortError). */
  signal?: AbortSignal;
  /**
   * Closes an exposure (isolation, or moving an ENI out of the all-open untrack group): queued ahead of
   * every call that is not urgent, behind the urgent ones already waiting. Its wait counts only those.
   */
  urgent?: boolean;
}

export class RateQueue {
  private readonly bucket: TokenBucket;
  private readonly waiting: Waiter[] = [];
  private timer: unknown;

  constructor(
    /** Named in errors, e.g. "EC2 ModifyNetworkInterfaceAttribute in us-east-1". */
    readonly name: string,
    readonly size: BucketSize,
    private readonly clock: Clock,
    /** See TokenBucket: a burst from a full bucket starts its refill this much later. */
    refillLagMs = 0,
  ) {
    if (!(size.capacity >= 1 && size.refillPerSecond > 0))
      throw new Error(
        `${name}: a bucket needs a capacity of at least 1 and a refill above 0, got ${JSON.stringify(size)}`,
      );
    this.bucket = new TokenBucket(size, clock.now(), refillLagMs);
  }

  /** Calls waiting for a token. */
  get queued(): number {
    return this.waiting.length;
  }

  /** Milliseconds a call arriving now would wait for its token (0: it would go at once). */
  wouldWaitMs(): number {
    return this.bucket.waitMs(this.clock.now(), this.waiting.length + 1);
  }

  /** Resolves when the call holds its token; rejects when the wait would be too long or is aborted. */
  acquire(options: AcquireOptions): Promise<void> {
    const { maxWaitMs, signal } = options;
    if (!(maxWaitMs >= 0 && Number.isFinite(maxWaitMs)))
      return Promise.reject(
        new Error(`${this.name}: maxWaitMs must be a finite number of ms, got ${maxWaitMs}`),
      );
    if (signal?.aborted) return Promise.reject(this.cancelled(signal));
    const now = this.clock.now();
    if (this.waiting.length === 0 && this.bucket.tryTake(now)) return Promise.resolve();
    // Tokens go to the queue in order, so this call's is the (queued + 1)-th to come: the wait is known
    // now, and only shrinks if a call ahead is cancelled.
    const urgent = options.urgent === true;
    const ahead = urgent ? this.waiting.filter((w) => w.urgent).length : this.waiting.length;
    const waitMs = this.bucket.waitMs(now, ahead + 1);
    if (waitMs > maxWaitMs)
      return Promise.reject(new RateWaitTooLongError(this.name, waitMs, maxWaitMs, ahead, this.size));
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { urgent, resolve, detach: () => undefined };
      if (signal) {
        const onAbort = () => {
          this.remove(waiter);
          reject(this.cancelled(signal));
        };
        signal.addEventListener("abort", onAbort, { once: true });
        waiter.detach = () => signal.removeEventListener("abort", onAbort);
      }
      // An urgent call overtakes the calls that are not (they were told their wait: it may grow).
      if (urgent) this.waiting.splice(ahead, 0, waiter);
      else this.waiting.push(waiter);
      this.schedule();
    });
  }

  /** One timer, for the head's token; none when nobody waits. */
  private schedule(): void {
    if (this.timer !== undefined || this.waiting.length === 0) return;
    // At least 1 ms: a float a hair short of a whole token must not spin.
    const ms = Math.max(1, this.bucket.waitMs(this.clock.now(), 1));
    this.timer = this.clock.setTimer(() => {
      this.timer = undefined;
      this.release();
    }, ms);
  }

  /** Hands the tokens that are there to the queue, in order. */
  private release(): void {
    const now = this.clock.now();
    while (this.waiting.length > 0 && this.bucket.tryTake(now)) {
      const next = this.waiting.shift()!;
      next.detach();
      next.resolve();
    }
    this.schedule();
  }

  private remove(waiter: Waiter): void {
    const i = this.waiting.indexOf(waiter);
    if (i >= 0) this.waiting.splice(i, 1);
    // The head's timer stays right for whoever is head now; with nobody left it must not keep the
    // process alive.
    if (this.waiting.length === 0 && this.timer !== undefined) {
      this.clock.clearTimer(this.timer);
      this.timer = undefined;
    }
  }

  private cancelled(signal: AbortSignal): Error {
    const err = new Error(`${this.name}: the wait for a token was cancelled`, { cause: signal.reason });
    err.name = "AbortError";
    return err;
  }
}
