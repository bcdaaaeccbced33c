import { resourcePolicy } from "../../lib/define";
import { checkPublicAccessBlockFlags, S3 } from "../../lib/s3";

/** The account-level block is the net under every bucket, including ones created outside code. */
export const s3AccountPublicAccessBlock = resourcePolicy({
  name: "s3-account-public-access-block",
  description:
    "A declared S3 account public access block must set all four flags: it is the one setting that keeps every bucket in the account private, including buckets made by hand or by other stacks.",
  severity: "high",
  remediationSteps:
    "Set blockPublicAcls, blockPublicPolicy, ignorePublicAcls and restrictPublicBuckets to true.",
  cis: ["2.1.4"],
  configRule: "s3-account-level-public-access-blocks-periodic",
  resourceTypes: [S3.accountPab],
  check: (r, _s, report) =>
    checkPublicAccessBlockFlags(r.props, report, "buckets in the account can be made public"),
});
