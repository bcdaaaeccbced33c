/**
 * Containment first, across cases: one gate per response run. Each case registers the moment its
 * containment steps have run (or failed: a failure opens the gate too, so every wait stays bounded by
 * the steps' own timeouts); verifications and preservation steps of every case wait for all cases
 * registered so far. Without it, the verifications and evidence reads of the first cases contained
 * compete with the containment calls of the last ones for sockets, API rate limits and CPU: with 50
 * instances that made containment of the last one 17x slower than of one.
 */
export class ContainmentGate {
  private readonly cases: Promise<unknown>[] = [];

  /** Registers one case's "containment steps have run" promise (it must never reject). */
  register(contained: Promise<unknown>): void {
    this.cases.push(contained);
  }

  /** Resolves when every case registered by now has run its containment steps. */
  passed(): Promise<unknown> {
    return Promise.all(this.cases);
  }
}
