/**
 * The little EC2 world the strict layer's EC2 rule tests start from: a VPC with one subnet, an image to
 * launch, and instances launched into it (t3.micro unless told otherwise).
 */
import {
  CreateSubnetCommand,
  CreateVpcCommand,
  DescribeImagesCommand,
  type Instance,
  RunInstancesCommand,
  type RunInstancesCommandInput,
} from "@aws-sdk/client-ec2";
import type { AwsClients } from "../../automation/aws/clients";

export interface Ec2Basics {
  vpcId: string;
  subnetId: string;
  imageId: string;
}

export async function ec2Basics(c: AwsClients): Promise<Ec2Basics> {
  const vpcId = (await c.ec2.send(new CreateVpcCommand({ CidrBlock: "10.0.0.0/16" }))).Vpc!.VpcId!;
  const subnetId = (
    await c.ec2.send(
      new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: "10.0.0.0/24", AvailabilityZone: `${c.region}a` }),
    )
  ).Subnet!.SubnetId!;
  const imageId = (await c.ec2.send(new DescribeImagesCommand({ Owners: ["amazon"] }))).Images![0]!.ImageId!;
  return { vpcId, subnetId, imageId };
}

/** One instance in the basics' subnet (or on the ENIs `extra` names). */
export async function launch(
  c: AwsClients,
  b: Ec2Basics,
  extra: Partial<RunInstancesCommandInput> = {},
): Promise<Instance> {
  const input: RunInstancesCommandInput = {
    ImageId: b.imageId,
    InstanceType: "t3.micro",
    MinCount: 1,
    MaxCount: 1,
    SubnetId: extra.NetworkInterfaces ? undefined : b.subnetId,
    ...extra,
  };
  return (await c.ec2.send(new RunInstancesCommand(input))).Instances![0]!;
}

/** The error a call fails with, or undefined when it succeeds. */
export const errorOf = (p: Promise<unknown>): Promise<Error | undefined> =>
  p.then(
    () => undefined,
    (e: Error) => e,
  );

/** "ok" when a call succeeds, else the name of the error it fails with. */
export const outcome = (p: Promise<unknown>): Promise<string> =>
  p.then(
    () => "ok",
    (e: Error) => e.name,
  );
