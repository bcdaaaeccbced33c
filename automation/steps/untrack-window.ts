/**
 * At most so many ENIs of one response sit in the all-open untrack group at once. Untracking costs two
 * EC2 calls per ENI and isolation one more, all from one bucket (ModifyNetworkInterfaceAttribute: 100
 * burst, 5 a second). Untracking hundreds of instances before isolating any would leave them open for
 * minutes, and past the client's bounded wait for a token some would never be isolated. So an ENI enters
 * the untrack group only with a slot, which the isolate step of its case gives back: the ENIs open at
 * any time are bounded by the window, and each is isolated within seconds (isolation is urgent for the
 * rate limiter). A case that cannot get slots within `maxWaitMs` skips untracking and is isolated
 * directly (its established flows then stay tracked until their timeout: said so in the record).
 */
export const UNTRACK_WINDOW_ENIS = 20;
/** Longest wait for slots: well under the step's run timeout, so a late grant never opens an ENI. */
export const UNTRACK_WINDOW_WAIT_MS = 30_000;

interface Waiter {
  n: number;
  grant: () => void;
}

export class UntrackWindow {
  private used = 0;
  private readonly held = new Map<string, number>();
  /** Per case: aborts its untrack calls still waiting (for a token) once isolation starts. */
  private readonly pending = new Map<string, AbortController>();
  private readonly waiting: Waiter[] = [];

  constructor(
    readonly size = UNTRACK_WINDOW_ENIS,
    private readonly maxWaitMs = UNTRACK_WINDOW_WAIT_MS,
  ) {}

  /** ENIs in the window now. */
  get open(): number {
    return this.used;
  }

  /**
   * Takes `n` slots for a case (at most the window: an instance with more ENIs than the window takes it
   * whole); false when they did not come within the bounded wait (nothing taken then, ever).
   */
  async enter(caseId: string, n: number): Promise<boolean> {
    const want = Math.min(Math.max(n, 1), this.size);
    if (this.waiting.length === 0 && this.used + want <= this.size) {
      this.take(caseId, want);
      return true;
    }
    return new Promise<boolean>((resolve) => {
      const waiter: Waiter = {
        n: want,
        grant: () => {
          clearTimeout(timer);
          this.take(caseId, want);
          resolve(true);
        },
      };
      const timer = setTimeout(() => {
        const i = this.waiting.indexOf(waiter);
        if (i >= 0) this.waiting.splice(i, 1);
        resolve(false);
      }, this.maxWaitMs);
      this.waiting.push(waiter);
    });
  }

  /**
   * The signal an untrack call of the case sends with: aborted when the case's isolation starts, so a
   * move into the untrack group still queued for a token can never land after isolation.
   */
  signal(caseId: string): AbortSignal {
    let c = this.pending.get(caseId);
    if (!c) {
      c = new AbortController();
      this.pending.set(caseId, c);
    }
    return c.signal;
  }

  /** Isolation of the case starts: its untrack calls not yet sent are cancelled. */
  closing(caseId: string): void {
    this.pending.get(caseId)?.abort(new Error("isolation started: untracking cancelled"));
    this.pending.delete(caseId);
  }

  /** Gives back a case's slots (its isolation ran, whatever its outcome). */
  leave(caseId: string): void {
    const n = this.held.get(caseId);
    if (n === undefined) return;
    this.held.delete(caseId);
    this.used -= n;
    while (this.waiting.length > 0 && this.used + this.waiting[0]!.n <= this.size)
      this.waiting.shift()!.grant();
  }

  private take(caseId: string, n: number) {
    this.used += n;
    this.held.set(caseId, (this.held.get(caseId) ?? 0) + n);
  }
}
