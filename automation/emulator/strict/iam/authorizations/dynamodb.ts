/**
 * DynamoDB: the table's ARN (an index's for a Query or Scan on one), each item of a transaction or
 * batch authorised on its own table with its own action, and dynamodb:TagResource for tags given at
 * creation. A call on one item carries its partition key value in `dynamodb:LeadingKeys` (the table's
 * HASH key, read from moto once per table).
 * https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazondynamodb.html
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/specifying-conditions.html
 */
import { DescribeTableCommand } from "@aws-sdk/client-dynamodb";
import type { RuleContext, StrictRequest } from "../../types";
import type { Context } from "../context";
import { type Authorization, jsonString, lookups, remember } from "./common";

const TRANSACT: Record<string, string> = {
  Put: "PutItem",
  Update: "UpdateItem",
  Delete: "DeleteItem",
  ConditionCheck: "ConditionCheckItem",
  Get: "GetItem",
};

/** The table's partition (HASH) key attribute name. */
function hashKeyOf(ctx: RuleContext, req: StrictRequest, table: string): Promise<string | undefined> {
  return remember(lookups(ctx, "dynamodb-hash-key"), `${req.accountId}|${req.region}|${table}`, async () => {
    const r = await ctx
      .moto(req.accountId, req.region)
      .dynamodb.send(new DescribeTableCommand({ TableName: table.split("/").pop() }))
      .catch(() => undefined);
    return r?.Table?.KeySchema?.find((k) => k.KeyType === "HASH")?.AttributeName;
  });
}

type ItemBody = { TableName?: string; Key?: Record<string, unknown>; Item?: Record<string, unknown> };

/** dynamodb:LeadingKeys of a call on one item: its partition key value. */
async function leadingKeys(ctx: RuleContext, req: StrictRequest, body: ItemBody): Promise<Context> {
  const item = body.Key ?? body.Item;
  if (!item || !body.TableName) return {};
  const hash = await hashKeyOf(ctx, req, body.TableName);
  const value = hash ? (item[hash] as { S?: string; N?: string } | undefined) : undefined;
  const v = value?.S ?? value?.N;
  return v === undefined ? {} : { "dynamodb:LeadingKeys": [v] };
}

export async function dynamodbAuthorizations(
  req: StrictRequest,
  ctx: RuleContext,
): Promise<Authorization[] | undefined> {
  const op = req.operation;
  const json = req.json ?? {};
  const table = (name: string) =>
    name.startsWith("arn:") ? name : `arn:aws:dynamodb:${req.region}:${req.accountId}:table/${name}`;
  if (/^(ListTables|DescribeLimits|DescribeEndpoints)$/.test(op))
    return [{ action: `dynamodb:${op}`, resource: "*" }];
  if (op === "TransactWriteItems" || op === "TransactGetItems") {
    const items = (json.TransactItems as Record<string, ItemBody>[] | undefined) ?? [];
    const out = await Promise.all(
      items.flatMap((item) =>
        Object.entries(item).flatMap(([kind, body]) =>
          TRANSACT[kind] && body?.TableName
            ? [
                leadingKeys(ctx, req, body).then((context) => ({
                  action: `dynamodb:${TRANSACT[kind]}`,
                  resource: table(body.TableName!),
                  context,
                })),
              ]
            : [],
        ),
      ),
    );
    return out;
  }
  if (op === "BatchWriteItem" || op === "BatchGetItem") {
    const byTable = (json.RequestItems as Record<string, unknown> | undefined) ?? {};
    return Object.keys(byTable).map((name) => ({ action: `dynamodb:${op}`, resource: table(name) }));
  }
  const name = jsonString(json, "TableName") ?? jsonString(json, "ResourceArn");
  if (!name) return undefined;
  const index = jsonString(json, "IndexName");
  const resource = index && /^(Query|Scan)$/.test(op) ? `${table(name)}/index/${index}` : table(name);
  const single = /^(GetItem|PutItem|UpdateItem|DeleteItem)$/.test(op);
  const context = single ? await leadingKeys(ctx, req, json as ItemBody) : {};
  const out: Authorization[] = [{ action: `dynamodb:${op}`, resource, context }];
  if (op === "CreateTable" && Array.isArray(json.Tags) && json.Tags.length > 0)
    out.push({ action: "dynamodb:TagResource", resource });
  return out;
}
