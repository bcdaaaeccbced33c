/** The layer's per-rule state, forgotten on every moto reset (moto forgets its resources then too). */
import type { StrictState } from "./types";

export class SlotState implements StrictState {
  private readonly slots = new Map<string, unknown>();

  of<T>(slot: string, init: () => T): T {
    if (!this.slots.has(slot)) this.slots.set(slot, init());
    return this.slots.get(slot) as T;
  }

  reset(): void {
    this.slots.clear();
  }
}
