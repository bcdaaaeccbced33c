import { resourcePolicy } from "../../lib/define";
import { checkPublicAccessBlockFlags, S3 } from "../../lib/s3";

/** A bucket-level block with a flag off lets ACLs or policies make that bucket public. */
export const s3BucketPublicAccessBlockFlags = resourcePolicy({
  name: "s3-bucket-public-access-block-flags",
  description:
    "A bucket's public access block must set all four flags: a block with a flag turned off lets a public ACL or policy through for that bucket.",
  severity: "high",
  remediationSteps:
    "Set blockPublicAcls, blockPublicPolicy, ignorePublicAcls and restrictPublicBuckets to true.",
  cis: ["2.1.4"],
  configRule: "s3-bucket-level-public-access-prohibited",
  resourceTypes: [S3.pab],
  check: (r, _s, report) => checkPublicAccessBlockFlags(r.props, report, "the bucket can be made public"),
});
