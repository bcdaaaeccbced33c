import { resourcePolicy } from "../../lib/define";
import { bool } from "../../lib/values";

/** Shared file systems often hold credentials and data for many instances. */
export const efsEncrypted = resourcePolicy({
  name: "efs-encrypted",
  description:
    "EFS file systems must be encrypted at rest: they are shared by many instances and often hold application secrets and data.",
  severity: "medium",
  remediationSteps:
    "Set encrypted: true (optionally kmsKeyId). Encryption can only be chosen at creation: migrate data to a new encrypted file system.",
  cis: ["2.4.1"],
  configRule: "efs-encrypted-check",
  resourceTypes: ["aws:efs/fileSystem:FileSystem"],
  check: (r, _s, report) => {
    const enc = bool(r.props.encrypted);
    if (!enc.known) return report.undetermined("encrypted");
    if (enc.value !== true)
      report.violation(
        `encrypted is ${enc.value === false ? "false" : "not set"}: the file system is stored unencrypted. Set encrypted: true.`,
      );
  },
});
