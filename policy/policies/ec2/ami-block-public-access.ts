import { resourcePolicy } from "../../lib/define";
import { str } from "../../lib/values";

/** Account-level guard: with it on, a mistaken share of an AMI cannot make it public. */
export const amiBlockPublicAccess = resourcePolicy({
  name: "ami-block-public-access",
  description:
    'The account\'s AMI block public access must stay on (state "block-new-sharing"): it stops any AMI from being made public by mistake, including by someone outside this code.',
  severity: "high",
  remediationSteps: 'Set ec2.ImageBlockPublicAccess state to "block-new-sharing".',
  resourceTypes: ["aws:ec2/imageBlockPublicAccess:ImageBlockPublicAccess"],
  check: (r, _s, report) => {
    const state = str(r.props.state);
    if (!state.known) return report.undetermined("state");
    if (state.value !== "block-new-sharing")
      report.violation(
        `state is "${state.value ?? ""}": AMIs in this region can be made public. Set it to "block-new-sharing".`,
      );
  },
});
