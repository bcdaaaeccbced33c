/**
 * The game day's account: what a small production web workload looks like when the baseline is in
 * place. A VPC with public and private subnets, an internet-facing ALB with a target group, an Auto
 * Scaling group of three instances sharing one role, the known-good AMI parameter with its history, and
 * the responder's prerequisites (evidence bucket, journal table, isolation groups, deny-all profile,
 * forensic VPC and AMI parameter: seed-forensic.ts). Everything is created through the one client
 * factory, against the emulator only.
 *
 * The AMI history is the point of the exercise: version 1 is the image the fleet still runs, version 2 the
 * patched image published a week before the compromise but not rolled out yet, and version 3 (published by
 * `publishNewerAmi` AFTER the finding's first sighting) may have been built by the attacker's hands.
 * Recovery must pick version 2. SSM stamps each version at write time, so the timeline is real, only
 * compressed into seconds.
 */
import {
  CreateAutoScalingGroupCommand,
  DescribeAutoScalingGroupsCommand,
} from "@aws-sdk/client-auto-scaling";
import {
  AssociateIamInstanceProfileCommand,
  AuthorizeSecurityGroupIngressCommand,
  CreateLaunchTemplateCommand,
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  DescribeInstancesCommand,
  ModifyNetworkInterfaceAttributeCommand,
  RegisterImageCommand,
} from "@aws-sdk/client-ec2";
import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateTargetGroupCommand,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import {
  AddRoleToInstanceProfileCommand,
  CreateInstanceProfileCommand,
  CreateRoleCommand,
  PutRolePolicyCommand,
} from "@aws-sdk/client-iam";
import { PutParameterCommand } from "@aws-sdk/client-ssm";
import { knownGoodAmiParameter } from "../../facts/names";
import { TAG } from "../../facts/tags";
import type { AwsClients } from "../aws/clients";

export const WORKLOAD = "web";

export interface Workload {
  vpcId: string;
  publicSubnets: string[];
  privateSubnets: string[];
  albGroup: string;
  webGroup: string;
  roleName: string;
  profileArn: string;
  loadBalancerArn: string;
  targetGroupArn: string;
  asgName: string;
  launchTemplateName: string;
  /** The three instances the ASG launched, sorted. */
  instances: string[];
  parameter: string;
  amis: { older: string; knownGood: string; newer?: string };
}

const ec2Trust = JSON.stringify({
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }],
});

/** Registers an AMI the way a golden-image pipeline would name it. */
export async function registerAmi(c: AwsClients, name: string, description: string): Promise<string> {
  const res = await c.ec2.send(
    new RegisterImageCommand({
      Name: name,
      Description: description,
      Architecture: "x86_64",
      RootDeviceName: "/dev/xvda",
      VirtualizationType: "hvm",
      BlockDeviceMappings: [{ DeviceName: "/dev/xvda", Ebs: { VolumeSize: 8, VolumeType: "gp3" } }],
    }),
  );
  return res.ImageId!;
}

/** Publishes one version of the workload's known-good AMI parameter (SSM stamps it now). */
export async function publishAmi(c: AwsClients, parameter: string, amiId: string): Promise<void> {
  await c.ssm.send(
    new PutParameterCommand({ Name: parameter, Value: amiId, Type: "String", Overwrite: true }),
  );
}

async function network(c: AwsClients) {
  const ec2 = c.ec2;
  const vpcId = (await ec2.send(new CreateVpcCommand({ CidrBlock: "10.0.0.0/16" }))).Vpc!.VpcId!;
  const subnet = async (cidr: string, az: string) =>
    (
      await ec2.send(
        new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: cidr, AvailabilityZone: `${c.region}${az}` }),
      )
    ).Subnet!.SubnetId!;
  const publicSubnets = [await subnet("10.0.0.0/24", "a"), await subnet("10.0.1.0/24", "b")];
  const privateSubnets = [await subnet("10.0.10.0/24", "a"), await subnet("10.0.11.0/24", "b")];
  const group = async (name: string, description: string) =>
    (
      await ec2.send(
        new CreateSecurityGroupCommand({ GroupName: name, Description: description, VpcId: vpcId }),
      )
    ).GroupId!;
  const albGroup = await group(`${WORKLOAD}-alb`, "internet-facing load balancer");
  const webGroup = await group(`${WORKLOAD}-instances`, "web instances behind the load balancer");
  await ec2.send(
    new AuthorizeSecurityGroupIngressCommand({
      GroupId: albGroup,
      IpPermissions: [{ IpProtocol: "tcp", FromPort: 80, ToPort: 80, IpRanges: [{ CidrIp: "0.0.0.0/0" }] }],
    }),
  );
  // The way in of the ssh-backdoor scenario: SSH left open to the world "for debugging".
  await ec2.send(
    new AuthorizeSecurityGroupIngressCommand({
      GroupId: webGroup,
      IpPermissions: [
        { IpProtocol: "tcp", FromPort: 80, ToPort: 80, UserIdGroupPairs: [{ GroupId: albGroup }] },
        { IpProtocol: "tcp", FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: "0.0.0.0/0" }] },
      ],
    }),
  );
  return { vpcId, publicSubnets, privateSubnets, albGroup, webGroup };
}

async function role(c: AwsClients) {
  const roleName = `${WORKLOAD}-instance`;
  await c.iam.send(new CreateRoleCommand({ RoleName: roleName, AssumeRolePolicyDocument: ec2Trust }));
  await c.iam.send(
    new PutRolePolicyCommand({
      RoleName: roleName,
      PolicyName: "read-app-config",
      PolicyDocument: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          { Effect: "Allow", Action: ["s3:GetObject"], Resource: "arn:aws:s3:::web-app-config/*" },
          { Effect: "Allow", Action: ["ssm:GetParameter"], Resource: "*" },
          // Broader than the app needs, as roles often are: what the thief of its credentials uses.
          { Effect: "Allow", Action: ["s3:ListAllMyBuckets"], Resource: "*" },
          // What AmazonSSMManagedInstanceCore gives the SSM agent (moto has no AWS managed policies):
          // a workload whose memory and logs can be captured when it is hacked.
          {
            Effect: "Allow",
            Action: ["ssm:UpdateInstanceInformation", "ec2messages:*", "ssmmessages:*"],
            Resource: "*",
          },
        ],
      }),
    }),
  );
  const profile = await c.iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: roleName }));
  await c.iam.send(
    new AddRoleToInstanceProfileCommand({ InstanceProfileName: roleName, RoleName: roleName }),
  );
  return { roleName, profileArn: profile.InstanceProfile!.Arn! };
}

/** Seeds the workload; the newer AMI is published later, by `publishNewerAmi`. */
export async function seedWorkload(c: AwsClients): Promise<Workload> {
  const net = await network(c);
  const { roleName, profileArn } = await role(c);
  const older = await registerAmi(c, `${WORKLOAD}-golden-2026.10.12`, "web golden image, October build");
  const knownGood = await registerAmi(
    c,
    `${WORKLOAD}-golden-2026.11.19`,
    "web golden image, openssh patched",
  );
  const parameter = knownGoodAmiParameter(WORKLOAD);
  await publishAmi(c, parameter, older);
  await publishAmi(c, parameter, knownGood);

  const lb = await c.elbv2.send(
    new CreateLoadBalancerCommand({
      Name: `${WORKLOAD}-alb`,
      Subnets: net.publicSubnets,
      SecurityGroups: [net.albGroup],
      Scheme: "internet-facing",
      Type: "application",
    }),
  );
  const loadBalancerArn = lb.LoadBalancers![0]!.LoadBalancerArn!;
  const tg = await c.elbv2.send(
    new CreateTargetGroupCommand({
      Name: `${WORKLOAD}-tg`,
      Protocol: "HTTP",
      Port: 80,
      VpcId: net.vpcId,
      TargetType: "instance",
      HealthCheckPath: "/healthz",
    }),
  );
  const targetGroupArn = tg.TargetGroups![0]!.TargetGroupArn!;
  await c.elbv2.send(
    new CreateListenerCommand({
      LoadBalancerArn: loadBalancerArn,
      Protocol: "HTTP",
      Port: 80,
      DefaultActions: [{ Type: "forward", TargetGroupArn: targetGroupArn }],
    }),
  );

  // The fleet still runs the October image: the patched one was published, not rolled out yet.
  const launchTemplateName = `${WORKLOAD}-lt`;
  await c.ec2.send(
    new CreateLaunchTemplateCommand({
      LaunchTemplateName: launchTemplateName,
      LaunchTemplateData: {
        ImageId: older,
        InstanceType: "t3.small",
        IamInstanceProfile: { Arn: profileArn },
        MetadataOptions: { HttpTokens: "required", HttpPutResponseHopLimit: 1 },
        NetworkInterfaces: [{ DeviceIndex: 0, Groups: [net.webGroup] }],
      },
      // As the baseline's reference workload tags it: recovery may add versions only to workload templates.
      TagSpecifications: [
        { ResourceType: "launch-template", Tags: [{ Key: TAG.workload, Value: WORKLOAD }] },
      ],
    }),
  );
  const asgName = `${WORKLOAD}-asg`;
  await c.autoscaling.send(
    new CreateAutoScalingGroupCommand({
      AutoScalingGroupName: asgName,
      LaunchTemplate: { LaunchTemplateName: launchTemplateName, Version: "$Latest" },
      // Room to take one instance out: containment detaches it decrementing the desired capacity.
      MinSize: 2,
      MaxSize: 6,
      DesiredCapacity: 3,
      VPCZoneIdentifier: net.privateSubnets.join(","),
      TargetGroupARNs: [targetGroupArn],
      HealthCheckType: "ELB",
      HealthCheckGracePeriod: 60,
      Tags: [{ Key: TAG.workload, Value: WORKLOAD, PropagateAtLaunch: true }],
    }),
  );
  const group = await c.autoscaling.send(
    new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [asgName] }),
  );
  const instances = (group.AutoScalingGroups![0]!.Instances ?? []).map((i) => i.InstanceId!).sort();
  await applyLaunchTemplate(c, instances, profileArn, net.webGroup);
  return {
    ...net,
    roleName,
    profileArn,
    loadBalancerArn,
    targetGroupArn,
    asgName,
    launchTemplateName,
    instances,
    parameter,
    amis: { older, knownGood },
  };
}

/** moto launches ASG instances without the launch template's profile and ENI groups: apply them. */
export async function applyLaunchTemplate(
  c: AwsClients,
  instanceIds: string[],
  profileArn: string,
  group: string,
): Promise<void> {
  if (instanceIds.length === 0) return;
  const launched = await c.ec2.send(new DescribeInstancesCommand({ InstanceIds: instanceIds }));
  for (const i of launched.Reservations!.flatMap((r) => r.Instances!)) {
    await c.ec2.send(
      new AssociateIamInstanceProfileCommand({
        InstanceId: i.InstanceId,
        IamInstanceProfile: { Arn: profileArn },
      }),
    );
    for (const n of i.NetworkInterfaces ?? []) {
      await c.ec2.send(
        new ModifyNetworkInterfaceAttributeCommand({
          NetworkInterfaceId: n.NetworkInterfaceId,
          Groups: [group],
        }),
      );
    }
  }
}

/** Version 3: an image published after the compromise began (recovery must not pick it). */
export async function publishNewerAmi(c: AwsClients, w: Workload): Promise<string> {
  const newer = await registerAmi(
    c,
    `${WORKLOAD}-golden-2026.11.28`,
    "web golden image, built during the incident",
  );
  await publishAmi(c, w.parameter, newer);
  w.amis.newer = newer;
  return newer;
}
