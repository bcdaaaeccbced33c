import { resourcePolicy } from "../../lib/define";
import { bool } from "../../lib/values";

const DETECTOR = "aws:guardduty/detector:Detector";

/** A suspended detector stops producing the findings incident response starts from. */
export const guarddutyEnabled = resourcePolicy({
  name: "guardduty-enabled",
  description:
    "GuardDuty detectors must stay enabled (enable not false): a suspended detector silently stops reporting credential exfiltration, crypto-mining, reconnaissance and malware, which is often the only signal that an instance was compromised.",
  severity: "high",
  remediationSteps:
    "Set enable: true (the default) on the detector; to reduce cost, turn off individual protection plans with aws.guardduty.DetectorFeature instead of suspending the detector.",
  configRule: "guardduty-enabled-centralized",
  resourceTypes: [DETECTOR],
  check: (r, _s, report) => {
    const enable = bool(r.props.enable);
    if (!enable.known) return report.undetermined("enable");
    if (enable.value === false)
      report.violation(
        "enable is false: the detector is suspended and produces no findings. Set enable to true.",
      );
  },
});
