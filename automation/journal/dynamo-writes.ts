/**
 * The DynamoDB journal's entry writes: every batch is one transaction with a check that its run still
 * holds the instance's lock, and batches of different cases queued in the same tick share one
 * transaction (containing 50 instances costs a few journal round trips per wave of steps, not 50).
 */
import { createHash } from "node:crypto";
import {
  type DynamoDBClient,
  GetItemCommand,
  TransactionCanceledException,
  type TransactWriteItem,
  TransactWriteItemsCommand,
} from "@aws-sdk/client-dynamodb";
import { backoffMs, isThrottling, isTransient, sleep } from "../aws/retry";
import type { JournalEntry } from "./chain";
import { caseKey, entryKey, instanceKey, isConditionFailure, key, n, SK, s } from "./dynamo-keys";
import { LeaseLostError } from "./journal";

/** Attempts of one journal batch (transient errors only). */
const JOURNAL_WRITE_ATTEMPTS = 8;
/** DynamoDB's limit of items in one TransactWriteItems. */
const MAX_TRANSACTION_ITEMS = 100;

/** A transaction cancelled because another one touched the same item at once (nothing was written). */
function isConflict(err: unknown): boolean {
  return (
    err instanceof TransactionCanceledException &&
    (err.CancellationReasons ?? []).some((r) => r.Code === "TransactionConflict") &&
    !(err.CancellationReasons ?? []).some((r) => r.Code === "ConditionalCheckFailed")
  );
}

/** Idempotency token of a transaction: the same entries always make the same token. */
function tokenOf(entries: JournalEntry[]): string {
  return createHash("sha256")
    .update(entries.map((e) => e.hash).join(""))
    .digest("hex")
    .slice(0, 36);
}

interface QueuedBatch {
  caseId: string;
  batch: JournalEntry[];
  resolve: () => void;
  reject: (err: unknown) => void;
}

export class EntryWrites {
  private readonly queued: QueuedBatch[] = [];
  private dispatchScheduled = false;

  constructor(
    private readonly ddb: DynamoDBClient,
    private readonly location: string,
    private readonly runs: ReadonlyMap<string, { instanceId: string; runId: string }>,
  ) {}

  /**
   * Queues a case's batch; batches of different cases queued in the same tick go out together in one
   * transaction (at most MAX_TRANSACTION_ITEMS items): containing 50 instances then costs a few journal
   * round trips per step wave instead of one per case. Each case's batch keeps its own lock check, so
   * the guarantee is unchanged: an entry lands only while its run holds its instance's lock.
   */
  write(caseId: string, batch: JournalEntry[]): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queued.push({ caseId, batch, resolve, reject });
      if (!this.dispatchScheduled) {
        this.dispatchScheduled = true;
        setImmediate(() => this.dispatch());
      }
    });
  }

  private dispatch(): void {
    this.dispatchScheduled = false;
    let group: QueuedBatch[] = [];
    let size = 0;
    for (const q of this.queued.splice(0)) {
      const items = q.batch.length + 1;
      if (group.length > 0 && size + items > MAX_TRANSACTION_ITEMS) {
        void this.writeGroup(group);
        group = [];
        size = 0;
      }
      group.push(q);
      size += items;
    }
    if (group.length > 0) void this.writeGroup(group);
  }

  /** The transaction items of one case's batch: the lock check, then the entries. */
  private itemsOf(caseId: string, batch: JournalEntry[]): TransactWriteItem[] {
    const run = this.runs.get(caseId)!;
    return [
      {
        ConditionCheck: {
          TableName: this.location,
          Key: key(instanceKey(run.instanceId), "lock"),
          ConditionExpression: "runId = :me AND caseId = :case",
          ExpressionAttributeValues: { ":me": s(run.runId), ":case": s(caseId) },
        },
      },
      ...batch.map((e) => ({
        Put: {
          TableName: this.location,
          Item: {
            ...key(caseKey(caseId), entryKey(e.seq)),
            caseId: s(e.caseId),
            seq: n(e.seq),
            at: s(e.at),
            stepId: s(e.stepId),
            event: s(e.event),
            ...(e.data === undefined ? {} : { data: s(JSON.stringify(e.data)) }),
            prevHash: s(e.prevHash),
            hash: s(e.hash),
          },
          ConditionExpression: "attribute_not_exists(#sk)",
          ExpressionAttributeNames: { "#sk": SK },
        },
      })),
    ];
  }

  /**
   * Writes the batches of several cases in one transaction. A lock check or entry condition failing
   * cancels the whole transaction: then each batch is written alone, so the case that lost its lock
   * gets its LeaseLostError and the others their entries.
   */
  private async writeGroup(group: QueuedBatch[]): Promise<void> {
    if (group.length === 1) {
      const only = group[0]!;
      return this.writeAlone(only.caseId, only.batch).then(only.resolve, only.reject);
    }
    const entries = group.flatMap((q) => q.batch);
    const command = new TransactWriteItemsCommand({
      ClientRequestToken: tokenOf(entries),
      TransactItems: group.flatMap((q) => this.itemsOf(q.caseId, q.batch)),
    });
    for (let attempt = 1; ; attempt++) {
      try {
        await this.ddb.send(command);
        for (const q of group) q.resolve();
        return;
      } catch (err) {
        const retry = isTransient(err) || isThrottling(err) || isConflict(err);
        if (isConditionFailure(err) || !retry || attempt >= JOURNAL_WRITE_ATTEMPTS) {
          // One case at a time. This path is rare (a lock lost, or a group write that kept failing), and
          // moto, which the tests run on, restores a copy of the whole table when a transaction fails,
          // erasing what a concurrent transaction wrote (a lost-lock batch beside a kept one lost the
          // kept one's entries). DynamoDB isolates transactions: going one by one costs a few round trips.
          for (const q of group) await this.writeAlone(q.caseId, q.batch).then(q.resolve, q.reject);
          return;
        }
        await sleep(
          backoffMs({ maxAttempts: JOURNAL_WRITE_ATTEMPTS, baseDelayMs: 25, maxDelayMs: 1000 }, attempt),
        );
      }
    }
  }

  /**
   * Writes one case's batch in one transaction that also checks this run still holds the lock. The
   * write is idempotent (ClientRequestToken, and entries are checked back after an ambiguous failure),
   * so it is retried on transient errors whatever the client's policy: the journal is the record of the
   * case.
   */
  private async writeAlone(caseId: string, batch: JournalEntry[]): Promise<void> {
    const run = this.runs.get(caseId)!;
    const command = new TransactWriteItemsCommand({
      ClientRequestToken: tokenOf(batch),
      TransactItems: this.itemsOf(caseId, batch),
    });
    for (let attempt = 1; ; attempt++) {
      try {
        await this.ddb.send(command);
        return;
      } catch (err) {
        if (isConditionFailure(err)) {
          // An earlier attempt may have landed: ours (attempt > 1, a group write that failed) or one the
          // client retried itself after the connection reset once the write was done. Then the entries
          // are ours, and the condition failed only because they exist. Checked on every condition failure
          // (a read on the failure path only): a lost lock is too costly to report wrongly.
          if (await this.landed(caseId, batch)) return;
          throw new LeaseLostError(run.instanceId);
        }
        const retry = isTransient(err) || isThrottling(err) || isConflict(err);
        if (attempt >= JOURNAL_WRITE_ATTEMPTS || !retry) throw err;
        await sleep(
          backoffMs({ maxAttempts: JOURNAL_WRITE_ATTEMPTS, baseDelayMs: 25, maxDelayMs: 1000 }, attempt),
        );
      }
    }
  }

  private async landed(caseId: string, batch: JournalEntry[]): Promise<boolean> {
    const last = batch[batch.length - 1]!;
    const got = await this.ddb.send(
      new GetItemCommand({
        TableName: this.location,
        Key: key(caseKey(caseId), entryKey(last.seq)),
        ConsistentRead: true,
      }),
    );
    return got.Item?.hash?.S === last.hash;
  }
}
