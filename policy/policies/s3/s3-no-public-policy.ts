import { resourcePolicy } from "../../lib/define";
import { publicStatements, S3 } from "../../lib/s3";

/** A bucket policy that allows Principal "*" without a restricting condition publishes the bucket. */
export const s3NoPublicPolicy = resourcePolicy({
  name: "s3-no-public-policy",
  description:
    'Bucket policies (BucketPolicy, or the bucket\'s own policy) must not allow Principal "*" without a condition that restricts the caller (aws:SourceVpce, aws:PrincipalOrgID, aws:SourceArn...): such a policy makes the bucket public.',
  severity: "critical",
  remediationSteps:
    'Name the principals (account or role ARNs), or add a condition such as "StringEquals": { "aws:PrincipalOrgID": "o-..." }. Serve public content through CloudFront with origin access control instead.',
  cis: ["2.1.4"],
  configRule: "s3-bucket-public-read-prohibited",
  resourceTypes: [S3.policy, S3.bucket, S3.bucketV2],
  check: (r, _s, report) => {
    if (r.props.policy === undefined) return;
    const found = publicStatements(r.props.policy);
    if (found === "unknown") return report.undetermined("policy");
    for (const f of found)
      report.violation(
        `policy ${f} without a restricting condition: the bucket is public. Name the principals or add a condition.`,
      );
  },
});
