import { resourcePolicy } from "../../lib/define";
import { adminManagedPolicy, analysePolicy } from "../../lib/iam";
import { isUnknown } from "../../lib/unknown";
import { list, type Props } from "../../lib/values";

const DOC_TYPES = [
  "aws:iam/policy:Policy",
  "aws:iam/rolePolicy:RolePolicy",
  "aws:iam/userPolicy:UserPolicy",
  "aws:iam/groupPolicy:GroupPolicy",
];
const ROLE = "aws:iam/role:Role";
const ATTACHMENTS = [
  "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
  "aws:iam/userPolicyAttachment:UserPolicyAttachment",
  "aws:iam/groupPolicyAttachment:GroupPolicyAttachment",
  "aws:iam/policyAttachment:PolicyAttachment",
];
const EXCLUSIVE = "aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive";

/** Full "*:*" administrator policies turn any leaked credential into a full account takeover. */
export const iamPolicyNoAdmin = resourcePolicy({
  name: "iam-policy-no-admin",
  description:
    'IAM policies must not grant full administrator access ("Action": "*" on "Resource": "*", or Allow with NotAction), and AdministratorAccess / PowerUserAccess / IAMFullAccess must not be attached in code: one leaked credential then owns the account.',
  severity: "high",
  remediationSteps:
    "Grant the specific actions and resources the principal needs (IAM Access Analyzer can generate a policy from CloudTrail activity). Keep break-glass administrator access outside workload stacks, or exempt it with a tag giving the reason.",
  cis: ["1.16"],
  configRule: "iam-policy-no-statements-with-admin-access",
  resourceTypes: [...DOC_TYPES, ROLE, ...ATTACHMENTS, EXCLUSIVE],
  check: (r, _s, report) => {
    const reportDoc = (doc: unknown, path: string) => {
      const grants = analysePolicy(doc, []);
      if (grants === "unknown") return report.undetermined(path);
      for (const g of grants)
        if (g.level === "admin")
          report.violation(`${path}: ${g.detail}. Grant specific actions and resources instead.`);
    };
    const reportArn = (arn: unknown, path: string) => {
      const admin = adminManagedPolicy(arn);
      if (admin)
        report.violation(
          `${path} attaches the AWS managed policy ${admin}. Attach a least-privilege policy instead.`,
        );
    };
    if (DOC_TYPES.includes(r.type)) return reportDoc(r.props.policy, "policy");
    if (r.type === ROLE) {
      const inline = list(r.props.inlinePolicies);
      if (!inline.known) report.undetermined("inlinePolicies");
      for (const [i, p] of (inline.value ?? []).entries()) {
        if (isUnknown(p)) report.undetermined(`inlinePolicies[${i}]`);
        else reportDoc((p as Props)?.policy, `inlinePolicies[${i}].policy`);
      }
      const arns = list(r.props.managedPolicyArns);
      if (!arns.known) report.undetermined("managedPolicyArns");
      for (const [i, a] of (arns.value ?? []).entries()) reportArn(a, `managedPolicyArns[${i}]`);
      return;
    }
    if (r.type === EXCLUSIVE) {
      const arns = list(r.props.policyArns);
      if (!arns.known) return report.undetermined("policyArns");
      for (const [i, a] of (arns.value ?? []).entries()) reportArn(a, `policyArns[${i}]`);
      return;
    }
    if (isUnknown(r.props.policyArn)) return report.undetermined("policyArn");
    reportArn(r.props.policyArn, "policyArn");
  },
});
