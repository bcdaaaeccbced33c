import { resourcePolicy } from "../../lib/define";
import { openPrincipalStatements, TRUST_RESTRICTING_KEYS } from "../../lib/open-principal";

const ROLE = "aws:iam/role:Role";

/** A trust policy open to "*" lets any AWS account assume the role. */
export const iamRoleTrustNotPublic = resourcePolicy({
  name: "iam-role-trust-not-public",
  description:
    'Role trust policies must not let any principal ("*", {"AWS": "*"}, or Allow with NotPrincipal) assume the role without a condition that restricts the caller (aws:PrincipalOrgID, aws:PrincipalAccount, aws:SourceAccount, aws:PrincipalArn or sts:ExternalId): anyone with an AWS account could otherwise take its permissions.',
  severity: "critical",
  remediationSteps:
    'Name the trusted accounts, roles or services in Principal, or add a condition such as "StringEquals": { "aws:PrincipalOrgID": "o-..." } (or sts:ExternalId for a third party). Negated, IfExists and ForAllValues conditions, and wildcard-only patterns, restrict nothing.',
  resourceTypes: [ROLE],
  check: (r, _s, report) => {
    if (r.props.assumeRolePolicy === undefined) return;
    const found = openPrincipalStatements(
      r.props.assumeRolePolicy,
      TRUST_RESTRICTING_KEYS,
      "assumeRolePolicy",
    );
    if (found === "unknown") return report.undetermined("assumeRolePolicy");
    for (const u of found.undetermined) report.undetermined(u);
    for (const f of found.open)
      report.violation(
        `assumeRolePolicy ${f} without a condition that restricts the caller: any AWS account can assume the role. Name the trusted principals or add an aws:PrincipalOrgID / sts:ExternalId condition.`,
      );
  },
});
