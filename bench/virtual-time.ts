/**
 * Simulated time for the containment benchmark: `setTimeout`, `setInterval` and `Date` are replaced so
 * that time moves only when the process has nothing left to do but wait. Then the next timer is due:
 * the clock jumps to it and fires it. On the latency model (bench/fake-aws.ts) every wait is a timer (a
 * round trip, a token of an API's bucket, a retry's backoff, a step's timeout, a lease renewal), so a
 * response that spends five minutes waiting for EC2's buckets runs in the seconds its CPU work takes,
 * and its timings are the model's: CPU time is not in them (the bench prints it beside).
 *
 * "Nothing left to do": a turn of the event loop ran every pending callback and no real I/O is in
 * flight (the journal's local files, streams: `process.getActiveResourcesInfo()`). Real timers made
 * before `install` (the bench's heartbeat) stay real and are not waited for.
 */

const REAL = {
  setTimeout: globalThis.setTimeout,
  clearTimeout: globalThis.clearTimeout,
  setInterval: globalThis.setInterval,
  clearInterval: globalThis.clearInterval,
  setImmediate: globalThis.setImmediate,
  Date: globalThis.Date,
};

/** Active resources that are work in progress (requests, immediates), not idle handles. */
const BUSY = /Req|Request|Immediate|WriteWrap|ShutdownWrap|ConnectWrap/;

interface Timer {
  id: number;
  at: number;
  fn: (...args: unknown[]) => void;
  args: unknown[];
  /** The delay it was set with. */
  delay: number;
  /** Period of an interval. */
  every?: number;
  cancelled: boolean;
}

/** What `setTimeout` returns: enough of Node's Timeout for the code under test (unref, refresh...). */
class Handle {
  constructor(
    readonly id: number,
    private readonly clock: VirtualTime,
  ) {}
  ref(): this {
    return this;
  }
  unref(): this {
    return this;
  }
  hasRef(): boolean {
    return true;
  }
  refresh(): this {
    this.clock.refresh(this.id);
    return this;
  }
  [Symbol.toPrimitive](): number {
    return this.id;
  }
}

export class VirtualTime {
  private t: number;
  private seq = 0;
  /** Min-heap by (at, id). */
  private heap: Timer[] = [];
  private readonly byId = new Map<number, Timer>();
  private installed = false;
  /** Timers fired since install (the report's "simulated events"). */
  fired = 0;

  constructor(start = REAL.Date.now()) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  install(): void {
    if (this.installed) throw new Error("virtual time is already installed");
    this.installed = true;
    const g = globalThis as Record<string, unknown>;
    g.setTimeout = (fn: (...a: unknown[]) => void, ms?: number, ...args: unknown[]) =>
      this.add(fn, ms, args, false);
    g.setInterval = (fn: (...a: unknown[]) => void, ms?: number, ...args: unknown[]) =>
      this.add(fn, ms, args, true);
    g.clearTimeout = (h: unknown) => this.cancel(h);
    g.clearInterval = (h: unknown) => this.cancel(h);
    const clock = this;
    class SimulatedDate extends REAL.Date {
      constructor(...args: unknown[]) {
        if (args.length === 0) super(clock.now());
        else super(...(args as [string]));
      }
      static override now(): number {
        return clock.now();
      }
    }
    g.Date = SimulatedDate;
  }

  uninstall(): void {
    Object.assign(globalThis, REAL);
    this.installed = false;
    this.heap = [];
    this.byId.clear();
  }

  /**
   * Runs `work` on simulated time: whenever the process is idle, the clock jumps to the next timer.
   * Bounded: a run whose work neither ends nor leaves a timer to fire (it waits on something that is
   * not simulated) fails after `stallMs` of real time.
   */
  async run<T>(work: () => Promise<T>, stallMs = 30_000): Promise<T> {
    let done = false;
    const result = work();
    result.then(
      () => {
        done = true;
      },
      () => {
        done = true;
      },
    );
    let stalledSince: number | undefined;
    while (!done) {
      await this.idle();
      if (done) break;
      const next = this.pop();
      if (!next) {
        stalledSince ??= REAL.Date.now();
        if (REAL.Date.now() - stalledSince > stallMs)
          throw new Error(
            `simulated time: the work is not done and no timer is left to fire after ${stallMs} ms of real time (it waits on something real)`,
          );
        await new Promise((r) => REAL.setTimeout(r, 1));
        continue;
      }
      stalledSince = undefined;
      this.t = Math.max(this.t, next.at);
      if (next.every !== undefined) this.schedule(next, this.t + next.every);
      else this.byId.delete(next.id);
      this.fired += 1;
      try {
        next.fn(...next.args);
      } catch (err) {
        // As Node does with a throwing timer callback: an uncaught exception, not a quiet skip.
        process.nextTick(() => {
          throw err;
        });
      }
    }
    return result;
  }

  /** Node's `timeout.refresh()`: the same delay again, from now. */
  refresh(id: number): void {
    const timer = this.byId.get(id);
    if (!timer) return;
    timer.cancelled = true;
    const fresh = { ...timer, cancelled: false };
    this.byId.set(id, fresh);
    this.schedule(fresh, this.t + (timer.every ?? timer.delay));
  }

  /** One event-loop turn at a time until nothing real is pending. */
  private async idle(): Promise<void> {
    for (let turns = 0; ; turns++) {
      await new Promise<void>((r) => REAL.setImmediate(r));
      if (!process.getActiveResourcesInfo().some((name) => BUSY.test(name))) return;
      // Real I/O (a file write) in flight: let the thread pool finish instead of spinning.
      if (turns > 20) await new Promise((r) => REAL.setTimeout(r, 1));
    }
  }

  private add(
    fn: (...a: unknown[]) => void,
    ms: number | undefined,
    args: unknown[],
    repeat: boolean,
  ): Handle {
    if (typeof fn !== "function")
      throw new TypeError("simulated setTimeout: the callback must be a function");
    const delay = Math.max(repeat ? 1 : 0, Number(ms) || 0);
    const timer: Timer = {
      id: ++this.seq,
      at: 0,
      delay,
      fn,
      args,
      cancelled: false,
      ...(repeat ? { every: delay } : {}),
    };
    this.byId.set(timer.id, timer);
    this.schedule(timer, this.t + delay);
    return new Handle(timer.id, this);
  }

  private cancel(h: unknown): void {
    const id = h instanceof Handle ? h.id : typeof h === "number" ? h : undefined;
    if (id === undefined) {
      // A real timer made before install (or by a module holding the real function).
      REAL.clearTimeout(h as ReturnType<typeof setTimeout>);
      return;
    }
    const timer = this.byId.get(id);
    if (timer) {
      timer.cancelled = true;
      this.byId.delete(id);
    }
  }

  private schedule(timer: Timer, at: number): void {
    timer.at = at;
    this.heap.push(timer);
    let i = this.heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(this.heap[i]!, this.heap[parent]!)) break;
      [this.heap[i], this.heap[parent]] = [this.heap[parent]!, this.heap[i]!];
      i = parent;
    }
  }

  /** The earliest live timer, taken off the heap. */
  private pop(): Timer | undefined {
    while (this.heap.length > 0) {
      const top = this.heap[0]!;
      const last = this.heap.pop()!;
      if (this.heap.length > 0) {
        this.heap[0] = last;
        let i = 0;
        for (;;) {
          const l = 2 * i + 1;
          const r = l + 1;
          let m = i;
          if (l < this.heap.length && before(this.heap[l]!, this.heap[m]!)) m = l;
          if (r < this.heap.length && before(this.heap[r]!, this.heap[m]!)) m = r;
          if (m === i) break;
          [this.heap[i], this.heap[m]] = [this.heap[m]!, this.heap[i]!];
          i = m;
        }
      }
      if (!top.cancelled) return top;
    }
    return undefined;
  }
}

const before = (a: Timer, b: Timer) => a.at < b.at || (a.at === b.at && a.id < b.id);
