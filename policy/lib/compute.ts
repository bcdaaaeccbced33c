/** Where compute resources keep the settings the EC2 policies check. */
export const COMPUTE = {
  instance: "aws:ec2/instance:Instance",
  spot: "aws:ec2/spotInstanceRequest:SpotInstanceRequest",
  launchTemplate: "aws:ec2/launchTemplate:LaunchTemplate",
  launchConfiguration: "aws:ec2/launchConfiguration:LaunchConfiguration",
  metadataDefaults: "aws:ec2/instanceMetadataDefaults:InstanceMetadataDefaults",
} as const;

/** Resources that launch instances directly or describe how to launch them. */
export const LAUNCHERS = [
  COMPUTE.instance,
  COMPUTE.spot,
  COMPUTE.launchTemplate,
  COMPUTE.launchConfiguration,
];

/** Deep copy of plain JSON props (for remediations). */
export const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

export const SPOT_FLEET = "aws:ec2/spotFleetRequest:SpotFleetRequest";

/**
 * The launch specifications a resource carries: the resource itself, or each inline
 * `launchSpecifications[i]` of a spot fleet request. "unknown" when the list is not known (preview).
 */
export function launchSpecs(r: {
  type: string;
  props: Record<string, unknown>;
}): Array<{ at: string; props: Record<string, unknown> }> | "unknown" {
  if (r.type !== SPOT_FLEET) return [{ at: "", props: r.props }];
  const specs = r.props.launchSpecifications;
  if (typeof specs === "string") return "unknown"; // the unknown sentinel
  if (!Array.isArray(specs)) return [];
  return specs.map((s, i) => ({
    at: `launchSpecifications[${i}].`,
    props: s && typeof s === "object" ? (s as Record<string, unknown>) : {},
  }));
}
