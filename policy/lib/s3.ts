/** S3 helpers shared by the bucket policies: the v7 split resources and public-policy analysis. */

import { restrictsPrincipals } from "./conditions";
import type { StackResource } from "./define";
import { best, type Match, RefIndex, referrers, refers } from "./refs";
import { isUnknown } from "./unknown";
import { asArray, bool, containsUnknown, jsonDoc, type Props } from "./values";

export const S3 = {
  bucket: "aws:s3/bucket:Bucket",
  bucketV2: "aws:s3/bucketV2:BucketV2",
  acl: "aws:s3/bucketAcl:BucketAcl",
  aclV2: "aws:s3/bucketAclV2:BucketAclV2",
  policy: "aws:s3/bucketPolicy:BucketPolicy",
  pab: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
  accountPab: "aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock",
  sse: "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
  sseV2: "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
  ownership: "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
  object: "aws:s3/bucketObject:BucketObject",
  objectLegacy: "aws:s3/BucketObject:BucketObject",
  objectV2: "aws:s3/bucketObjectv2:BucketObjectv2",
} as const;

export const BUCKETS: readonly string[] = [S3.bucket, S3.bucketV2];
export const isBucket = (r: { type: string }) => BUCKETS.includes(r.type);

export const PAB_FLAGS = [
  "blockPublicAcls",
  "blockPublicPolicy",
  "ignorePublicAcls",
  "restrictPublicBuckets",
] as const;

/** How well a config resource (its `bucket` property) refers to a bucket. */
export const refersToBucket = (config: StackResource, bucket: StackResource): Match =>
  refers(config, "bucket", bucket, ["bucket"]);

const attachmentCache = new WeakMap<
  readonly StackResource[],
  Map<string, Map<StackResource, Array<{ r: StackResource; m: Match }>>>
>();

/**
 * The configuration resources of the given types attached to a bucket, with the strength of each
 * match. Indexed once per stack evaluation (the resources array), so each lookup is constant time.
 */
export function attached(bucket: StackResource, all: readonly StackResource[], types: readonly string[]) {
  let perTypes = attachmentCache.get(all);
  if (!perTypes) {
    perTypes = new Map();
    attachmentCache.set(all, perTypes);
  }
  const key = types.join(",");
  let byBucket = perTypes.get(key);
  if (!byBucket) {
    const index = new RefIndex(all.filter(isBucket), ["bucket"]);
    byBucket = referrers(
      index,
      all.filter((r) => types.includes(r.type)),
      "bucket",
    );
    perTypes.set(key, byBucket);
  }
  return byBucket.get(bucket) ?? [];
}

export const strongest = (xs: Array<{ m: Match }>): Match => best(xs.map((x) => x.m));

function publicPrincipal(p: unknown): boolean {
  if (p === "*") return true;
  if (p && typeof p === "object" && !isUnknown(p)) return asArray((p as Props).AWS).includes("*");
  return false;
}

/** Statements of a bucket policy that allow anyone. "unknown" when the document is not known. */
export function publicStatements(policy: unknown): string[] | "unknown" {
  const d = jsonDoc(policy);
  if (!d.known) return "unknown";
  const out: string[] = [];
  asArray(d.value?.Statement).forEach((s, i) => {
    if (!s || typeof s !== "object") return;
    const stmt = s as Props;
    // An unknown condition may well restrict the caller: the statement is judged again on update.
    if (containsUnknown(stmt.Condition)) return;
    if (stmt.Effect !== "Allow" || !publicPrincipal(stmt.Principal) || restrictsPrincipals(stmt.Condition))
      return;
    out.push(
      `${typeof stmt.Sid === "string" ? `statement "${stmt.Sid}"` : `Statement[${i}]`} allows ${JSON.stringify(stmt.Action)} to Principal "*"`,
    );
  });
  return out;
}

type Tri = boolean | "unknown";
const and = (...xs: Tri[]): Tri => (xs.includes(false) ? false : xs.includes("unknown") ? "unknown" : true);
const or = (xs: Tri[]): Tri => (xs.includes(true) ? true : xs.includes("unknown") ? "unknown" : false);
const tri = (v: unknown, judge: (x: unknown) => boolean): Tri => (containsUnknown(v) ? "unknown" : judge(v));

/** An IAM resource pattern (`*`, `?`) as a regular expression matching a prefix of a string. */
const globSource = (p: string) =>
  p
    .split("")
    .map((c) => (c === "*" ? ".*" : c === "?" ? "." : c.replace(/[\\^$.|+()[\]{}]/g, "\\$&")))
    .join("");

/** The bucket's ARN in the partition a pattern names (the bucket's own ARN when known). */
function bucketArn(bucket: { arn?: string; name?: string }, pattern: string): string | undefined {
  if (bucket.arn) return bucket.arn;
  if (!bucket.name) return undefined;
  const partition = /^arn:([^:*?]+):/.exec(pattern)?.[1] ?? "aws";
  return `arn:${partition}:s3:::${bucket.name}`;
}

/** Does a Resource pattern cover the bucket itself? */
function coversBucket(pattern: string, arn: string): boolean {
  return new RegExp(`^${globSource(pattern)}$`).test(arn);
}

/** Does a Resource pattern cover every object of the bucket (`arn/<any key>`)? */
function coversObjects(pattern: string, arn: string): boolean {
  if (!pattern.endsWith("*")) return false;
  // pattern = q + "*" covers arn/<any key> when q matches some prefix of "arn/".
  const q = new RegExp(`^${globSource(pattern.slice(0, -1))}$`);
  const target = `${arn}/`;
  for (let k = 0; k <= target.length; k++) if (q.test(target.slice(0, k))) return true;
  return false;
}

const isFalse = (v: unknown) => v === false || (typeof v === "string" && v.toLowerCase() === "false");

/** The condition of a TLS-only deny: only Bool (or BoolIfExists) aws:SecureTransport "false". */
function tlsCondition(condition: unknown): boolean {
  if (!condition || typeof condition !== "object" || Array.isArray(condition)) return false;
  const blocks = Object.entries(condition as Props);
  if (blocks.length !== 1) return false; // more conditions narrow the deny
  const [op, block] = blocks[0];
  if (!["bool", "boolifexists"].includes(op.toLowerCase())) return false;
  if (!block || typeof block !== "object" || Array.isArray(block)) return false;
  const entries = Object.entries(block as Props);
  if (entries.length !== 1 || entries[0][0].toLowerCase() !== "aws:securetransport") return false;
  const values = asArray(entries[0][1]);
  return values.length > 0 && values.every(isFalse);
}

const allS3Actions = (a: unknown) =>
  asArray(a).some((x) => typeof x === "string" && ["*", "s3:*"].includes(x.toLowerCase()));

/**
 * Whether a policy document denies, for every principal and every S3 action, requests without TLS to
 * the bucket and all its objects: Deny, Principal "*" (or {AWS: "*"}), Action "s3:*" (or "*"), Resource
 * covering the bucket ARN and bucketArn/*, Condition Bool (or BoolIfExists) aws:SecureTransport "false"
 * and nothing else. Several such statements may share the two resources. "unknown" when the document,
 * a deciding field or the bucket's name is not known (preview).
 */
export function deniesInsecureTransport(
  policy: unknown,
  bucket: { arn?: string; name?: string } | "unknown",
): Tri {
  const d = jsonDoc(policy);
  if (!d.known) return "unknown";
  const statements = d.value?.Statement;
  if (isUnknown(statements)) return "unknown";
  const verdicts = asArray(statements).map((s): { bucket: Tri; objects: Tri } => {
    if (isUnknown(s)) return { bucket: "unknown", objects: "unknown" };
    if (!s || typeof s !== "object" || Array.isArray(s)) return { bucket: false, objects: false };
    const stmt = s as Props;
    const qualifies = and(
      tri(stmt.Effect, (e) => e === "Deny"),
      tri(stmt.Principal, publicPrincipal),
      tri(stmt.Action, allS3Actions),
      stmt.NotAction === undefined && stmt.NotResource === undefined && stmt.NotPrincipal === undefined,
      tri(stmt.Condition, tlsCondition),
    );
    const patterns = asArray(stmt.Resource);
    const cover = (judge: (p: string, arn: string) => boolean): Tri =>
      or(
        patterns.map((p) => {
          if (isUnknown(p) || bucket === "unknown") return "unknown";
          if (typeof p !== "string") return false;
          const arn = bucketArn(bucket, p);
          return arn === undefined ? "unknown" : judge(p, arn);
        }),
      );
    return { bucket: and(qualifies, cover(coversBucket)), objects: and(qualifies, cover(coversObjects)) };
  });
  return and(or(verdicts.map((v) => v.bucket)), or(verdicts.map((v) => v.objects)));
}

/** Reports each of the four public-access-block flags that is not true. */
export function checkPublicAccessBlockFlags(
  props: Record<string, unknown>,
  report: { violation(m: string): void; undetermined(p: string): void },
  scope: string,
) {
  for (const flag of PAB_FLAGS) {
    const v = bool(props[flag]);
    if (!v.known) report.undetermined(flag);
    else if (v.value !== true)
      report.violation(
        `${flag} is ${v.value === false ? "false" : "not set (false)"}: ${scope}. Set all four flags to true.`,
      );
  }
}
