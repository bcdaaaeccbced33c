/**
 * Keeps a case's chain head in memory and hands entries to a writer in order, in batches: appends from
 * steps running in parallel are sealed in the order they arrive and written by one flusher, so the
 * chain is linear and one round trip can carry many entries.
 */
import type { Json } from "../engine/types";
import { GENESIS_HASH, type JournalEntry, sealEntry } from "./chain";

interface Pending {
  entry: JournalEntry;
  resolve: (e: JournalEntry) => void;
  reject: (err: unknown) => void;
}

export class ChainWriter {
  private head: string;
  private nextSeq: number;
  private pending: Pending[] = [];
  private flushing: Promise<void> | undefined;
  private failed: unknown;

  constructor(
    private readonly caseId: string,
    last: JournalEntry | undefined,
    private readonly write: (batch: JournalEntry[]) => Promise<void>,
    private readonly batchSize = 25,
  ) {
    this.head = last?.hash ?? GENESIS_HASH;
    this.nextSeq = last ? last.seq + 1 : 0;
  }

  append(stepId: string, event: string, data?: Json): Promise<JournalEntry> {
    if (this.failed) return Promise.reject(this.failed);
    const entry = sealEntry({
      caseId: this.caseId,
      seq: this.nextSeq++,
      at: new Date().toISOString(),
      stepId,
      event,
      ...(data === undefined ? {} : { data }),
      prevHash: this.head,
    });
    this.head = entry.hash;
    return new Promise((resolve, reject) => {
      this.pending.push({ entry, resolve, reject });
      // Appends made in the same tick (parallel steps) go out in one batch.
      if (!this.flushing) this.flushing = new Promise<void>((r) => setImmediate(r)).then(() => this.drain());
    });
  }

  private async drain(): Promise<void> {
    try {
      while (this.pending.length > 0) {
        const batch = this.pending.splice(0, this.batchSize);
        try {
          await this.write(batch.map((p) => p.entry));
          for (const p of batch) p.resolve(p.entry);
        } catch (err) {
          this.failed = err;
          for (const p of [...batch, ...this.pending.splice(0)]) p.reject(err);
        }
      }
    } finally {
      this.flushing = undefined;
    }
  }

  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    if (this.failed) throw this.failed;
  }
}

/** The chain writers of the cases one run holds, shared by every journal backend. */
export class CaseWriters {
  private readonly writers = new Map<string, ChainWriter>();

  open(caseId: string, writer: ChainWriter): void {
    this.writers.set(caseId, writer);
  }

  drop(caseId: string): void {
    this.writers.delete(caseId);
  }

  append(caseId: string, stepId: string, event: string, data?: Json): Promise<JournalEntry> {
    const writer = this.writers.get(caseId);
    if (!writer) return Promise.reject(new Error(`case "${caseId}" is not held by this run`));
    return writer.append(stepId, event, data);
  }

  async flush(): Promise<void> {
    await Promise.all([...this.writers.values()].map((w) => w.flush()));
  }
}
