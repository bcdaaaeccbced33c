/**
 * The time source of the client-side rate limiter: the wall clock in production, a hand-driven one in
 * unit tests (no test waits on real time). The system clock reads `Date.now` and `setTimeout` at each
 * call, not at import, so a benchmark that installs a simulated clock on the globals drives it too.
 */
export interface Clock {
  now(): number;
  /** Calls `fn` once after `ms`; the handle cancels it. */
  setTimer(fn: () => void, ms: number): unknown;
  clearTimer(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer: (fn, ms) => setTimeout(fn, ms),
  clearTimer: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};
