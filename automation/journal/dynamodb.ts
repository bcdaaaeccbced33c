/**
 * The case journal in the baseline's DynamoDB table (keys from facts: pk/sk). Items:
 *  - `instance#<id>` / `lock`          the instance's open case and the run holding it (lease)
 *  - `instance#<id>` / `case#<caseId>` every case ever opened for the instance
 *  - `case#<caseId>` / `meta`          the case header
 *  - `case#<caseId>` / `entry#<seq>`   hash-chained entries, written only while holding the lock
 * Every write is conditional: a lock is taken only when free or expired, an entry is written only once
 * and only by the run that holds the lock (a transaction checks the lock with each batch).
 */

import {
  type AttributeValue,
  type DynamoDBClient,
  GetItemCommand,
  QueryCommand,
  TransactWriteItemsCommand,
  UpdateItemCommand,
} from "@aws-sdk/client-dynamodb";
import type { Json } from "../engine/types";
import type { JournalEntry } from "./chain";
import { CaseWriters, ChainWriter } from "./chain-writer";
import { caseKey, instanceKey, isConditionFailure, key, n, PK, SK, s } from "./dynamo-keys";
import { EntryWrites } from "./dynamo-writes";
import type { AcquireResult, CaseMeta, Journal } from "./journal";

export function isTableMissing(err: unknown): boolean {
  return (err as { name?: string })?.name === "ResourceNotFoundException";
}

function toEntry(item: Record<string, AttributeValue>): JournalEntry {
  return {
    caseId: item.caseId!.S!,
    seq: Number(item.seq!.N),
    at: item.at!.S!,
    stepId: item.stepId!.S!,
    event: item.event!.S!,
    ...(item.data?.S ? { data: JSON.parse(item.data.S) as Json } : {}),
    prevHash: item.prevHash!.S!,
    hash: item.hash!.S!,
  };
}

export class DynamoJournal implements Journal {
  readonly kind = "dynamodb" as const;
  private readonly writers = new CaseWriters();
  private readonly runs = new Map<string, { instanceId: string; runId: string }>();

  private readonly entries: EntryWrites;

  constructor(
    private readonly ddb: DynamoDBClient,
    readonly location: string,
  ) {
    this.entries = new EntryWrites(ddb, location, this.runs);
  }

  async acquire(meta: CaseMeta, runId: string, leaseMs: number): Promise<AcquireResult> {
    const now = Date.now();
    const lockKey = key(instanceKey(meta.instanceId), "lock");
    try {
      await this.ddb.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.location,
                Item: {
                  ...lockKey,
                  caseId: s(meta.caseId),
                  runId: s(runId),
                  leaseUntil: n(now + leaseMs),
                },
                ConditionExpression: "attribute_not_exists(#pk)",
                ExpressionAttributeNames: { "#pk": PK },
              },
            },
            {
              Put: {
                TableName: this.location,
                Item: { ...key(caseKey(meta.caseId), "meta"), meta: s(JSON.stringify(meta)) },
                ConditionExpression: "attribute_not_exists(#pk)",
                ExpressionAttributeNames: { "#pk": PK },
              },
            },
            {
              Put: {
                TableName: this.location,
                Item: {
                  ...key(instanceKey(meta.instanceId), caseKey(meta.caseId)),
                  createdAt: s(meta.createdAt),
                },
              },
            },
          ],
        }),
      );
      this.track(meta.caseId, meta.instanceId, runId, undefined);
      return { acquired: true, caseId: meta.caseId, resumed: false };
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
    }
    return this.takeOver(meta.instanceId, runId, leaseMs, undefined, meta.caseId);
  }

  /** Takes the instance's open case over when its lease expired (or it is free); else reports it. */
  resume(instanceId: string, caseId: string, runId: string, leaseMs: number): Promise<AcquireResult> {
    return this.takeOver(instanceId, runId, leaseMs, caseId);
  }

  private async takeOver(
    instanceId: string,
    runId: string,
    leaseMs: number,
    expectCaseId: string | undefined,
    /** The case `acquire` just tried to open (its transaction may have landed before a reset). */
    openingCaseId?: string,
  ): Promise<AcquireResult> {
    const lockKey = key(instanceKey(instanceId), "lock");
    const got = await this.ddb.send(
      new GetItemCommand({ TableName: this.location, Key: lockKey, ConsistentRead: true }),
    );
    const item = got.Item;
    if (!item) throw new Error(`instance "${instanceId}" has no open case`);
    const caseId = item.caseId!.S!;
    if (expectCaseId && caseId !== expectCaseId) {
      throw new Error(
        `case "${expectCaseId}" is not the open case of instance "${instanceId}" (open: "${caseId}")`,
      );
    }
    const now = Date.now();
    const leaseUntil = Number(item.leaseUntil?.N ?? "0");
    const holder = item.runId?.S;
    if (holder === runId) {
      // Our own earlier attempt landed (the client retried a write whose answer a reset lost, and the
      // retry's condition failed on what the first one wrote): the lock is ours already.
      const existing = caseId === openingCaseId ? undefined : await this.readCase(caseId);
      this.track(caseId, instanceId, runId, existing?.entries.at(-1));
      return { acquired: true, caseId, resumed: caseId !== openingCaseId };
    }
    if (holder && leaseUntil > now) {
      return { acquired: false, caseId, heldBy: holder, leaseUntil: new Date(leaseUntil).toISOString() };
    }
    try {
      await this.ddb.send(
        new UpdateItemCommand({
          TableName: this.location,
          Key: lockKey,
          UpdateExpression: "SET runId = :me, leaseUntil = :until",
          ConditionExpression: "caseId = :case AND (attribute_not_exists(runId) OR leaseUntil = :seen)",
          ExpressionAttributeValues: {
            ":me": s(runId),
            ":until": n(now + leaseMs),
            ":case": s(caseId),
            ":seen": n(leaseUntil),
          },
        }),
      );
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
      return this.takeOver(instanceId, runId, leaseMs, expectCaseId, openingCaseId);
    }
    const existing = await this.readCase(caseId);
    this.track(caseId, instanceId, runId, existing?.entries.at(-1));
    return { acquired: true, caseId, resumed: true };
  }

  private track(caseId: string, instanceId: string, runId: string, last: JournalEntry | undefined): void {
    this.runs.set(caseId, { instanceId, runId });
    this.writers.open(caseId, new ChainWriter(caseId, last, (batch) => this.entries.write(caseId, batch)));
  }

  append(caseId: string, stepId: string, event: string, data?: Json): Promise<JournalEntry> {
    return this.writers.append(caseId, stepId, event, data);
  }

  flush(): Promise<void> {
    return this.writers.flush();
  }

  async renew(instanceId: string, runId: string, leaseMs: number): Promise<boolean> {
    try {
      await this.ddb.send(
        new UpdateItemCommand({
          TableName: this.location,
          Key: key(instanceKey(instanceId), "lock"),
          UpdateExpression: "SET leaseUntil = :until",
          ConditionExpression: "runId = :me",
          ExpressionAttributeValues: { ":me": s(runId), ":until": n(Date.now() + leaseMs) },
        }),
      );
      return true;
    } catch (err) {
      if (isConditionFailure(err)) return false;
      throw err;
    }
  }

  async releaseLease(instanceId: string, runId: string): Promise<void> {
    try {
      await this.ddb.send(
        new UpdateItemCommand({
          TableName: this.location,
          Key: key(instanceKey(instanceId), "lock"),
          UpdateExpression: "REMOVE runId, leaseUntil",
          ConditionExpression: "runId = :me",
          ExpressionAttributeValues: { ":me": s(runId) },
        }),
      );
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
    }
  }

  /** Removes the instance's lock item, only while it still names this case. */
  private deleteLock(instanceId: string, caseId: string) {
    return {
      Delete: {
        TableName: this.location,
        Key: key(instanceKey(instanceId), "lock"),
        ConditionExpression: "caseId = :case",
        ExpressionAttributeValues: { ":case": s(caseId) },
      },
    };
  }

  async closeCase(instanceId: string, caseId: string): Promise<void> {
    await this.flush();
    try {
      await this.ddb.send(
        new TransactWriteItemsCommand({
          TransactItems: [this.deleteLock(instanceId, caseId)],
        }),
      );
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
      // The condition fails when the lock no longer names this case: already closed (a retried delete
      // whose first attempt landed) is success; a lock naming this case still is a real failure.
      const got = await this.ddb.send(
        new GetItemCommand({
          TableName: this.location,
          Key: key(instanceKey(instanceId), "lock"),
          ConsistentRead: true,
        }),
      );
      if (got.Item?.caseId?.S === caseId) throw err;
    }
  }

  async abandon(instanceId: string, caseId: string): Promise<void> {
    this.writers.drop(caseId);
    await this.ddb.send(
      new TransactWriteItemsCommand({
        TransactItems: [
          this.deleteLock(instanceId, caseId),
          { Delete: { TableName: this.location, Key: key(caseKey(caseId), "meta") } },
          { Delete: { TableName: this.location, Key: key(instanceKey(instanceId), caseKey(caseId)) } },
        ],
      }),
    );
  }

  async readCase(caseId: string): Promise<{ meta: CaseMeta; entries: JournalEntry[] } | undefined> {
    const items: Record<string, AttributeValue>[] = [];
    let start: Record<string, AttributeValue> | undefined;
    do {
      const page = await this.ddb.send(
        new QueryCommand({
          TableName: this.location,
          KeyConditionExpression: "#pk = :pk",
          ExpressionAttributeNames: { "#pk": PK },
          ExpressionAttributeValues: { ":pk": s(caseKey(caseId)) },
          ConsistentRead: true,
          ExclusiveStartKey: start,
        }),
      );
      items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start);
    const metaItem = items.find((i) => i[SK]?.S === "meta");
    if (!metaItem) return undefined;
    const entries = items
      .filter((i) => i[SK]?.S?.startsWith("entry#"))
      .map(toEntry)
      .sort((a, b) => a.seq - b.seq);
    return { meta: JSON.parse(metaItem.meta!.S!) as CaseMeta, entries };
  }

  async openCase(instanceId: string) {
    const got = await this.ddb.send(
      new GetItemCommand({
        TableName: this.location,
        Key: key(instanceKey(instanceId), "lock"),
        ConsistentRead: true,
      }),
    );
    if (!got.Item) return undefined;
    const until = Number(got.Item.leaseUntil?.N ?? "0");
    return {
      caseId: got.Item.caseId!.S!,
      ...(got.Item.runId?.S && until > Date.now()
        ? { heldBy: got.Item.runId.S, leaseUntil: new Date(until).toISOString() }
        : {}),
    };
  }

  async casesOf(instanceId: string): Promise<string[]> {
    const page = await this.ddb.send(
      new QueryCommand({
        TableName: this.location,
        KeyConditionExpression: "#pk = :pk AND begins_with(#sk, :prefix)",
        ExpressionAttributeNames: { "#pk": PK, "#sk": SK },
        ExpressionAttributeValues: { ":pk": s(instanceKey(instanceId)), ":prefix": s("case#") },
        ConsistentRead: true,
      }),
    );
    return (page.Items ?? [])
      .sort((a, b) => (a.createdAt?.S ?? "").localeCompare(b.createdAt?.S ?? ""))
      .map((i) => i[SK]!.S!.slice("case#".length));
  }
}
