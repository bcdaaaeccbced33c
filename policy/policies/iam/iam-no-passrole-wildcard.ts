import { resourcePolicy } from "../../lib/define";
import { passRoleOnEveryRole } from "../../lib/passrole";

const DOC_TYPES = [
  "aws:iam/policy:Policy",
  "aws:iam/rolePolicy:RolePolicy",
  "aws:iam/userPolicy:UserPolicy",
  "aws:iam/groupPolicy:GroupPolicy",
];

/** PassRole on every role lets the holder hand any role, administrators included, to a service it controls. */
export const iamNoPassroleWildcard = resourcePolicy({
  name: "iam-no-passrole-wildcard",
  description:
    'IAM policies must not allow iam:PassRole on every role (Resource "*", "role/*", or NotResource): whoever holds it can launch an instance, function or task with the most privileged role in the account and act as that role (privilege escalation).',
  severity: "high",
  remediationSteps:
    'List the ARNs of the roles the principal really passes (e.g. "arn:aws:iam::111122223333:role/app-instance"), and add a condition on iam:PassedToService naming the service that receives them.',
  resourceTypes: DOC_TYPES,
  check: (r, _s, report) => {
    const found = passRoleOnEveryRole(r.props.policy, "policy");
    if (found === "unknown") return report.undetermined("policy");
    for (const u of found.undetermined) report.undetermined(u);
    for (const n of found.notes) report.note(n);
    for (const v of found.violations)
      report.violation(
        `${v}: the holder can pass any role, administrators included. Name the roles it may pass.`,
      );
  },
});
