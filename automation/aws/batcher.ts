/**
 * Coalesces lookups made in the same tick into one call (DataLoader-style): containing 50 instances at
 * once costs one DescribeInstances, not 50. Results are memoised for the life of the batcher (one run).
 */
export class Batcher<V> {
  private queue: { key: string; resolve: (v: V | undefined) => void; reject: (e: unknown) => void }[] = [];
  private readonly memo = new Map<string, Promise<V | undefined>>();
  private scheduled = false;

  constructor(
    private readonly load: (keys: string[]) => Promise<Map<string, V>>,
    private readonly maxBatch = 50,
  ) {}

  get(key: string): Promise<V | undefined> {
    let p = this.memo.get(key);
    if (!p) {
      p = new Promise<V | undefined>((resolve, reject) => this.queue.push({ key, resolve, reject }));
      this.memo.set(key, p);
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.dispatch());
      }
    }
    return p;
  }

  /** Forgets a key so the next get reads the world again. */
  forget(key: string): void {
    this.memo.delete(key);
  }

  private dispatch(): void {
    this.scheduled = false;
    const queued = this.queue.splice(0);
    for (let i = 0; i < queued.length; i += this.maxBatch) {
      const chunk = queued.slice(i, i + this.maxBatch);
      this.load(chunk.map((q) => q.key)).then(
        (found) => {
          for (const q of chunk) q.resolve(found.get(q.key));
        },
        (err) => {
          for (const q of chunk) {
            this.memo.delete(q.key);
            q.reject(err);
          }
        },
      );
    }
  }
}

/** Memoises an async function of no arguments (account-wide listings, shared by every case of a run). */
export function once<T>(fn: () => Promise<T>): () => Promise<T> {
  let p: Promise<T> | undefined;
  return () => {
    if (!p) {
      p = fn();
      p.catch(() => {
        p = undefined;
      });
    }
    return p;
  };
}
