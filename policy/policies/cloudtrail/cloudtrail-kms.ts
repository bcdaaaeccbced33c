import { resourcePolicy } from "../../lib/define";
import { str } from "../../lib/values";

const TRAIL = "aws:cloudtrail/trail:Trail";

/** SSE-KMS puts a key policy between the logs and anyone who only has S3 read access. */
export const cloudtrailKms = resourcePolicy({
  name: "cloudtrail-kms",
  description:
    "Trails must encrypt logs with a KMS key: with SSE-S3 only, anyone who can read the bucket can read the whole account's activity history, including resource names and request parameters.",
  severity: "medium",
  remediationSteps:
    "Set kmsKeyId to a customer managed key whose policy allows CloudTrail to encrypt and only auditors to decrypt.",
  cis: ["3.5"],
  configRule: "cloud-trail-encryption-enabled",
  resourceTypes: [TRAIL],
  check: (r, _s, report) => {
    const key = str(r.props.kmsKeyId);
    if (!key.known) return;
    if (!key.value)
      report.violation(
        "kmsKeyId is not set: logs are encrypted only with S3-managed keys. Set a customer managed KMS key.",
      );
  },
});
