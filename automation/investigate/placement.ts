/**
 * Where the workstation goes, read before anything changes: the forensic AMI (from its SSM parameter),
 * the AZ of the case's volumes, the forensic subnet in that AZ, the workstation group, and an instance
 * profile that is not the compromised instance's. Every problem is an InputError naming the value and
 * the fix, so a bad setting changes nothing.
 */
import {
  DescribeImagesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVolumesCommand,
  type Subnet,
} from "@aws-sdk/client-ec2";
import { GetInstanceProfileCommand } from "@aws-sdk/client-iam";
import { GetParameterCommand } from "@aws-sdk/client-ssm";
import type { AwsClients } from "../aws/clients";
import { errorName } from "../aws/errors";
import { InputError } from "../input/targets";
import type { CaseSnapshot, Placement } from "./context";
import type { ForensicTarget } from "./settings";

/** What the case's journal says about the compromised instance (discover and resolve records). */
export interface CaseFacts {
  instanceId: string;
  availabilityZone?: string;
  /** ARN of the compromised instance's profile (before containment swapped it). */
  profileArn?: string;
  /** Name of the compromised instance's role. */
  roleName?: string;
}

export async function resolveAmi(clients: AwsClients, parameter: string): Promise<string> {
  let imageId: string | undefined;
  try {
    const res = await clients.ssm.send(new GetParameterCommand({ Name: parameter }));
    imageId = res.Parameter?.Value;
  } catch (err) {
    if (errorName(err) !== "ParameterNotFound") throw err;
    throw new InputError(
      `ssm parameter "${parameter}" (the forensic AMI) was not found in ${clients.region}: publish the forensic AMI id there (the baseline's forensic image pipeline does) or pass --forensic-ami-parameter`,
    );
  }
  if (!imageId || !/^ami-(?:[0-9a-f]{8}|[0-9a-f]{17})$/.test(imageId)) {
    throw new InputError(
      `ssm parameter "${parameter}" holds "${imageId ?? ""}", not an AMI id: put the forensic AMI id (ami-...) there`,
    );
  }
  const images = await clients.ec2.send(new DescribeImagesCommand({ ImageIds: [imageId] })).catch((err) => {
    if (/^InvalidAMIID\./.test(errorName(err))) return { Images: [] };
    throw err;
  });
  const image = images.Images?.[0];
  if (image?.State !== "available") {
    throw new InputError(
      `forensic AMI ${imageId} (from ssm parameter "${parameter}") is ${image ? image.State : "not found"} in ${clients.region}: publish an available forensic AMI to the parameter`,
    );
  }
  return imageId;
}

/** The AZ of the case's volumes (evidence volumes are made there), from the journal or the volumes. */
async function caseAz(clients: AwsClients, facts: CaseFacts, snapshots: CaseSnapshot[]) {
  if (facts.availabilityZone) return facts.availabilityZone;
  const res = await clients.ec2
    .send(new DescribeVolumesCommand({ VolumeIds: snapshots.map((s) => s.volumeId) }))
    .catch(() => ({ Volumes: [] }));
  return res.Volumes?.[0]?.AvailabilityZone;
}

async function forensicSubnets(clients: AwsClients, f: ForensicTarget): Promise<Subnet[]> {
  const res = await clients.ec2.send(new DescribeSubnetsCommand({ SubnetIds: f.subnetIds })).catch((err) => {
    if (errorName(err) !== "InvalidSubnetID.NotFound") throw err;
    throw new InputError(
      `forensic subnet ${f.subnetIds.join(", ")}: ${(err as Error).message.replace(/\.$/, "")} in ${clients.region}: pass --forensic-subnet with the forensic VPC's subnets (pulumi stack output responderSettings)`,
    );
  });
  const subnets = res.Subnets ?? [];
  const vpcs = [...new Set(subnets.map((s) => s.VpcId))];
  const stray = subnets.filter((s) => (f.vpcId ? s.VpcId !== f.vpcId : s.VpcId !== vpcs[0]));
  if (stray.length > 0) {
    throw new InputError(
      `forensic subnet ${stray[0]!.SubnetId} is in ${stray[0]!.VpcId}, not in the forensic VPC ${f.vpcId ?? vpcs[0]}: list only the forensic VPC's subnets`,
    );
  }
  return subnets;
}

async function checkGroup(clients: AwsClients, groupId: string, vpcId: string) {
  const res = await clients.ec2
    .send(new DescribeSecurityGroupsCommand({ GroupIds: [groupId] }))
    .catch((err) => {
      if (errorName(err) !== "InvalidGroup.NotFound") throw err;
      return { SecurityGroups: [] };
    });
  const group = res.SecurityGroups?.[0];
  if (!group || group.VpcId !== vpcId) {
    throw new InputError(
      `forensic workstation group "${groupId}" ${group ? `is in ${group.VpcId}, not in the forensic VPC ${vpcId}` : `was not found in ${clients.region}`}: pass --forensic-security-group with the forensic VPC's workstation group`,
    );
  }
}

/** The workstation profile must exist and must not carry the compromised instance's role. */
async function checkProfile(clients: AwsClients, name: string, facts: CaseFacts) {
  if (facts.profileArn && facts.profileArn.split("/").pop() === name) {
    throw new InputError(
      `forensic workstation profile "${name}" is the compromised instance's own profile: use the SSM-only forensic workstation profile (--forensic-profile)`,
    );
  }
  const res = await clients.iam
    .send(new GetInstanceProfileCommand({ InstanceProfileName: name }))
    .catch((err) => {
      if (errorName(err) !== "NoSuchEntity" && errorName(err) !== "NoSuchEntityException") throw err;
      throw new InputError(
        `forensic workstation profile "${name}" was not found: pass --forensic-profile with the baseline's SSM-only profile, or run \`ir bootstrap --forensic\``,
      );
    });
  const roles = (res.InstanceProfile?.Roles ?? []).map((r) => r.RoleName);
  if (facts.roleName && roles.includes(facts.roleName)) {
    throw new InputError(
      `forensic workstation profile "${name}" carries role "${facts.roleName}", the compromised instance's role: use the SSM-only forensic workstation profile`,
    );
  }
}

export async function resolvePlacement(
  clients: AwsClients,
  f: ForensicTarget,
  facts: CaseFacts,
  snapshots: CaseSnapshot[],
): Promise<{ placement: Placement; notes: string[] }> {
  const notes: string[] = [];
  const [imageId, subnets, az] = await Promise.all([
    resolveAmi(clients, f.amiParameter),
    forensicSubnets(clients, f),
    caseAz(clients, facts, snapshots),
  ]);
  const vpcId = f.vpcId ?? subnets[0]!.VpcId!;
  let subnet = subnets.find((s) => s.AvailabilityZone === az);
  if (!subnet && !az) {
    subnet = subnets[0]!;
    notes.push(
      `the AZ of the case's volumes is not known: the workstation goes to ${subnet.AvailabilityZone} (${subnet.SubnetId})`,
    );
  }
  if (!subnet) {
    const zones = [...new Set(subnets.map((s) => s.AvailabilityZone))].sort().join(", ");
    throw new InputError(
      `the forensic VPC ${vpcId} has no subnet in ${az}, the availability zone of the case's volumes (its subnets are in ${zones}): add a forensic subnet in ${az}, or pass --forensic-subnet with one there`,
    );
  }
  await Promise.all([
    checkGroup(clients, f.workstationSecurityGroupId, vpcId),
    checkProfile(clients, f.workstationInstanceProfile, facts),
  ]);
  return {
    placement: {
      amiParameter: f.amiParameter,
      imageId,
      vpcId,
      subnetId: subnet.SubnetId!,
      availabilityZone: subnet.AvailabilityZone!,
      securityGroupId: f.workstationSecurityGroupId,
      instanceProfile: f.workstationInstanceProfile,
    },
    notes,
  };
}
