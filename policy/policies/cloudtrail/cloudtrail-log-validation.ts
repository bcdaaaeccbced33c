import { resourcePolicy } from "../../lib/define";
import { bool } from "../../lib/values";

const TRAIL = "aws:cloudtrail/trail:Trail";

/** Without digest files nobody can prove the logs were not edited after the fact. */
export const cloudtrailLogValidation = resourcePolicy({
  name: "cloudtrail-log-validation",
  description:
    "Trails must enable log file validation: without digest files, an intruder who reaches the log bucket can delete or edit the evidence undetectably.",
  severity: "medium",
  remediationSteps: "Set enableLogFileValidation: true.",
  cis: ["3.2"],
  configRule: "cloud-trail-log-file-validation-enabled",
  resourceTypes: [TRAIL],
  check: (r, _s, report) => {
    const v = bool(r.props.enableLogFileValidation);
    if (!v.known) return report.undetermined("enableLogFileValidation");
    if (v.value !== true)
      report.violation(
        "enableLogFileValidation is not true: log tampering cannot be detected. Set it to true.",
      );
  },
});
