/**
 * KMS: calls on a key are authorised on the key's ARN, whatever the caller named (key id, key ARN,
 * alias name or alias ARN), and the key policy must admit the account for IAM policies to count.
 * https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-overview.html
 * https://docs.aws.amazon.com/service-authorization/latest/reference/list_awskeymanagementservice.html
 */
import { DescribeKeyCommand } from "@aws-sdk/client-kms";
import type { RuleContext, StrictRequest } from "../../types";
import { kmsOf } from "../policies";
import { type Authorization, jsonString, lookups, remember } from "./common";

/** The ARN of the key a KeyId names (aliases resolved through moto; memoised per name). */
export async function keyArn(ctx: RuleContext, req: StrictRequest, keyId: string): Promise<string> {
  if (/^arn:aws:kms:[^:]*:[^:]*:key\//.test(keyId)) return keyId;
  const arn = await remember(lookups(ctx, "kms-key"), `${req.accountId}/${req.region}/${keyId}`, async () => {
    try {
      const r = await kmsOf(ctx, req.accountId, req.region).send(new DescribeKeyCommand({ KeyId: keyId }));
      return r.KeyMetadata?.Arn;
    } catch {
      return undefined;
    }
  });
  // An unknown key: authorised on the ARN it would have (KMS then answers NotFoundException itself).
  return (
    arn ?? `arn:aws:kms:${req.region}:${req.accountId}:${keyId.startsWith("alias/") ? keyId : `key/${keyId}`}`
  );
}

/** moto's ciphertext blob starts with the key id (36 bytes): Decrypt without KeyId names its key so. */
function keyOfCiphertext(blob: string | undefined): string | undefined {
  if (!blob) return undefined;
  const id = Buffer.from(blob, "base64").subarray(0, 36).toString("latin1");
  return /^[0-9a-f-]{36}$/.test(id) ? id : undefined;
}

const UNSCOPED = new Set(["CreateKey", "ListKeys", "ListAliases", "GenerateRandom"]);

export async function kmsAuthorizations(
  req: StrictRequest,
  ctx: RuleContext,
): Promise<Authorization[] | undefined> {
  const op = req.operation;
  const action = `kms:${op}`;
  if (UNSCOPED.has(op)) return [{ action, resource: "*" }];
  const named =
    jsonString(req.json, "KeyId") ??
    jsonString(req.json, "TargetKeyId") ??
    (op === "Decrypt" || op === "ReEncrypt"
      ? keyOfCiphertext(jsonString(req.json, "CiphertextBlob"))
      : undefined) ??
    (op === "DeleteAlias" ? jsonString(req.json, "AliasName") : undefined);
  if (!named) return undefined;
  const out: Authorization[] = [{ action, resource: await keyArn(ctx, req, named) }];
  const alias = jsonString(req.json, "AliasName");
  if (alias && /^(CreateAlias|UpdateAlias|DeleteAlias)$/.test(op))
    out.push({ action, resource: `arn:aws:kms:${req.region}:${req.accountId}:${alias}` });
  return out;
}
