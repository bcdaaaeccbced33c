import { resourcePolicy } from "../../lib/define";
import { bool, str } from "../../lib/values";

const KEY = "aws:kms/key:Key";

function rotatable(props: Record<string, unknown>): boolean | "unknown" {
  const spec = str(props.customerMasterKeySpec);
  const usage = str(props.keyUsage);
  if (!spec.known || !usage.known) return "unknown";
  if (props.customKeyStoreId !== undefined || props.xksKeyId !== undefined) return false;
  return (
    (spec.value ?? "SYMMETRIC_DEFAULT") === "SYMMETRIC_DEFAULT" &&
    (usage.value ?? "ENCRYPT_DECRYPT") === "ENCRYPT_DECRYPT"
  );
}

/** A key that never rotates keeps every ciphertext ever made under the same material. */
export const kmsKeyRotation = resourcePolicy({
  name: "kms-key-rotation",
  description:
    "Symmetric customer managed KMS keys must rotate automatically: a key that never rotates keeps protecting years of data with the same material, so one exposure reaches all of it.",
  severity: "medium",
  remediationSteps:
    "Set enableKeyRotation: true (optionally rotationPeriodInDays). Asymmetric, HMAC and external key-store keys are not checked.",
  cis: ["3.6"],
  configRule: "cmk-backing-key-rotation-enabled",
  resourceTypes: [KEY],
  check: (r, _s, report) => {
    const ok = rotatable(r.props);
    if (ok === "unknown") return report.undetermined("customerMasterKeySpec / keyUsage");
    if (!ok) return;
    const rotation = bool(r.props.enableKeyRotation);
    if (!rotation.known) return report.undetermined("enableKeyRotation");
    if (rotation.value !== true)
      report.violation("enableKeyRotation is not true: the key material never rotates. Set it to true.");
  },
  remediate: (r) => {
    const rotation = bool(r.props.enableKeyRotation);
    if (rotatable(r.props) !== true || !rotation.known || rotation.value === true) return undefined;
    return { enableKeyRotation: true };
  },
});
