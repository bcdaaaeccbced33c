import { resourcePolicy } from "../../lib/define";
import { bool, str } from "../../lib/values";

const TRAIL = "aws:cloudtrail/trail:Trail";

/** A single-region trail misses an attacker working in a region nobody watches. */
export const cloudtrailMultiRegion = resourcePolicy({
  name: "cloudtrail-multi-region",
  description:
    "Trails must be multi-region, include global service events and be logging: attackers launch miners and backdoors in regions nobody watches, and IAM/STS activity is only recorded as a global event.",
  severity: "high",
  remediationSteps: "Set isMultiRegionTrail: true, includeGlobalServiceEvents: true and enableLogging: true.",
  cis: ["3.1"],
  configRule: "multi-region-cloudtrail-enabled",
  resourceTypes: [TRAIL],
  check: (r, _s, report) => {
    const multi = bool(r.props.isMultiRegionTrail);
    if (!multi.known) report.undetermined("isMultiRegionTrail");
    else if (multi.value !== true)
      report.violation(
        "isMultiRegionTrail is not true: activity in other regions is not recorded. Set it to true.",
      );
    const global = bool(r.props.includeGlobalServiceEvents);
    if (global.known && global.value === false)
      report.violation(
        "includeGlobalServiceEvents is false: IAM and STS activity is not recorded. Remove it or set it to true.",
      );
    const logging = bool(r.props.enableLogging);
    if (logging.known && logging.value === false)
      report.violation("enableLogging is false: the trail records nothing. Set it to true.");
  },
});

/** Without digest files nobody can prove the logs were not edited after the fact. */
export const cloudtrailLogValidation = resourcePolicy({
  name: "cloudtrail-log-validation",
  description:
    "Trails must enable log file validation: without digest files, an intruder who reaches the log bucket can delete or edit the evidence undetectably.",
  severity: "medium",
  remediationSteps: "Set enableLogFileValidation: true.",
  cis: ["3.2"],
  configRule: "cloud-trail-log-file-validation-enabled",
  resourceTypes: [TRAIL],
  check: (r, _s, report) => {
    const v = bool(r.props.enableLogFileValidation);
    if (!v.known) return report.undetermined("enableLogFileValidation");
    if (v.value !== true)
      report.violation(
        "enableLogFileValidation is not true: log tampering cannot be detected. Set it to true.",
      );
  },
});

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
