/**
 * A moto bug worked around, not an AWS refusal: moto 5.2's TransactWriteItems deep-copies the whole
 * table (to roll back on failure) without a lock, so a write to the same table meanwhile fails it with
 * "dictionary changed size during iteration", an HTML 500 AWS never sends for this. The more cases a
 * journal table holds, the longer the copy and the likelier the race: parallel cases of one response
 * met it. The layer sends DynamoDB writes to moto one at a time (what DynamoDB's own isolation of
 * transactions gives); reads go through untouched.
 */
import type { Answer, StrictRule } from "../types";

const WRITES = new Set(["TransactWriteItems", "PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem"]);

/** The tail of the queue of writes, per layer state (forgotten on reset like every slot). */
const SLOT = "moto-dynamodb-serial-writes";

export const motoDynamodbSerialWrites: StrictRule = {
  id: "moto-dynamodb-serial-writes",
  title:
    "DynamoDB isolates a transaction from concurrent writes; moto's TransactWriteItems fails (HTML 500) when another write lands during it, so the layer sends writes to moto one at a time",
  source: "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis.html",
  matches: (req) => req.service === "dynamodb" && WRITES.has(req.operation),
  async answer(req, ctx) {
    const queue = ctx.state.of(SLOT, () => ({ tail: Promise.resolve() as Promise<unknown> }));
    const mine = queue.tail.then(() => ctx.forward(req, req.body));
    // The next write waits for this one, whatever its outcome.
    queue.tail = mine.catch(() => undefined);
    return (await mine) as Answer;
  },
};
