/** A small Auto Scaling group for the strict layer's asg-* rule tests: one subnet, one template. */
import {
  CreateAutoScalingGroupCommand,
  DescribeAutoScalingGroupsCommand,
  type Instance,
} from "@aws-sdk/client-auto-scaling";
import {
  CreateLaunchTemplateCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  DescribeImagesCommand,
} from "@aws-sdk/client-ec2";
import type { AwsClients } from "../../automation/aws/clients";

export interface SmallGroup {
  name: string;
  template: string;
  /** Two distinct AMIs: the template's first version uses images[0]. */
  images: [string, string];
}

export async function createGroup(c: AwsClients, name: string, desired: number): Promise<SmallGroup> {
  const vpc = (await c.ec2.send(new CreateVpcCommand({ CidrBlock: "10.0.0.0/16" }))).Vpc!.VpcId!;
  const subnet = (
    await c.ec2.send(
      new CreateSubnetCommand({ VpcId: vpc, CidrBlock: "10.0.0.0/24", AvailabilityZone: `${c.region}a` }),
    )
  ).Subnet!.SubnetId!;
  const found = (await c.ec2.send(new DescribeImagesCommand({ Owners: ["amazon"] }))).Images!;
  const images: [string, string] = [found[0]!.ImageId!, found[1]!.ImageId!];
  const template = `${name}-lt`;
  await c.ec2.send(
    new CreateLaunchTemplateCommand({
      LaunchTemplateName: template,
      LaunchTemplateData: { ImageId: images[0], InstanceType: "t3.micro" },
    }),
  );
  await c.autoscaling.send(
    new CreateAutoScalingGroupCommand({
      AutoScalingGroupName: name,
      LaunchTemplate: { LaunchTemplateName: template, Version: "$Latest" },
      MinSize: 0,
      MaxSize: 30,
      DesiredCapacity: desired,
      VPCZoneIdentifier: subnet,
    }),
  );
  return { name, template, images };
}

/** The group's instances as Auto Scaling reports them. */
export async function groupInstances(c: AwsClients, name: string): Promise<Instance[]> {
  const out = await c.autoscaling.send(
    new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] }),
  );
  return out.AutoScalingGroups?.[0]?.Instances ?? [];
}
