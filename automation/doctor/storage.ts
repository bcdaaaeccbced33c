/**
 * Where a response keeps what it preserves: the evidence bucket (exists in this Region, Object Lock on
 * with a default retention, versioning on, default encryption) and the journal table (active, the
 * journal's key schema, encrypted, point-in-time recovery, deletion protection). Reads only; each
 * finding says what to fix. The keys these name are checked in keys.ts.
 */
import { DescribeContinuousBackupsCommand, DescribeTableCommand } from "@aws-sdk/client-dynamodb";
import {
  GetBucketEncryptionCommand,
  GetBucketLocationCommand,
  GetBucketVersioningCommand,
  GetObjectLockConfigurationCommand,
} from "@aws-sdk/client-s3";
import { EVIDENCE_LOCK_MODE, JOURNAL_KEYS } from "../../facts/names";
import type { AwsClients } from "../aws/clients";
import { errorName } from "../aws/errors";
import type { Check } from "./types";

export interface StoreFindings {
  found: boolean;
  checks: Check[];
  /** KMS key the store encrypts with (ARN, id or alias as configured), if any. */
  keyId?: string;
}

const NOT_FOUND = new Set(["NoSuchBucket", "NotFound", "ResourceNotFoundException"]);

/** Why a read was refused (the caller may not read it), as a check's detail. */
class Refused {
  constructor(readonly name: string) {}
  get detail() {
    return `cannot be read (${this.name}): not checked`;
  }
}
const UNREADABLE = "let whoever runs ir doctor read it (docs/doctor.md lists the calls)";

/** A read that may find nothing (undefined: the configuration is absent) or be refused (Refused). */
async function maybe<T>(p: Promise<T>, absent: string[] = []): Promise<T | undefined | Refused> {
  try {
    return await p;
  } catch (err) {
    if (absent.includes(errorName(err))) return undefined;
    return new Refused(errorName(err));
  }
}

export async function checkEvidenceBucket(
  clients: AwsClients,
  bucket: string,
  configuredKey?: string,
): Promise<StoreFindings> {
  const s3 = clients.s3;
  const check = (status: Check["status"], item: string, detail: string, fix?: string): Check => ({
    area: "evidence bucket",
    item,
    status,
    detail,
    ...(fix ? { fix } : {}),
  });
  let location: string;
  try {
    // us-east-1 answers no constraint at all.
    location =
      (await s3.send(new GetBucketLocationCommand({ Bucket: bucket }))).LocationConstraint || "us-east-1";
  } catch (err) {
    const name = errorName(err);
    return {
      found: false,
      checks: [
        check(
          "fail",
          bucket,
          NOT_FOUND.has(name) ? "not found" : `cannot be read (${name})`,
          NOT_FOUND.has(name)
            ? "deploy the baseline (EvidenceStore) or run `ir bootstrap`; pass --evidence-bucket if it has another name"
            : "let whoever runs ir doctor read the bucket's configuration (docs/doctor.md lists the calls)",
        ),
      ],
    };
  }
  const checks: Check[] = [];
  if (location !== clients.region)
    checks.push(
      check(
        "warn",
        `${bucket} Region`,
        `in ${location}, not ${clients.region}: evidence leaves the Region`,
        "use the baseline's bucket of this Region",
      ),
    );
  const lock = await maybe(s3.send(new GetObjectLockConfigurationCommand({ Bucket: bucket })), [
    "ObjectLockConfigurationNotFoundError",
  ]);
  const cfg = lock instanceof Refused ? undefined : lock?.ObjectLockConfiguration;
  const retention = cfg?.Rule?.DefaultRetention;
  const span = retention?.Days
    ? `${retention.Days} days`
    : retention?.Years
      ? `${retention.Years} years`
      : undefined;
  if (lock instanceof Refused) checks.push(check("fail", `${bucket} Object Lock`, lock.detail, UNREADABLE));
  else if (cfg?.ObjectLockEnabled !== "Enabled")
    checks.push(
      check(
        "fail",
        `${bucket} Object Lock`,
        "off: evidence can be deleted or overwritten",
        "Object Lock can be turned on for an existing bucket with versioning (PutObjectLockConfiguration); the baseline's bucket has it from creation",
      ),
    );
  else if (!retention || !span)
    checks.push(
      check(
        "fail",
        `${bucket} Object Lock`,
        "on, but without a default retention: an upload without its own retention is not locked",
        `set a default retention (${EVIDENCE_LOCK_MODE}, e.g. 365 days) as the baseline does`,
      ),
    );
  else if (retention.Mode !== EVIDENCE_LOCK_MODE)
    checks.push(
      check(
        "warn",
        `${bucket} Object Lock`,
        `default retention ${retention.Mode} ${span}: anyone allowed s3:BypassGovernanceRetention can delete evidence`,
        `use ${EVIDENCE_LOCK_MODE} mode`,
      ),
    );
  else checks.push(check("ok", `${bucket} Object Lock`, `default retention ${retention.Mode} ${span}`));
  const versioning = await maybe(s3.send(new GetBucketVersioningCommand({ Bucket: bucket })));
  checks.push(
    versioning instanceof Refused
      ? check("fail", `${bucket} versioning`, versioning.detail, UNREADABLE)
      : versioning?.Status === "Enabled"
        ? check("ok", `${bucket} versioning`, "enabled")
        : check(
            "fail",
            `${bucket} versioning`,
            `${versioning?.Status ?? "never enabled"}: an overwrite replaces evidence`,
            "enable versioning (PutBucketVersioning Status=Enabled)",
          ),
  );
  const enc = await maybe(s3.send(new GetBucketEncryptionCommand({ Bucket: bucket })), [
    "ServerSideEncryptionConfigurationNotFoundError",
  ]);
  const rule =
    enc instanceof Refused
      ? undefined
      : enc?.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault;
  const keyId = rule?.KMSMasterKeyID;
  if (enc instanceof Refused) checks.push(check("fail", `${bucket} encryption`, enc.detail, UNREADABLE));
  else if (!rule)
    checks.push(
      check(
        "fail",
        `${bucket} encryption`,
        "no default encryption",
        "set SSE-KMS with the project's key as the baseline does",
      ),
    );
  else if (!rule.SSEAlgorithm?.startsWith("aws:kms"))
    checks.push(
      check(
        "warn",
        `${bucket} encryption`,
        `${rule.SSEAlgorithm}: not the project's KMS key (no key policy, no rotation, no audit of decrypts)`,
        "set SSE-KMS with the project's key as the baseline does",
      ),
    );
  else if (!keyId)
    checks.push(
      check(
        "warn",
        `${bucket} encryption`,
        "SSE-KMS with the AWS-managed aws/s3 key",
        "use the project's customer managed key",
      ),
    );
  else if (configuredKey && !sameKey(keyId, configuredKey))
    checks.push(
      check(
        "warn",
        `${bucket} encryption`,
        `SSE-KMS with ${keyId}, not the configured evidence key ${configuredKey}`,
        "point the bucket's default encryption and the config's evidenceKmsKeyArn at the same key",
      ),
    );
  else checks.push(check("ok", `${bucket} encryption`, `SSE-KMS with ${keyId}`));
  return { found: true, checks, ...(keyId ? { keyId } : {}) };
}

/** The same key named as an ARN or an id. */
const sameKey = (a: string, b: string) => a === b || a.endsWith(`/${b}`) || b.endsWith(`/${a}`);

export async function checkJournalTable(clients: AwsClients, table: string): Promise<StoreFindings> {
  const check = (status: Check["status"], item: string, detail: string, fix?: string): Check => ({
    area: "journal table",
    item,
    status,
    detail,
    ...(fix ? { fix } : {}),
  });
  let t: Awaited<ReturnType<typeof describe>>;
  const describe = () => clients.dynamodb.send(new DescribeTableCommand({ TableName: table }));
  try {
    t = await describe();
  } catch (err) {
    const name = errorName(err);
    return {
      found: false,
      checks: [
        check(
          "fail",
          table,
          NOT_FOUND.has(name) ? `not found in ${clients.region}` : `cannot be read (${name})`,
          NOT_FOUND.has(name)
            ? "deploy the baseline (EvidenceStore) or run `ir bootstrap`; pass --journal-table if it has another name"
            : "let whoever runs ir doctor describe the table (docs/doctor.md lists the calls)",
        ),
      ],
    };
  }
  const d = t.Table!;
  const checks: Check[] = [];
  const attr = (name: string) => d.AttributeDefinitions?.find((a) => a.AttributeName === name)?.AttributeType;
  const key = (type: string) => d.KeySchema?.find((k) => k.KeyType === type)?.AttributeName;
  const schemaOk =
    key("HASH") === JOURNAL_KEYS.partition &&
    key("RANGE") === JOURNAL_KEYS.sort &&
    attr(JOURNAL_KEYS.partition) === "S" &&
    attr(JOURNAL_KEYS.sort) === "S";
  checks.push(
    schemaOk
      ? check(
          "ok",
          `${table} key schema`,
          `${JOURNAL_KEYS.partition} (HASH, S), ${JOURNAL_KEYS.sort} (RANGE, S); ${d.TableStatus}`,
        )
      : check(
          "fail",
          `${table} key schema`,
          `HASH ${key("HASH")}, RANGE ${key("RANGE")}: the journal writes ${JOURNAL_KEYS.partition}/${JOURNAL_KEYS.sort} strings`,
          "point --journal-table at the baseline's journal table",
        ),
  );
  if (d.TableStatus !== "ACTIVE")
    checks.push(check("warn", `${table} status`, `${d.TableStatus}: writes may be refused until ACTIVE`));
  const keyId = d.SSEDescription?.KMSMasterKeyArn;
  checks.push(
    d.SSEDescription?.Status === "ENABLED" && keyId
      ? check("ok", `${table} encryption`, `KMS key ${keyId}`)
      : check(
          "warn",
          `${table} encryption`,
          "DynamoDB's own key, not the project's",
          "encrypt the table with the project's key as the baseline does",
        ),
  );
  if (!d.DeletionProtectionEnabled)
    checks.push(
      check(
        "warn",
        `${table} deletion protection`,
        "off: the table and every case's journal can be deleted in one call",
        "enable deletion protection",
      ),
    );
  const backups = await maybe(
    clients.dynamodb.send(new DescribeContinuousBackupsCommand({ TableName: table })),
  );
  const pitr =
    backups instanceof Refused
      ? backups.detail
      : backups?.ContinuousBackupsDescription?.PointInTimeRecoveryDescription?.PointInTimeRecoveryStatus;
  checks.push(
    pitr === "ENABLED"
      ? check("ok", `${table} point-in-time recovery`, "enabled")
      : check(
          "warn",
          `${table} point-in-time recovery`,
          `${pitr ?? "unknown"}: a deleted or rewritten journal cannot be restored`,
          "enable point-in-time recovery",
        ),
  );
  return { found: true, checks, ...(keyId ? { keyId } : {}) };
}
