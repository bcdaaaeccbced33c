/**
 * Local fallback journal: used when the journal table is missing (baseline not deployed), so that
 * containment never waits on it. Same semantics as the DynamoDB journal on one machine: a lock file per
 * instance created exclusively (`wx`), a lease in it, and one JSON line per hash-chained entry.
 * Layout under the state directory (default `.ir/`):
 *   locks/<instance-id>.json   {caseId, runId, leaseUntil}
 *   cases/<case-id>/meta.json  the case header
 *   cases/<case-id>/journal.jsonl
 *   instances/<instance-id>    one case id per line
 */
import { promises as fs } from "node:fs";
import { join } from "node:path";
import type { Json } from "../engine/types";
import type { JournalEntry } from "./chain";
import { CaseWriters, ChainWriter } from "./chain-writer";
import { type AcquireResult, type CaseMeta, type Journal, LeaseLostError } from "./journal";

interface LockFile {
  caseId: string;
  runId?: string;
  leaseUntil?: number;
}

async function readJson<T>(path: string): Promise<T | undefined> {
  try {
    return JSON.parse(await fs.readFile(path, "utf8")) as T;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
}

export class LocalJournal implements Journal {
  readonly kind = "local" as const;
  private readonly writers = new CaseWriters();
  private readonly runs = new Map<string, { instanceId: string; runId: string }>();

  constructor(readonly location: string) {}

  private lockPath(instanceId: string) {
    return join(this.location, "locks", `${instanceId}.json`);
  }
  private caseDir(caseId: string) {
    return join(this.location, "cases", caseId);
  }

  async acquire(meta: CaseMeta, runId: string, leaseMs: number): Promise<AcquireResult> {
    await fs.mkdir(join(this.location, "locks"), { recursive: true });
    const lock: LockFile = { caseId: meta.caseId, runId, leaseUntil: Date.now() + leaseMs };
    try {
      await fs.writeFile(this.lockPath(meta.instanceId), JSON.stringify(lock), { flag: "wx" });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      return this.takeOver(meta.instanceId, runId, leaseMs, undefined);
    }
    await fs.mkdir(this.caseDir(meta.caseId), { recursive: true });
    await fs.writeFile(join(this.caseDir(meta.caseId), "meta.json"), JSON.stringify(meta, null, 2));
    await fs.mkdir(join(this.location, "instances"), { recursive: true });
    await fs.appendFile(join(this.location, "instances", meta.instanceId), `${meta.caseId}\n`);
    this.track(meta.caseId, meta.instanceId, runId, undefined);
    return { acquired: true, caseId: meta.caseId, resumed: false };
  }

  resume(instanceId: string, caseId: string, runId: string, leaseMs: number): Promise<AcquireResult> {
    return this.takeOver(instanceId, runId, leaseMs, caseId);
  }

  private async takeOver(
    instanceId: string,
    runId: string,
    leaseMs: number,
    expectCaseId: string | undefined,
  ): Promise<AcquireResult> {
    const lock = await readJson<LockFile>(this.lockPath(instanceId));
    if (!lock) throw new Error(`instance "${instanceId}" has no open case`);
    if (expectCaseId && lock.caseId !== expectCaseId) {
      throw new Error(
        `case "${expectCaseId}" is not the open case of instance "${instanceId}" (open: "${lock.caseId}")`,
      );
    }
    if (lock.runId && (lock.leaseUntil ?? 0) > Date.now()) {
      return {
        acquired: false,
        caseId: lock.caseId,
        heldBy: lock.runId,
        leaseUntil: new Date(lock.leaseUntil!).toISOString(),
      };
    }
    const tmp = `${this.lockPath(instanceId)}.${runId}`;
    await fs.writeFile(tmp, JSON.stringify({ ...lock, runId, leaseUntil: Date.now() + leaseMs }));
    await fs.rename(tmp, this.lockPath(instanceId));
    const existing = await this.readCase(lock.caseId);
    this.track(lock.caseId, instanceId, runId, existing?.entries.at(-1));
    return { acquired: true, caseId: lock.caseId, resumed: true };
  }

  private track(caseId: string, instanceId: string, runId: string, last: JournalEntry | undefined) {
    this.runs.set(caseId, { instanceId, runId });
    this.writers.open(
      caseId,
      new ChainWriter(caseId, last, async (batch) => {
        const lock = await readJson<LockFile>(this.lockPath(instanceId));
        if (lock?.runId !== runId) throw new LeaseLostError(instanceId);
        await fs.appendFile(
          join(this.caseDir(caseId), "journal.jsonl"),
          batch.map((e) => `${JSON.stringify(e)}\n`).join(""),
        );
      }),
    );
  }

  append(caseId: string, stepId: string, event: string, data?: Json): Promise<JournalEntry> {
    return this.writers.append(caseId, stepId, event, data);
  }

  flush(): Promise<void> {
    return this.writers.flush();
  }

  async renew(instanceId: string, runId: string, leaseMs: number): Promise<boolean> {
    const lock = await readJson<LockFile>(this.lockPath(instanceId));
    if (lock?.runId !== runId) return false;
    await fs.writeFile(
      this.lockPath(instanceId),
      JSON.stringify({ ...lock, leaseUntil: Date.now() + leaseMs }),
    );
    return true;
  }

  async releaseLease(instanceId: string, runId: string): Promise<void> {
    const lock = await readJson<LockFile>(this.lockPath(instanceId));
    if (lock?.runId !== runId) return;
    await fs.writeFile(this.lockPath(instanceId), JSON.stringify({ caseId: lock.caseId }));
  }

  async closeCase(instanceId: string, caseId: string): Promise<void> {
    await this.flush();
    const lock = await readJson<LockFile>(this.lockPath(instanceId));
    if (lock?.caseId === caseId) await fs.rm(this.lockPath(instanceId), { force: true });
  }

  async abandon(instanceId: string, caseId: string): Promise<void> {
    this.writers.drop(caseId);
    const lock = await readJson<LockFile>(this.lockPath(instanceId));
    if (lock?.caseId === caseId) await fs.rm(this.lockPath(instanceId), { force: true });
    await fs.rm(this.caseDir(caseId), { recursive: true, force: true });
    const list = await this.casesOf(instanceId);
    await fs.writeFile(
      join(this.location, "instances", instanceId),
      list
        .filter((c) => c !== caseId)
        .map((c) => `${c}\n`)
        .join(""),
    );
  }

  async readCase(caseId: string) {
    const meta = await readJson<CaseMeta>(join(this.caseDir(caseId), "meta.json"));
    if (!meta) return undefined;
    let text = "";
    try {
      text = await fs.readFile(join(this.caseDir(caseId), "journal.jsonl"), "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    }
    const entries = text
      .split("\n")
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l) as JournalEntry)
      .sort((a, b) => a.seq - b.seq);
    return { meta, entries };
  }

  async openCase(instanceId: string) {
    const lock = await readJson<LockFile>(this.lockPath(instanceId));
    if (!lock) return undefined;
    const live = lock.runId && (lock.leaseUntil ?? 0) > Date.now();
    return {
      caseId: lock.caseId,
      ...(live ? { heldBy: lock.runId!, leaseUntil: new Date(lock.leaseUntil!).toISOString() } : {}),
    };
  }

  async casesOf(instanceId: string): Promise<string[]> {
    try {
      const text = await fs.readFile(join(this.location, "instances", instanceId), "utf8");
      return text.split("\n").filter(Boolean);
    } catch {
      return [];
    }
  }
}
