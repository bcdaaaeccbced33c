import { resourcePolicy } from "../../lib/define";
import { str } from "../../lib/values";

/** Account-level guard for snapshots: public sharing blocked whatever a script or console user does. */
export const snapshotBlockPublicAccess = resourcePolicy({
  name: "snapshot-block-public-access",
  description:
    'The account\'s EBS snapshot block public access must stay on ("block-all-sharing" or "block-new-sharing"): it stops snapshots, including evidence snapshots, from being made public by mistake.',
  severity: "high",
  remediationSteps: 'Set ebs.SnapshotBlockPublicAccess state to "block-all-sharing".',
  configRule: "ebs-snapshot-block-public-access",
  resourceTypes: ["aws:ebs/snapshotBlockPublicAccess:SnapshotBlockPublicAccess"],
  check: (r, _s, report) => {
    const state = str(r.props.state);
    if (!state.known) return report.undetermined("state");
    if (state.value !== "block-all-sharing" && state.value !== "block-new-sharing")
      report.violation(
        `state is "${state.value ?? ""}": snapshots in this region can be made public. Set it to "block-all-sharing".`,
      );
  },
});
