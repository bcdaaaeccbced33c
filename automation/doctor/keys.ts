/**
 * The project's KMS keys (the configured evidence key, the evidence bucket's and the journal's): each
 * must be enabled (a disabled or deleted key makes every encrypted upload and read fail), rotate
 * automatically when it is a customer managed key, and have a key policy that lets IAM policies grant
 * its use (the account's root as principal) or names the responder role. A key policy is a resource
 * policy the simulator cannot include for a role, so it is read here instead.
 * https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html
 */
import {
  DescribeKeyCommand,
  GetKeyPolicyCommand,
  GetKeyRotationStatusCommand,
  type KeyMetadata,
} from "@aws-sdk/client-kms";
import type { AwsClients } from "../aws/clients";
import { errorName } from "../aws/errors";
import type { Check } from "./types";

export interface KeyFindings {
  checks: Check[];
  /** ARNs of the keys that exist (the probes ask about their use). */
  arns: string[];
  /** Keys that are not usable (disabled, pending deletion, missing). */
  unusable: string[];
}

interface Statement {
  Effect?: string;
  Principal?: unknown;
  Action?: string | string[];
}

const list = (v: unknown): string[] =>
  v === undefined ? [] : Array.isArray(v) ? v.map(String) : [String(v)];

/** Does an Allow statement let IAM policies delegate the key (root of the account) or name the role? */
export function keyPolicyAdmits(
  policy: string,
  accountId: string,
  roleArn: string,
  partition = "aws",
): boolean {
  let doc: { Statement?: Statement | Statement[] };
  try {
    doc = JSON.parse(policy);
  } catch {
    return false;
  }
  const statements = Array.isArray(doc.Statement) ? doc.Statement : doc.Statement ? [doc.Statement] : [];
  const root = [`arn:${partition}:iam::${accountId}:root`, accountId];
  return statements.some((s) => {
    if (s.Effect !== "Allow") return false;
    const p = s.Principal;
    const aws = p === "*" ? ["*"] : list((p as { AWS?: unknown } | undefined)?.AWS);
    const who = aws.some((a) => a === "*" || root.includes(a) || a === roleArn);
    const what = list(s.Action).some((a) => /^kms:(\*|Decrypt|GenerateDataKey\*?)$/i.test(a) || a === "*");
    return who && what;
  });
}

export async function checkKeys(
  clients: AwsClients,
  keys: string[],
  accountId: string,
  roleArn: string,
): Promise<KeyFindings> {
  const out: KeyFindings = { checks: [], arns: [], unusable: [] };
  const seen = new Set<string>();
  for (const id of keys) {
    let meta: KeyMetadata | undefined;
    try {
      meta = (await clients.kms.send(new DescribeKeyCommand({ KeyId: id }))).KeyMetadata;
    } catch (err) {
      out.unusable.push(id);
      out.checks.push({
        area: "key",
        item: id,
        status: "fail",
        detail: `cannot be described (${errorName(err)}): uploads and reads under it fail`,
        fix: "point the bucket, the table and evidenceKmsKeyArn at an existing key",
      });
      continue;
    }
    const arn = meta?.Arn ?? id;
    if (seen.has(arn)) continue;
    seen.add(arn);
    out.arns.push(arn);
    if (!meta?.Enabled || meta.KeyState !== "Enabled") {
      out.unusable.push(arn);
      out.checks.push({
        area: "key",
        item: arn,
        status: "fail",
        detail: `${meta?.KeyState ?? "not enabled"}${meta?.DeletionDate ? ` (deletion ${new Date(meta.DeletionDate).toISOString()})` : ""}: every upload and read under it fails`,
        fix:
          meta?.KeyState === "PendingDeletion"
            ? "cancel the deletion (CancelKeyDeletion), then enable it"
            : "enable the key (EnableKey)",
      });
      continue;
    }
    const checks: Check[] = [];
    if (meta.KeyManager === "CUSTOMER" && meta.KeySpec === "SYMMETRIC_DEFAULT") {
      // A caller who may not read these gets a warning, not a crash.
      const unread =
        (what: string, action: string) =>
        (err: unknown): Check => ({
          area: "key",
          item: `${arn} ${what}`,
          status: "warn",
          detail: `cannot be read (${errorName(err)}): not checked`,
          fix: `let whoever runs ir doctor call ${action} (docs/doctor.md)`,
        });
      const rotation = await clients.kms
        .send(new GetKeyRotationStatusCommand({ KeyId: arn }))
        .then((r) => r, unread("rotation", "kms:GetKeyRotationStatus"));
      checks.push(
        "area" in rotation
          ? rotation
          : rotation.KeyRotationEnabled
            ? { area: "key", item: `${arn} rotation`, status: "ok", detail: "automatic rotation on" }
            : {
                area: "key",
                item: `${arn} rotation`,
                status: "warn",
                detail: "automatic rotation off",
                fix: "enable automatic key rotation (EnableKeyRotation), as the baseline does",
              },
      );
      const policy = await clients.kms
        .send(new GetKeyPolicyCommand({ KeyId: arn, PolicyName: "default" }))
        .then((r) => r.Policy ?? "", unread("key policy", "kms:GetKeyPolicy"));
      const partition = arn.split(":")[1] ?? "aws";
      checks.push(
        typeof policy !== "string"
          ? policy
          : keyPolicyAdmits(policy, accountId, roleArn, partition)
            ? {
                area: "key",
                item: `${arn} key policy`,
                status: "ok",
                detail: "admits IAM policies of the account (or the responder role)",
              }
            : {
                area: "key",
                item: `${arn} key policy`,
                status: "fail",
                detail:
                  "admits neither the account's IAM policies nor the responder role: its kms calls are refused whatever its IAM policy says",
                fix: `allow the account root (arn:${partition}:iam::${accountId}:root) or ${roleArn} in the key policy`,
              },
      );
      if (checks.some((c) => c.status === "fail")) out.unusable.push(arn);
    }
    out.checks.push(
      {
        area: "key",
        item: arn,
        status: "ok",
        detail: `enabled, ${meta.KeyManager === "AWS" ? "AWS managed" : "customer managed"}`,
      },
      ...checks,
    );
  }
  return out;
}
