/**
 * A token bucket (the algorithm AWS documents for EC2 API throttling): it holds at most `capacity`
 * tokens, starts full, and gains `refillPerSecond` tokens a second. A call takes tokens or is refused.
 * Time is passed in (ms), so the strict layer runs it on its own clock and a client-side limiter on the
 * wall clock. Refill is continuous (a fraction of a token accrues between whole seconds): AWS adds its
 * tokens once a second, so this admits a call at most a second sooner than AWS would (the client-side
 * limiter's copy therefore refills a second late: `refillLagMs`).
 */
export interface BucketSize {
  /** Bucket maximum capacity: the burst. */
  capacity: number;
  /** Tokens added per second: the sustained rate. */
  refillPerSecond: number;
}

export class TokenBucket {
  private tokens: number;
  /** Refill is counted from here; after a lagged take it lies in the future (no refill until then). */
  private at: number;

  /**
   * `refillLagMs` (a client-side copy of a server's bucket): a take from a full bucket starts the refill
   * that much later. The server starts refilling when the call arrives, not when it was sent, and may
   * add its tokens once a second: a copy that refills from the send would run ahead of it.
   */
  constructor(
    readonly size: BucketSize,
    now: number,
    private readonly refillLagMs = 0,
  ) {
    this.tokens = size.capacity;
    this.at = now;
  }

  /** Tokens in the bucket at `now`. */
  available(now: number): number {
    if (now > this.at) {
      this.tokens = Math.min(
        this.size.capacity,
        this.tokens + ((now - this.at) / 1000) * this.size.refillPerSecond,
      );
      this.at = now;
    }
    return this.tokens;
  }

  /** Takes `n` tokens if the bucket holds them at `now`; false (and nothing taken) otherwise. */
  tryTake(now: number, n = 1): boolean {
    const had = this.available(now);
    if (had < n) return false;
    this.tokens -= n;
    if (this.refillLagMs > 0 && had >= this.size.capacity)
      this.at = Math.max(this.at, now + this.refillLagMs);
    return true;
  }

  /** Milliseconds from `now` until `n` tokens are there (0 when they already are). */
  waitMs(now: number, n = 1): number {
    const missing = n - this.available(now);
    if (missing <= 0) return 0;
    return Math.max(0, this.at - now) + Math.ceil((missing / this.size.refillPerSecond) * 1000);
  }
}
