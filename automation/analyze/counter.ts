/** Small bounded aggregates for evidence: counts by key, capped sets, first/last times. */

/** Counts occurrences; `top` keeps the largest first so a report stays short. */
export class Counter {
  private readonly counts = new Map<string, number>();
  add(key: string, n = 1): void {
    this.counts.set(key, (this.counts.get(key) ?? 0) + n);
  }
  top(limit = 20): { key: string; count: number }[] {
    return [...this.counts.entries()]
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .slice(0, limit)
      .map(([key, count]) => ({ key, count }));
  }
  get size(): number {
    return this.counts.size;
  }
}

/** A set that stops growing at `cap` members (attacker data must not grow a case record unbounded). */
export class CappedSet<T> {
  private readonly items = new Set<T>();
  overflow = false;
  constructor(private readonly cap = 50) {}
  add(item: T): void {
    if (this.items.has(item)) return;
    if (this.items.size >= this.cap) this.overflow = true;
    else this.items.add(item);
  }
  values(): T[] {
    return [...this.items];
  }
}

export class TimeSpan {
  first?: string;
  last?: string;
  add(iso: string): void {
    if (!this.first || iso < this.first) this.first = iso;
    if (!this.last || iso > this.last) this.last = iso;
  }
}
