import { resourcePolicy } from "../../lib/define";
import { SG_TYPES } from "../../lib/network";
import { list } from "../../lib/values";

/** The default security group is what resources get when nobody chose one; it must allow nothing. */
export const defaultSgRestrictsAll = resourcePolicy({
  name: "default-sg-restricts-all",
  description:
    "A managed default security group must have no ingress or egress rules: resources launched without an explicit group land in it, and any rule there silently applies to them.",
  severity: "medium",
  remediationSteps:
    "Declare `ec2.DefaultSecurityGroup` with no `ingress` and no `egress` blocks, and give every resource an explicit security group.",
  cis: ["5.4"],
  configRule: "vpc-default-security-group-closed",
  resourceTypes: [SG_TYPES.defaultGroup],
  check: (r, _s, report) => {
    for (const key of ["ingress", "egress"]) {
      const rules = list(r.props[key]);
      if (!rules.known) report.undetermined(key);
      else if (rules.value?.length)
        report.violation(
          `${key} has ${rules.value.length} rule(s); the default security group must allow no traffic.`,
        );
    }
  },
});
