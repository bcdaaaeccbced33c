/**
 * A token bucket (the algorithm AWS documents for EC2 API throttling): it holds at most `capacity`
 * tokens, starts full, and gains `refillPerSecond` tokens a second. A call takes tokens or is refused.
 * Time is passed in (ms), so the strict layer runs it on its own clock and a client-side limiter on the
 * wall clock. Refill is continuous (a fraction of a token accrues between whole seconds): AWS adds its
 * tokens once a second, so this admits a call at most a second sooner than AWS would.
 */
export interface BucketSize {
  /** Bucket maximum capacity: the burst. */
  capacity: number;
  /** Tokens added per second: the sustained rate. */
  refillPerSecond: number;
}

export class TokenBucket {
  private tokens: number;
  private at: number;

  constructor(
    readonly size: BucketSize,
    now: number,
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
    if (this.available(now) < n) return false;
    this.tokens -= n;
    return true;
  }

  /** Milliseconds from `now` until `n` tokens are there (0 when they already are). */
  waitMs(now: number, n = 1): number {
    const missing = n - this.available(now);
    return missing <= 0 ? 0 : Math.ceil((missing / this.size.refillPerSecond) * 1000);
  }
}
