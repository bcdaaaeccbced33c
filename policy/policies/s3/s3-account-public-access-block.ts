import { resourcePolicy } from "../../lib/define";
import { PAB_FLAGS, S3 } from "../../lib/s3";
import { bool } from "../../lib/values";

function checkFlags(
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
  check: (r, _s, report) => checkFlags(r.props, report, "buckets in the account can be made public"),
});

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
  check: (r, _s, report) => checkFlags(r.props, report, "the bucket can be made public"),
});
