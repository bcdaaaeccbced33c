/** Keys, attribute values and error tests of the DynamoDB journal, shared by its reads and writes. */
import {
  type AttributeValue,
  ConditionalCheckFailedException,
  TransactionCanceledException,
} from "@aws-sdk/client-dynamodb";
import { JOURNAL_KEYS } from "../../facts/names";

export const PK = JOURNAL_KEYS.partition;
export const SK = JOURNAL_KEYS.sort;
export const s = (v: string): AttributeValue => ({ S: v });
export const n = (v: number): AttributeValue => ({ N: String(v) });
export const key = (pk: string, sk: string) => ({ [PK]: s(pk), [SK]: s(sk) });
export const instanceKey = (id: string) => `instance#${id}`;
export const caseKey = (id: string) => `case#${id}`;
export const entryKey = (seq: number) => `entry#${String(seq).padStart(8, "0")}`;

export function isConditionFailure(err: unknown): boolean {
  if (err instanceof ConditionalCheckFailedException) return true;
  if (err instanceof TransactionCanceledException) {
    return (err.CancellationReasons ?? []).some((r) => r.Code === "ConditionalCheckFailed");
  }
  const name = (err as { name?: string })?.name;
  return name === "ConditionalCheckFailedException" || name === "TransactionCanceledException";
}
