/**
 * Seeds an emulated account for the responder tests: a VPC with an ALB target group and an Auto Scaling
 * group of three instances sharing one role, an instance with two ENIs, an instance with no profile, and
 * an instance in no ASG with an Elastic IP registered as an IP target.
 */
import {
  CreateAutoScalingGroupCommand,
  DescribeAutoScalingGroupsCommand,
} from "@aws-sdk/client-auto-scaling";
import {
  AllocateAddressCommand,
  AssociateAddressCommand,
  AssociateIamInstanceProfileCommand,
  AuthorizeSecurityGroupIngressCommand,
  CreateLaunchTemplateCommand,
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  ModifyNetworkInterfaceAttributeCommand,
  RunInstancesCommand,
} from "@aws-sdk/client-ec2";
import {
  CreateLoadBalancerCommand,
  CreateTargetGroupCommand,
  RegisterTargetsCommand,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import {
  AddRoleToInstanceProfileCommand,
  CreateInstanceProfileCommand,
  CreateRoleCommand,
} from "@aws-sdk/client-iam";
import type { AwsClients } from "../../automation/aws/clients";
import { TAG } from "../../facts";

export interface World {
  vpcId: string;
  subnets: string[];
  webGroup: string;
  roleName: string;
  profileArn: string;
  targetGroupArn: string;
  ipTargetGroupArn: string;
  asgName: string;
  asgInstances: string[];
  twoEni: string;
  noProfile: string;
  solo: string;
  soloIp: string;
  eipAllocation: string;
  imageId: string;
}

export async function seedWorld(c: AwsClients, name = "web"): Promise<World> {
  const ec2 = c.ec2;
  const vpcId = (await ec2.send(new CreateVpcCommand({ CidrBlock: "10.0.0.0/16" }))).Vpc!.VpcId!;
  const subnets = await Promise.all(
    ["a", "b"].map(
      async (az, i) =>
        (
          await ec2.send(
            new CreateSubnetCommand({
              VpcId: vpcId,
              CidrBlock: `10.0.${i}.0/24`,
              AvailabilityZone: `${c.region}${az}`,
            }),
          )
        ).Subnet!.SubnetId!,
    ),
  );
  const webGroup = (
    await ec2.send(
      new CreateSecurityGroupCommand({ GroupName: `${name}-sg`, Description: "web", VpcId: vpcId }),
    )
  ).GroupId!;
  await ec2.send(
    new AuthorizeSecurityGroupIngressCommand({
      GroupId: webGroup,
      IpPermissions: [{ IpProtocol: "tcp", FromPort: 80, ToPort: 80, IpRanges: [{ CidrIp: "10.0.0.0/16" }] }],
    }),
  );
  const roleName = `${name}-role`;
  await c.iam.send(
    new CreateRoleCommand({
      RoleName: roleName,
      AssumeRolePolicyDocument: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          { Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" },
        ],
      }),
    }),
  );
  const profileArn = (
    await c.iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: `${name}-profile` }))
  ).InstanceProfile!.Arn!;
  await c.iam.send(
    new AddRoleToInstanceProfileCommand({ InstanceProfileName: `${name}-profile`, RoleName: roleName }),
  );
  const imageId = (await ec2.send(new DescribeImagesCommand({ Owners: ["amazon"] }))).Images![0]!.ImageId!;

  const lb = await c.elbv2.send(
    new CreateLoadBalancerCommand({ Name: `${name}-alb`, Subnets: subnets, SecurityGroups: [webGroup] }),
  );
  const tg = await c.elbv2.send(
    new CreateTargetGroupCommand({
      Name: `${name}-tg`,
      Protocol: "HTTP",
      Port: 80,
      VpcId: vpcId,
      TargetType: "instance",
    }),
  );
  const ipTg = await c.elbv2.send(
    new CreateTargetGroupCommand({
      Name: `${name}-ip-tg`,
      Protocol: "HTTP",
      Port: 8080,
      VpcId: vpcId,
      TargetType: "ip",
    }),
  );
  void lb;
  const targetGroupArn = tg.TargetGroups![0]!.TargetGroupArn!;
  const ipTargetGroupArn = ipTg.TargetGroups![0]!.TargetGroupArn!;

  await ec2.send(
    new CreateLaunchTemplateCommand({
      LaunchTemplateName: `${name}-lt`,
      LaunchTemplateData: {
        ImageId: imageId,
        InstanceType: "t3.micro",
        IamInstanceProfile: { Arn: profileArn },
        // Groups on the ENI, not the instance: moto reports an ENI's groups as its own plus the
        // instance-level ones, so instance-level groups would survive any per-ENI change there.
        NetworkInterfaces: [{ DeviceIndex: 0, Groups: [webGroup] }],
      },
      // As the baseline's reference workload: recovery may version only templates tagged ir:workload.
      TagSpecifications: [{ ResourceType: "launch-template", Tags: [{ Key: TAG.workload, Value: name }] }],
    }),
  );
  const asgName = `${name}-asg`;
  await c.autoscaling.send(
    new CreateAutoScalingGroupCommand({
      AutoScalingGroupName: asgName,
      LaunchTemplate: { LaunchTemplateName: `${name}-lt`, Version: "$Latest" },
      MinSize: 1,
      MaxSize: 6,
      DesiredCapacity: 3,
      VPCZoneIdentifier: subnets.join(","),
      TargetGroupARNs: [targetGroupArn],
      // A workload's group, as the baseline tags it: recovery may repoint only such groups.
      Tags: [{ Key: TAG.workload, Value: name, PropagateAtLaunch: true }],
    }),
  );
  const group = await c.autoscaling.send(
    new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [asgName] }),
  );
  const asgInstances = (group.AutoScalingGroups![0]!.Instances ?? []).map((i) => i.InstanceId!).sort();
  // moto launches ASG instances without the launch template's profile and ENI groups: apply them.
  const launched = await ec2.send(new DescribeInstancesCommand({ InstanceIds: asgInstances }));
  for (const i of launched.Reservations!.flatMap((r) => r.Instances!)) {
    await ec2.send(
      new AssociateIamInstanceProfileCommand({
        InstanceId: i.InstanceId,
        IamInstanceProfile: { Arn: profileArn },
      }),
    );
    for (const n of i.NetworkInterfaces ?? []) {
      await ec2.send(
        new ModifyNetworkInterfaceAttributeCommand({
          NetworkInterfaceId: n.NetworkInterfaceId,
          Groups: [webGroup],
        }),
      );
    }
  }

  const run = async (extra: Record<string, unknown>) =>
    (
      await ec2.send(
        new RunInstancesCommand({
          ImageId: imageId,
          InstanceType: "t3.micro",
          MinCount: 1,
          MaxCount: 1,
          ...extra,
        }),
      )
    ).Instances![0]!;
  const two = await run({
    IamInstanceProfile: { Arn: profileArn },
    NetworkInterfaces: [
      { DeviceIndex: 0, SubnetId: subnets[0], Groups: [webGroup] },
      { DeviceIndex: 1, SubnetId: subnets[0], Groups: [webGroup] },
    ],
  });
  const eni0 = (subnet: string) => ({
    NetworkInterfaces: [{ DeviceIndex: 0, SubnetId: subnet, Groups: [webGroup] }],
  });
  const noProfile = await run(eni0(subnets[1]!));
  const solo = await run({ ...eni0(subnets[0]!), IamInstanceProfile: { Arn: profileArn } });
  const soloIp = solo.PrivateIpAddress!;
  await c.elbv2.send(
    new RegisterTargetsCommand({ TargetGroupArn: ipTargetGroupArn, Targets: [{ Id: soloIp, Port: 8080 }] }),
  );
  await c.elbv2.send(
    new RegisterTargetsCommand({ TargetGroupArn: targetGroupArn, Targets: [{ Id: solo.InstanceId! }] }),
  );
  const eip = await ec2.send(new AllocateAddressCommand({ Domain: "vpc" }));
  await ec2.send(
    new AssociateAddressCommand({ AllocationId: eip.AllocationId, InstanceId: solo.InstanceId }),
  );
  return {
    vpcId,
    subnets,
    webGroup,
    roleName,
    profileArn,
    targetGroupArn,
    ipTargetGroupArn,
    asgName,
    asgInstances,
    twoEni: two.InstanceId!,
    noProfile: noProfile.InstanceId!,
    solo: solo.InstanceId!,
    soloIp,
    eipAllocation: eip.AllocationId!,
    imageId,
  };
}
