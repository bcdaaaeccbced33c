/**
 * DynamoDB: the table's ARN (an index's for a Query or Scan on one), each item of a transaction or
 * batch authorised on its own table with its own action, and dynamodb:TagResource for tags given at
 * creation. https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazondynamodb.html
 */
import type { RuleContext, StrictRequest } from "../../types";
import { type Authorization, jsonString } from "./common";

const TRANSACT: Record<string, string> = {
  Put: "PutItem",
  Update: "UpdateItem",
  Delete: "DeleteItem",
  ConditionCheck: "ConditionCheckItem",
  Get: "GetItem",
};

export function dynamodbAuthorizations(req: StrictRequest, _ctx: RuleContext): Authorization[] | undefined {
  const op = req.operation;
  const json = req.json ?? {};
  const table = (name: string) =>
    name.startsWith("arn:") ? name : `arn:aws:dynamodb:${req.region}:${req.accountId}:table/${name}`;
  if (/^(ListTables|DescribeLimits|DescribeEndpoints)$/.test(op))
    return [{ action: `dynamodb:${op}`, resource: "*" }];
  if (op === "TransactWriteItems" || op === "TransactGetItems") {
    const items = (json.TransactItems as Record<string, { TableName?: string }>[] | undefined) ?? [];
    return items.flatMap((item) =>
      Object.entries(item).flatMap(([kind, body]) =>
        TRANSACT[kind] && body?.TableName
          ? [{ action: `dynamodb:${TRANSACT[kind]}`, resource: table(body.TableName) }]
          : [],
      ),
    );
  }
  if (op === "BatchWriteItem" || op === "BatchGetItem") {
    const byTable = (json.RequestItems as Record<string, unknown> | undefined) ?? {};
    return Object.keys(byTable).map((name) => ({ action: `dynamodb:${op}`, resource: table(name) }));
  }
  const name = jsonString(json, "TableName") ?? jsonString(json, "ResourceArn");
  if (!name) return undefined;
  const index = jsonString(json, "IndexName");
  const resource = index && /^(Query|Scan)$/.test(op) ? `${table(name)}/index/${index}` : table(name);
  const out: Authorization[] = [{ action: `dynamodb:${op}`, resource }];
  if (op === "CreateTable" && Array.isArray(json.Tags) && json.Tags.length > 0)
    out.push({ action: "dynamodb:TagResource", resource });
  return out;
}
