import { stackPolicy } from "../../lib/define";
import { attached, BUCKETS, isBucket, S3 } from "../../lib/s3";
import { isUnknown } from "../../lib/unknown";
import { asArray, at, type Props } from "../../lib/values";

interface Settings {
  requireKms: boolean;
}

const ALGORITHM_PATH = "rules.0.applyServerSideEncryptionByDefault.sseAlgorithm";

/** Default encryption states the intent; with a CMK it also puts key policy and CloudTrail in the way of readers. */
export const s3BucketEncryption = stackPolicy<Settings>({
  name: "s3-bucket-encryption",
  description:
    "Every bucket must declare default server-side encryption (a BucketServerSideEncryptionConfiguration, or the bucket's own serverSideEncryptionConfiguration), with SSE-KMS when requireKms is set: S3's implicit SSE-S3 protects disks, not data, from someone holding s3:GetObject.",
  severity: "medium",
  remediationSteps:
    'Add s3.BucketServerSideEncryptionConfiguration for the bucket with sseAlgorithm "aws:kms" and a customer managed key (bucketKeyEnabled: true keeps KMS costs low).',
  configRule: "s3-bucket-server-side-encryption-enabled",
  resourceTypes: BUCKETS,
  settings: {
    requireKms: {
      type: "boolean",
      default: false,
      description: "Require SSE-KMS (aws:kms or aws:kms:dsse), not SSE-S3.",
    },
  },
  parse: (r) => ({ requireKms: r.boolean("requireKms", false) }),
  checkStack: (resources, s, report) => {
    const algorithms = (rules: unknown): unknown[] =>
      isUnknown(rules)
        ? [rules]
        : asArray(rules).map((x) => at(x, "applyServerSideEncryptionByDefault.sseAlgorithm"));
    const judge = (target: (typeof resources)[number], algs: unknown[], path: string) => {
      for (const a of algs) {
        if (isUnknown(a)) continue;
        if (typeof a !== "string" || !["AES256", "aws:kms", "aws:kms:dsse"].includes(a))
          report.violation(
            target,
            `${path} has no valid sseAlgorithm (${JSON.stringify(a)}). Use "aws:kms".`,
          );
        else if (s.requireKms && a === "AES256")
          report.violation(
            target,
            `${path} uses SSE-S3 (AES256) but requireKms is set. Use "aws:kms" with a customer managed key.`,
          );
      }
    };
    for (const bucket of resources.filter(isBucket)) {
      const inline = bucket.props.serverSideEncryptionConfiguration as Props | undefined;
      if (inline !== undefined) {
        judge(
          bucket,
          algorithms(isUnknown(inline) ? inline : (inline?.rule ?? inline?.rules)),
          "serverSideEncryptionConfiguration",
        );
        continue;
      }
      const configs = attached(bucket, resources, [S3.sse, S3.sseV2]);
      if (!configs.length)
        report.violation(
          bucket,
          "declares no default encryption. Add an s3.BucketServerSideEncryptionConfiguration (SSE-KMS).",
        );
      else if (!configs.some((c) => c.m === "yes"))
        report.note(
          bucket,
          "an encryption configuration may apply to it, but its bucket is not known during preview.",
        );
    }
    for (const c of resources.filter((r) => r.type === S3.sse || r.type === S3.sseV2))
      judge(c, algorithms(c.props.rules), ALGORITHM_PATH.replace(".0.", "[]."));
  },
});
