import { stackPolicy } from "../../lib/define";
import { attached, BUCKETS, deniesInsecureTransport, isBucket, S3 } from "../../lib/s3";
import { str } from "../../lib/values";

/** Without a TLS-only policy, clients (and SDKs misconfigured by an attacker) may talk to S3 in clear. */
export const s3TlsOnly = stackPolicy({
  name: "s3-tls-only",
  description:
    'Every bucket must have a policy that denies requests without TLS ("aws:SecureTransport": "false") for every principal and S3 action, on the bucket and all its objects: otherwise data and presigned URLs can travel unencrypted and be intercepted.',
  severity: "medium",
  remediationSteps:
    'Add to the bucket policy: { Effect: "Deny", Principal: "*", Action: "s3:*", Resource: [bucketArn, bucketArn + "/*"], Condition: { Bool: { "aws:SecureTransport": "false" } } }.',
  cis: ["2.1.1"],
  configRule: "s3-bucket-ssl-requests-only",
  resourceTypes: BUCKETS,
  checkStack: (resources, _s, report) => {
    for (const bucket of resources.filter(isBucket)) {
      const docs = [
        ...(bucket.props.policy !== undefined ? [{ doc: bucket.props.policy, certain: true }] : []),
        ...attached(bucket, resources, [S3.policy]).map((x) => ({
          doc: x.r.props.policy,
          certain: x.m === "yes",
        })),
      ];
      // The deny must cover this bucket: its ARN, or its name when the ARN is not known yet.
      const arn = str(bucket.props.arn).value;
      const name = str(bucket.props.bucket).value;
      const id = arn || name ? { arn, name } : ("unknown" as const);
      const verdicts = docs.map((d) => ({ ok: deniesInsecureTransport(d.doc, id), certain: d.certain }));
      if (verdicts.some((v) => v.ok === true && v.certain)) continue;
      if (verdicts.some((v) => v.ok === "unknown" || (v.ok === true && !v.certain)))
        report.note(
          bucket,
          "its bucket policy (or the bucket's name) is not known during preview, so TLS-only access could not be checked.",
        );
      else
        report.violation(
          bucket,
          docs.length
            ? 'its bucket policy does not deny requests without TLS for every principal and S3 action on the bucket and all its objects. Add a Deny statement with Principal "*", Action "s3:*", Resource [bucketArn, bucketArn + "/*"] and Condition { Bool: { "aws:SecureTransport": "false" } }.'
            : 'has no bucket policy denying requests without TLS. Add one with Condition { Bool: { "aws:SecureTransport": "false" } }.',
        );
    }
  },
});
