import { resourcePolicy } from "../../lib/define";
import { S3 } from "../../lib/s3";
import { isUnknown } from "../../lib/unknown";
import { at, list, type Props, str } from "../../lib/values";

const PUBLIC_CANNED = ["public-read", "public-read-write", "authenticated-read"];
const PUBLIC_GROUPS = /acs\.amazonaws\.com\/groups\/global\/(AllUsers|AuthenticatedUsers)/;

/** Public ACLs publish (or open for writing) data without any bucket policy saying so. */
export const s3NoPublicAcl = resourcePolicy({
  name: "s3-no-public-acl",
  description:
    "Buckets and objects must not use public ACLs (public-read, public-read-write, authenticated-read, or grants to AllUsers / AuthenticatedUsers), on the bucket itself or through the separate BucketAcl and object resources: public ACLs are the most common way S3 data leaks.",
  severity: "critical",
  remediationSteps:
    'Remove the ACL (use "private"), set object ownership to BucketOwnerEnforced so ACLs are ignored, and grant access with a bucket policy scoped to known principals.',
  cis: ["2.1.4"],
  configRule: "s3-bucket-public-read-prohibited",
  resourceTypes: [S3.bucket, S3.bucketV2, S3.acl, S3.aclV2, S3.object, S3.objectLegacy, S3.objectV2],
  check: (r, _s, report) => {
    const acl = str(r.props.acl);
    if (!acl.known) report.undetermined("acl");
    else if (acl.value && PUBLIC_CANNED.includes(acl.value))
      report.violation(
        `acl is "${acl.value}": the data is readable${acl.value === "public-read-write" ? " and writable" : ""} by anyone. Use "private".`,
      );
    const grantsPath = r.type === S3.acl || r.type === S3.aclV2 ? "accessControlPolicy.grants" : "grants";
    const grants = list(at(r.props, grantsPath));
    if (!grants.known) return report.undetermined(grantsPath);
    for (const [i, g] of (grants.value ?? []).entries()) {
      if (isUnknown(g)) {
        report.undetermined(`${grantsPath}[${i}]`);
        continue;
      }
      const grant = (g ?? {}) as Props;
      const uri =
        grant.grantee && typeof grant.grantee === "object" ? (grant.grantee as Props).uri : grant.uri;
      if (isUnknown(uri)) {
        report.undetermined(`${grantsPath}[${i}].uri`);
        continue;
      }
      if (typeof uri === "string" && PUBLIC_GROUPS.test(uri))
        report.violation(
          `${grantsPath}[${i}] grants ${JSON.stringify(grant.permission ?? grant.permissions)} to ${uri.split("/").pop()}. Remove the grant.`,
        );
    }
  },
});
