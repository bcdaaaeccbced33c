import { resourcePolicy } from "../../lib/define";
import { bool } from "../../lib/values";

const TRAIL = "aws:cloudtrail/trail:Trail";

/** A single-region trail misses an attacker working in a region nobody watches. */
export const cloudtrailMultiRegion = resourcePolicy({
  name: "cloudtrail-multi-region",
  description:
    "Trails must be multi-region, include global service events and be logging: attackers launch miners and backdoors in regions nobody watches, and IAM/STS activity is only recorded as a global event.",
  severity: "high",
  remediationSteps: "Set isMultiRegionTrail: true, includeGlobalServiceEvents: true and enableLogging: true.",
  cis: ["3.1"],
  configRule: "multi-region-cloudtrail-enabled",
  resourceTypes: [TRAIL],
  check: (r, _s, report) => {
    const multi = bool(r.props.isMultiRegionTrail);
    if (!multi.known) report.undetermined("isMultiRegionTrail");
    else if (multi.value !== true)
      report.violation(
        "isMultiRegionTrail is not true: activity in other regions is not recorded. Set it to true.",
      );
    const global = bool(r.props.includeGlobalServiceEvents);
    if (global.known && global.value === false)
      report.violation(
        "includeGlobalServiceEvents is false: IAM and STS activity is not recorded. Remove it or set it to true.",
      );
    const logging = bool(r.props.enableLogging);
    if (logging.known && logging.value === false)
      report.violation("enableLogging is false: the trail records nothing. Set it to true.");
  },
});
