import { COMPUTE, launchSpecs, SPOT_FLEET } from "../../lib/compute";
import { resourcePolicy } from "../../lib/define";
import { isUnknown } from "../../lib/unknown";
import { bool, list, obj, type Props } from "../../lib/values";

interface Settings {
  requireExplicitRoot: boolean;
}

/** Root and data volumes declared with an instance or a template must be encrypted too. */
export const ec2BlockDevicesEncrypted = resourcePolicy<Settings>({
  name: "ec2-block-devices-encrypted",
  description:
    "Root and extra EBS block devices of instances, spot requests, launch templates and launch configurations must be encrypted: unencrypted disks leak through snapshots and AMIs made from them.",
  severity: "high",
  remediationSteps:
    'Set encrypted: true on rootBlockDevice and every ebsBlockDevices entry (launch templates: blockDeviceMappings[].ebs.encrypted = "true"), or enable EBS encryption by default in the account and set requireExplicitRoot: false.',
  cis: ["2.2.1"],
  configRule: "encrypted-volumes",
  resourceTypes: [
    COMPUTE.instance,
    COMPUTE.spot,
    COMPUTE.launchTemplate,
    COMPUTE.launchConfiguration,
    SPOT_FLEET,
  ],
  settings: {
    requireExplicitRoot: {
      type: "boolean",
      default: true,
      description:
        "Report instances without a rootBlockDevice (the root volume then inherits the AMI snapshot's encryption). Turn off when EBS encryption by default is on in every account.",
    },
  },
  parse: (r) => ({ requireExplicitRoot: r.boolean("requireExplicitRoot", true) }),
  check: (r, s, report) => {
    const checkDevice = (device: unknown, path: string) => {
      const d = obj(device);
      if (!d.known) return report.undetermined(path);
      if (!d.value) return;
      if (d.value.virtualName !== undefined || d.value.noDevice !== undefined) return;
      const enc = bool(d.value.encrypted);
      if (!enc.known) return report.undetermined(`${path}.encrypted`);
      if (enc.value !== true)
        report.violation(
          `${path}.encrypted is ${enc.value === false ? "false" : "not set"}: the volume is created unencrypted unless its snapshot is. Set it to true.`,
        );
    };
    if (r.type === COMPUTE.launchTemplate) {
      const maps = list(r.props.blockDeviceMappings);
      if (!maps.known) return report.undetermined("blockDeviceMappings");
      for (const [i, m] of (maps.value ?? []).entries()) {
        if (isUnknown(m)) report.undetermined(`blockDeviceMappings[${i}]`);
        else if ((m as Props | undefined)?.ebs !== undefined)
          checkDevice((m as Props).ebs, `blockDeviceMappings[${i}].ebs`);
      }
      return;
    }
    if (r.type === SPOT_FLEET) {
      const specs = launchSpecs(r);
      if (specs === "unknown") return report.undetermined("launchSpecifications");
      for (const { at, props } of specs)
        for (const key of ["rootBlockDevices", "ebsBlockDevices"]) {
          const devices = list(props[key]);
          if (!devices.known) report.undetermined(`${at}${key}`);
          else for (const [i, d] of (devices.value ?? []).entries()) checkDevice(d, `${at}${key}[${i}]`);
        }
      return;
    }
    const root = r.props.rootBlockDevice;
    if (root === undefined || root === null) {
      const viaTemplate = r.type !== COMPUTE.launchConfiguration && r.props.launchTemplate !== undefined;
      if (s.requireExplicitRoot && !viaTemplate)
        report.violation(
          "rootBlockDevice is not set, so the root volume's encryption depends on the AMI's snapshot. Declare rootBlockDevice: { encrypted: true }.",
        );
    } else checkDevice(root, "rootBlockDevice");
    const extra = list(r.props.ebsBlockDevices);
    if (!extra.known) return report.undetermined("ebsBlockDevices");
    for (const [i, d] of (extra.value ?? []).entries()) checkDevice(d, `ebsBlockDevices[${i}]`);
  },
});
