/**
 * Retry policy of every client: jittered exponential backoff, bounded, and only where a retry is safe:
 * throttling (the request was refused, so nothing happened) for every call, other transient errors
 * (5xx, timeouts, resets) only for read-only and idempotent calls. The SDK's own retry is off
 * (maxAttempts 1) so this is the single place that decides.
 */

const THROTTLING = new Set([
  "Throttling",
  "ThrottlingException",
  "ThrottledException",
  "RequestThrottledException",
  "RequestLimitExceeded",
  "TooManyRequestsException",
  "ProvisionedThroughputExceededException",
  "RequestThrottled",
  "SlowDown",
  "BandwidthLimitExceeded",
  "EC2ThrottledException",
  "PriorRequestNotComplete",
]);

const TRANSIENT_CODES = new Set(["ECONNRESET", "ECONNREFUSED", "EPIPE", "ETIMEDOUT", "EAI_AGAIN"]);

export interface RetryPolicy {
  /** Attempts in total, including the first. @default 6 */
  maxAttempts: number;
  /** First backoff cap in ms; doubles each attempt ("full jitter"). @default 100 */
  baseDelayMs: number;
  /** Longest single backoff in ms. @default 5000 */
  maxDelayMs: number;
  /**
   * Attempts for a THROTTLED call when retries are on (maxAttempts > 1). A throttled request changed
   * nothing, and a response to many instances at once outlasts EC2's burst bucket (e.g. 300 mutations
   * against a 200-call burst refilled at 5/s): giving up after 6 tries left instances uncontained.
   * Still bounded: about 50 s at most with the default delays, inside every step's timeout.
   * @default 14
   */
  throttledAttempts?: number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  maxAttempts: 6,
  baseDelayMs: 100,
  maxDelayMs: 5000,
  throttledAttempts: 14,
};

/** How many attempts a call that failed with `err` may take in all. */
export function attemptsAllowed(policy: RetryPolicy, err: unknown): number {
  if (policy.maxAttempts <= 1 || !isThrottling(err)) return policy.maxAttempts;
  return Math.max(policy.maxAttempts, policy.throttledAttempts ?? DEFAULT_RETRY.throttledAttempts!);
}

interface ErrorLike {
  name?: string;
  code?: string;
  Code?: string;
  $metadata?: { httpStatusCode?: number };
  $retryable?: { throttling?: boolean };
}

export function isThrottling(err: unknown): boolean {
  const e = err as ErrorLike;
  if (!e) return false;
  return (
    THROTTLING.has(e.name ?? "") ||
    THROTTLING.has(e.Code ?? "") ||
    e.$metadata?.httpStatusCode === 429 ||
    e.$retryable?.throttling === true
  );
}

export function isTransient(err: unknown): boolean {
  const e = err as ErrorLike;
  if (!e) return false;
  const status = e.$metadata?.httpStatusCode ?? 0;
  return (
    status >= 500 ||
    TRANSIENT_CODES.has(e.code ?? "") ||
    e.name === "TimeoutError" ||
    e.name === "RequestTimeout" ||
    e.name === "InternalError" ||
    e.name === "ServiceUnavailable"
  );
}

/** An AWS error a later attempt may not meet (its own, or the cause it was wrapped around). */
export function isTransientFailure(err: unknown): boolean {
  for (let e = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++)
    if (isThrottling(e) || isTransient(e)) return true;
  return false;
}

/** Full-jitter backoff: a random delay in [0, min(max, base * 2^attempt)). */
export function backoffMs(policy: RetryPolicy, attempt: number, random = Math.random): number {
  const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  return Math.floor(random() * cap);
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
