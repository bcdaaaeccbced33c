import { resourcePolicy } from "../../lib/define";
import { KMS_RESTRICTING_KEYS, openPrincipalStatements } from "../../lib/open-principal";

const TYPES = [
  "aws:kms/key:Key",
  "aws:kms/keyPolicy:KeyPolicy",
  "aws:kms/replicaKey:ReplicaKey",
  "aws:kms/externalKey:ExternalKey",
  "aws:kms/replicaExternalKey:ReplicaExternalKey",
];

/** A key policy open to "*" lets any account use (or manage) the key, and decrypt what it protects. */
export const kmsKeyPolicyNotPublic = resourcePolicy({
  name: "kms-key-policy-not-public",
  description:
    'KMS key policies must not allow Principal "*" (or Allow with NotPrincipal) without a condition that restricts the caller (kms:CallerAccount, kms:ViaService, aws:PrincipalOrgID, aws:PrincipalAccount, aws:PrincipalArn, aws:SourceAccount...): anyone with an AWS account could otherwise use the key to decrypt the data it protects, or manage it.',
  severity: "critical",
  remediationSteps:
    'Name the account root or roles in Principal (e.g. {"AWS": "arn:aws:iam::111122223333:root"}), or add a condition such as "StringEquals": { "kms:CallerAccount": "111122223333" }. Negated, IfExists and ForAllValues conditions, and wildcard-only patterns, restrict nothing.',
  resourceTypes: TYPES,
  check: (r, _s, report) => {
    if (r.props.policy === undefined) return;
    const found = openPrincipalStatements(r.props.policy, KMS_RESTRICTING_KEYS, "policy");
    if (found === "unknown") return report.undetermined("policy");
    for (const u of found.undetermined) report.undetermined(u);
    for (const f of found.open)
      report.violation(
        `policy ${f} without a condition that restricts the caller: any AWS account can use the key. Name the principals or add a kms:CallerAccount / aws:PrincipalOrgID condition.`,
      );
  },
});
