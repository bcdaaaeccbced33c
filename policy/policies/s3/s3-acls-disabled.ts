import { resourcePolicy } from "../../lib/define";
import { S3 } from "../../lib/s3";
import { obj, str } from "../../lib/values";

/** With ACLs enabled, an uploader can make their object public regardless of the bucket policy. */
export const s3AclsDisabled = resourcePolicy({
  name: "s3-acls-disabled",
  description:
    "Bucket ownership controls must be BucketOwnerEnforced: with ACLs enabled, objects can be made public (or owned by another account) one by one, outside the bucket policy.",
  severity: "medium",
  remediationSteps: 'Set rule.objectOwnership to "BucketOwnerEnforced".',
  configRule: "s3-bucket-acl-prohibited",
  resourceTypes: [S3.ownership],
  check: (r, _s, report) => {
    const rule = obj(r.props.rule);
    if (!rule.known) return report.undetermined("rule");
    const ownership = str(rule.value?.objectOwnership);
    if (!ownership.known) return report.undetermined("rule.objectOwnership");
    if (ownership.value !== "BucketOwnerEnforced")
      report.violation(
        `rule.objectOwnership is "${ownership.value ?? ""}": object ACLs stay active. Set it to "BucketOwnerEnforced".`,
      );
  },
});
