import { stackPolicy } from "../../lib/define";
import { attached, BUCKETS, isBucket, PAB_FLAGS, S3, strongest } from "../../lib/s3";
import { isUnknown } from "../../lib/unknown";

/** Without a public access block, one careless ACL or policy change makes the bucket public. */
export const s3BucketPublicAccessBlock = stackPolicy({
  name: "s3-bucket-public-access-block",
  description:
    "Every bucket in the stack must have a BucketPublicAccessBlock (or the stack must declare an account-level block with all four flags): without one, a single ACL or policy change makes the bucket public.",
  severity: "high",
  remediationSteps:
    "Add an s3.BucketPublicAccessBlock for the bucket with all four flags true (blockPublicAcls, blockPublicPolicy, ignorePublicAcls, restrictPublicBuckets).",
  cis: ["2.1.4"],
  configRule: "s3-bucket-level-public-access-prohibited",
  resourceTypes: BUCKETS,
  checkStack: (resources, _s, report) => {
    const accountBlock = resources.some(
      (r) => r.type === S3.accountPab && PAB_FLAGS.every((f) => r.props[f] === true),
    );
    if (accountBlock) return;
    const maybeAccountBlock = resources.some(
      (r) => r.type === S3.accountPab && PAB_FLAGS.every((f) => r.props[f] === true || isUnknown(r.props[f])),
    );
    for (const bucket of resources.filter(isBucket)) {
      const m = strongest(attached(bucket, resources, [S3.pab]));
      if (m === "no" && maybeAccountBlock)
        report.note(
          bucket,
          "has no BucketPublicAccessBlock; the account-level block may cover it, but its flags are not known during preview.",
        );
      else if (m === "no")
        report.violation(bucket, "has no BucketPublicAccessBlock. Add one with all four flags set to true.");
      else if (m === "maybe")
        report.note(
          bucket,
          "a BucketPublicAccessBlock may apply to it, but its bucket is not known during preview.",
        );
    }
  },
});
