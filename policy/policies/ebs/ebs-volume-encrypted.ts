import { resourcePolicy } from "../../lib/define";
import { isUnknown } from "../../lib/unknown";
import { bool } from "../../lib/values";

const VOLUME = "aws:ebs/volume:Volume";

/** An unencrypted volume's snapshots can be shared, copied and read by anyone who gets hold of them. */
export const ebsVolumeEncrypted = resourcePolicy({
  name: "ebs-volume-encrypted",
  description:
    "EBS volumes must be encrypted: an unencrypted volume (and every snapshot of it) can be shared publicly or copied to another account and read without any key.",
  severity: "high",
  remediationSteps:
    "Set encrypted: true (and kmsKeyId to a customer managed key if snapshots must be shared across accounts). An existing volume cannot be encrypted in place: setting it replaces the volume, so migrate data first (snapshot, copy encrypted, restore).",
  cis: ["2.2.1"],
  configRule: "encrypted-volumes",
  resourceTypes: [VOLUME],
  check: (r, _s, report) => {
    const enc = bool(r.props.encrypted);
    if (!enc.known) return report.undetermined("encrypted");
    if (enc.value !== true) {
      if (r.props.snapshotId !== undefined && enc.value === undefined)
        report.violation(
          "encrypted is not set: the volume is only encrypted if its source snapshot is. Set encrypted: true.",
        );
      else
        report.violation(
          "encrypted is not true: the volume and its snapshots are stored unencrypted. Set encrypted: true.",
        );
    }
  },
  remediate: (r) =>
    r.props.encrypted === true || isUnknown(r.props.encrypted) ? undefined : { encrypted: true },
});
