/**
 * Rule moto-dynamodb-serial-writes (a moto bug worked around): parallel transactions and writes on one
 * table, as parallel cases of one response make them on the journal, all succeed through the layer.
 * Without the rule, moto 5.2 fails some transactions with an HTML 500 ("dictionary changed size during
 * iteration"): the second test shows the bug is still there, so the shim is dropped when moto fixes it.
 */
import {
  BatchWriteItemCommand,
  CreateTableCommand,
  PutItemCommand,
  TransactWriteItemsCommand,
} from "@aws-sdk/client-dynamodb";
import { expect } from "chai";
import type { AwsClients } from "../../automation/aws/clients";
import { motoDynamodbSerialWrites } from "../../automation/emulator/strict/rules/moto-dynamodb-serial-writes";
import { type RuleLayer, startRuleLayer } from "../helpers/strict";

const TABLE = "journal";

/** A table big enough that moto's copy of it takes a while (the window of the race). */
async function seedTable(c: AwsClients) {
  await c.dynamodb.send(
    new CreateTableCommand({
      TableName: TABLE,
      BillingMode: "PAY_PER_REQUEST",
      AttributeDefinitions: [
        { AttributeName: "pk", AttributeType: "S" },
        { AttributeName: "sk", AttributeType: "S" },
      ],
      KeySchema: [
        { AttributeName: "pk", KeyType: "HASH" },
        { AttributeName: "sk", KeyType: "RANGE" },
      ],
    }),
  );
  for (let b = 0; b < 60; b++) {
    await c.dynamodb.send(
      new BatchWriteItemCommand({
        RequestItems: {
          [TABLE]: Array.from({ length: 25 }, (_, i) => ({
            PutRequest: {
              Item: { pk: { S: `case-${b}` }, sk: { S: `entry-${i}` }, data: { S: "x".repeat(200) } },
            },
          })),
        },
      }),
    );
  }
}

/** 30 transactions and 30 single writes at once; the failures, by error name. */
async function burst(c: AwsClients): Promise<string[]> {
  const calls = Array.from({ length: 30 }, (_, i) => [
    c.dynamodb.send(
      new TransactWriteItemsCommand({
        TransactItems: [
          { Put: { TableName: TABLE, Item: { pk: { S: `lock-${i}` }, sk: { S: "meta" } } } },
          { Put: { TableName: TABLE, Item: { pk: { S: `lock-${i}` }, sk: { S: "entry-0" } } } },
        ],
      }),
    ),
    c.dynamodb.send(
      new PutItemCommand({ TableName: TABLE, Item: { pk: { S: `put-${i}` }, sk: { S: "x" } } }),
    ),
  ]).flat();
  const settled = await Promise.allSettled(calls);
  return settled.flatMap((s) => (s.status === "rejected" ? [(s.reason as Error).name] : []));
}

describe("strict rule moto-dynamodb-serial-writes", function () {
  this.timeout(120_000);
  let l: RuleLayer | undefined;
  afterEach(async () => {
    await l?.stop();
    l = undefined;
  });

  it("parallel transactions and writes on one table all succeed through the layer", async () => {
    l = await startRuleLayer([motoDynamodbSerialWrites]);
    await seedTable(l.admin);
    expect(await burst(l.admin)).to.deep.equal([]);
  });

  it("without the rule, moto still fails some of them (the bug the rule works around is still there)", async () => {
    l = await startRuleLayer([]);
    await seedTable(l.admin);
    // A race: up to three bursts to see it (one has always been enough on a 2-core machine).
    let failures: string[] = [];
    for (let i = 0; i < 3 && failures.length === 0; i++) failures = await burst(l.admin);
    expect(failures.length, "moto no longer races: drop the rule").to.be.greaterThan(0);
  });
});
