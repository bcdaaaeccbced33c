import { resourcePolicy } from "../../lib/define";

/** Long-term keys created in code end up in state files, CI logs and laptops, and never expire. */
export const iamNoAccessKeys = resourcePolicy({
  name: "iam-no-access-keys",
  description:
    "Long-term IAM access keys must not be created in code: the secret lands in the stack's state, never expires, and is unaffected by the responder's token-age revocation (only deactivation stops an AKIA key).",
  severity: "high",
  remediationSteps:
    "Use roles: instance profiles for EC2, IRSA/Pod Identity for Kubernetes, OIDC federation for CI. If a key is unavoidable, create it outside the stack, store it in Secrets Manager with rotation, and exempt nothing in code.",
  cis: ["1.11", "1.14"],
  configRule: "access-keys-rotated",
  resourceTypes: ["aws:iam/accessKey:AccessKey"],
  check: (r, _s, report) => {
    const status = r.props.status;
    if (status === "Inactive")
      return report.note("the access key is created Inactive; delete it if it is not needed.");
    report.violation(
      "this creates a long-term access key (AKIA...) whose secret is stored in the stack state. Use an IAM role instead.",
    );
  },
});
