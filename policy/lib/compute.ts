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
