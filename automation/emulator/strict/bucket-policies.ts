/**
 * Bucket policies as the strict layer keeps them (rules/moto-s3-bucket-policy.ts answers the policy
 * calls; iam/policies.ts evaluates what is kept here): moto never holds one, because it misreads them.
 */
import type { RuleContext } from "./types";

const SLOT = "s3-bucket-policies";

/** account/bucket → policy document as written. */
export const bucketPoliciesOf = (ctx: Pick<RuleContext, "state">): Map<string, string> =>
  ctx.state.of(SLOT, () => new Map<string, string>());

export const bucketPolicyKey = (accountId: string, bucket: string) => `${accountId}/${bucket}`;

/** The bucket's policy document as stored, or undefined. */
export function bucketPolicyOf(
  ctx: Pick<RuleContext, "state">,
  accountId: string,
  bucket: string,
): string | undefined {
  return bucketPoliciesOf(ctx).get(bucketPolicyKey(accountId, bucket));
}
