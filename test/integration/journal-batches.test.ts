/**
 * The DynamoDB journal against moto: entries of different cases appended in the same tick share one
 * transaction, and a case whose lock another run took over still gets its LeaseLostError (and writes
 * nothing) while the other case's entries land.
 */
import { CreateTableCommand, UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import { expect } from "chai";
import { AwsClients, MemoryRecorder } from "../../automation/aws/clients";
import { verifyChain } from "../../automation/journal/chain";
import { DynamoJournal } from "../../automation/journal/dynamodb";
import type { CaseMeta } from "../../automation/journal/journal";
import { JOURNAL_KEYS } from "../../facts/names";
import { TEST_CREDENTIALS, TEST_REGION, useMoto } from "../helpers/moto";

const TABLE = "ir-journal-batches";

function meta(instanceId: string): CaseMeta {
  return {
    caseId: `c-${instanceId}`,
    instanceId,
    region: TEST_REGION,
    createdAt: new Date().toISOString(),
    options: {},
  };
}

describe("journal: batches of several cases in one transaction (integration)", function () {
  this.timeout(60_000);
  let clients: AwsClients;
  let recorder: MemoryRecorder;

  before(async () => {
    const endpoint = await useMoto();
    recorder = new MemoryRecorder();
    clients = new AwsClients({
      endpoint,
      region: TEST_REGION,
      credentials: TEST_CREDENTIALS,
      retry: { maxAttempts: 1 },
      recorder,
    });
    await clients.dynamodb.send(
      new CreateTableCommand({
        TableName: TABLE,
        BillingMode: "PAY_PER_REQUEST",
        AttributeDefinitions: [
          { AttributeName: JOURNAL_KEYS.partition, AttributeType: "S" },
          { AttributeName: JOURNAL_KEYS.sort, AttributeType: "S" },
        ],
        KeySchema: [
          { AttributeName: JOURNAL_KEYS.partition, KeyType: "HASH" },
          { AttributeName: JOURNAL_KEYS.sort, KeyType: "RANGE" },
        ],
      }),
    );
  });
  after(() => clients.destroy());

  it("GIVEN three cases held by one run WHEN each appends in the same tick THEN one transaction carries them all and every chain reads back whole", async () => {
    const journal = new DynamoJournal(clients.dynamodb, TABLE);
    const ids = ["i-000000000000000a1", "i-000000000000000a2", "i-000000000000000a3"];
    for (const id of ids) expect((await journal.acquire(meta(id), "run-1", 60_000)).acquired).to.equal(true);
    const before = recorder.calls.filter((c) => c.action === "dynamodb:TransactWriteItems").length;
    await Promise.all(
      ids.flatMap((id) => [
        journal.append(`c-${id}`, "discover", "started"),
        journal.append(`c-${id}`, "discover", "ran", { record: { instanceId: id } }),
      ]),
    );
    const writes = recorder.calls.filter((c) => c.action === "dynamodb:TransactWriteItems").length - before;
    expect(writes).to.equal(1);
    for (const id of ids) {
      const found = await journal.readCase(`c-${id}`);
      expect(found!.entries.map((e) => e.event)).to.deep.equal(["started", "ran"]);
      expect(verifyChain(found!.entries).ok).to.equal(true);
    }
  });

  it("GIVEN two cases WHEN another run took one case's lock over THEN that case gets LeaseLostError and writes nothing, the other's entries land", async () => {
    const journal = new DynamoJournal(clients.dynamodb, TABLE);
    const kept = "i-000000000000000b1";
    const lost = "i-000000000000000b2";
    for (const id of [kept, lost]) await journal.acquire(meta(id), "run-1", 60_000);
    await clients.dynamodb.send(
      new UpdateItemCommand({
        TableName: TABLE,
        Key: { [JOURNAL_KEYS.partition]: { S: `instance#${lost}` }, [JOURNAL_KEYS.sort]: { S: "lock" } },
        UpdateExpression: "SET runId = :other",
        ExpressionAttributeValues: { ":other": { S: "run-2" } },
      }),
    );
    const [ok, refused] = await Promise.allSettled([
      journal.append(`c-${kept}`, "snapshot", "ran", { record: null }),
      journal.append(`c-${lost}`, "snapshot", "ran", { record: null }),
    ]);
    expect(ok.status).to.equal("fulfilled");
    expect(refused.status).to.equal("rejected");
    expect(((refused as PromiseRejectedResult).reason as Error).name).to.equal("LeaseLostError");
    expect((await journal.readCase(`c-${kept}`))!.entries.map((e) => e.stepId)).to.deep.equal(["snapshot"]);
    expect((await journal.readCase(`c-${lost}`))!.entries).to.deep.equal([]);
  });
});
