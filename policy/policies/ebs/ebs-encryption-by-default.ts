import { resourcePolicy } from "../../lib/define";
import { bool } from "../../lib/values";

/** Turning account-level EBS default encryption off lets any new volume be created in clear. */
export const ebsEncryptionByDefault = resourcePolicy({
  name: "ebs-encryption-by-default",
  description:
    "EBS encryption by default must stay enabled: when it is off, every volume anyone creates without the flag (console, scripts, other stacks) is unencrypted.",
  severity: "high",
  remediationSteps:
    "Declare ebs.EncryptionByDefault with enabled: true (the default) in every region you use.",
  cis: ["2.2.1"],
  configRule: "ec2-ebs-encryption-by-default",
  resourceTypes: ["aws:ebs/encryptionByDefault:EncryptionByDefault"],
  check: (r, _s, report) => {
    const enabled = bool(r.props.enabled);
    if (!enabled.known) return report.undetermined("enabled");
    if (enabled.value === false)
      report.violation(
        "enabled is false: EBS encryption by default is turned off for the region. Set enabled: true.",
      );
  },
});
