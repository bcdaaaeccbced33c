/** S3 helpers shared by the bucket policies: the v7 split resources and public-policy analysis. */
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

/** Condition keys that restrict a "*" principal to a known set of callers. */
const RESTRICTING_KEYS = [
  "aws:sourcevpce",
  "aws:sourcevpc",
  "aws:principalorgid",
  "aws:principalorgpaths",
  "aws:principalaccount",
  "aws:sourceaccount",
  "aws:sourcearn",
  "aws:sourceorgid",
  "aws:principalarn",
  "aws:userid",
  "aws:sourceip",
  "aws:principalservicename",
  "s3:dataaccesspointaccount",
];

function publicPrincipal(p: unknown): boolean {
  if (p === "*") return true;
  if (p && typeof p === "object" && !isUnknown(p)) return asArray((p as Props).AWS).includes("*");
  return false;
}

function restricted(condition: unknown): boolean {
  if (!condition || typeof condition !== "object") return false;
  return Object.values(condition as Props).some(
    (block) =>
      block &&
      typeof block === "object" &&
      Object.keys(block as Props).some((k) => RESTRICTING_KEYS.includes(k.toLowerCase())),
  );
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
    if (stmt.Effect !== "Allow" || !publicPrincipal(stmt.Principal) || restricted(stmt.Condition)) return;
    out.push(
      `${typeof stmt.Sid === "string" ? `statement "${stmt.Sid}"` : `Statement[${i}]`} allows ${JSON.stringify(stmt.Action)} to Principal "*"`,
    );
  });
  return out;
}

/** True when a policy document denies requests without TLS (aws:SecureTransport = false). */
export function deniesInsecureTransport(policy: unknown): boolean | "unknown" {
  const d = jsonDoc(policy);
  if (!d.known) return "unknown";
  return asArray(d.value?.Statement).some((s) => {
    if (!s || typeof s !== "object") return false;
    const stmt = s as Props;
    if (stmt.Effect !== "Deny") return false;
    const cond = stmt.Condition as Props | undefined;
    const boolBlock = (cond?.Bool ?? cond?.bool) as Props | undefined;
    const value =
      boolBlock && Object.entries(boolBlock).find(([k]) => k.toLowerCase() === "aws:securetransport")?.[1];
    if (!asArray(value).some((v) => String(v).toLowerCase() === "false")) return false;
    const actions = asArray(stmt.Action).map((a) => String(a).toLowerCase());
    return actions.includes("*") || actions.includes("s3:*");
  });
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
