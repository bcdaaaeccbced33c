/**
 * The forensic side of the game day's account, as the baseline builds it (components/forensic-vpc.ts):
 * an isolated VPC (no internet gateway, no NAT) with a private subnet per AZ, the workstation security
 * group (no inbound at all: Session Manager only; outbound HTTPS to the VPC's endpoints), the
 * workstation role and profile, and a forensic AMI published to `/ir/forensic-ami`.
 */
import {
  AuthorizeSecurityGroupEgressCommand,
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  RevokeSecurityGroupEgressCommand,
} from "@aws-sdk/client-ec2";
import {
  AddRoleToInstanceProfileCommand,
  AttachRolePolicyCommand,
  CreateInstanceProfileCommand,
  CreateRoleCommand,
} from "@aws-sdk/client-iam";
import { FORENSIC_WORKSTATION_ROLE_NAME } from "../../facts/forensic";
import { SSM } from "../../facts/names";
import { MANAGED_BY, TAG } from "../../facts/tags";
import type { AwsClients } from "../aws/clients";
import { publishAmi, registerAmi } from "./seed";

export const FORENSIC_CIDR = "10.200.0.0/16";

export interface ForensicSeed {
  vpcId: string;
  subnetIds: string[];
  workstationSecurityGroupId: string;
  workstationInstanceProfile: string;
  amiParameter: string;
  amiId: string;
}

export async function seedForensic(c: AwsClients): Promise<ForensicSeed> {
  const ec2 = c.ec2;
  const tags = [
    { Key: TAG.managedBy, Value: MANAGED_BY },
    { Key: "Name", Value: "ir-forensic" },
  ];
  const vpcId = (
    await ec2.send(
      new CreateVpcCommand({
        CidrBlock: FORENSIC_CIDR,
        TagSpecifications: [{ ResourceType: "vpc", Tags: tags }],
      }),
    )
  ).Vpc!.VpcId!;
  const subnetIds: string[] = [];
  for (const [i, az] of ["a", "b"].entries()) {
    const s = await ec2.send(
      new CreateSubnetCommand({
        VpcId: vpcId,
        CidrBlock: `10.200.${i}.0/24`,
        AvailabilityZone: `${c.region}${az}`,
      }),
    );
    subnetIds.push(s.Subnet!.SubnetId!);
  }
  const group = (
    await ec2.send(
      new CreateSecurityGroupCommand({
        GroupName: "ir-forensic-workstation",
        Description: "forensic workstations: no inbound, HTTPS to the VPC endpoints only",
        VpcId: vpcId,
      }),
    )
  ).GroupId!;
  // Replace the default allow-all egress with HTTPS inside the VPC (the interface endpoints).
  await ec2.send(
    new RevokeSecurityGroupEgressCommand({
      GroupId: group,
      IpPermissions: [{ IpProtocol: "-1", IpRanges: [{ CidrIp: "0.0.0.0/0" }] }],
    }),
  );
  await ec2.send(
    new AuthorizeSecurityGroupEgressCommand({
      GroupId: group,
      IpPermissions: [
        { IpProtocol: "tcp", FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: FORENSIC_CIDR }] },
      ],
    }),
  );
  await c.iam.send(
    new CreateRoleCommand({
      RoleName: FORENSIC_WORKSTATION_ROLE_NAME,
      AssumeRolePolicyDocument: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          { Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" },
        ],
      }),
    }),
  );
  // As the baseline: Session Manager's managed policy, so the workstation's SSM agent can reach SSM.
  await c.iam.send(
    new AttachRolePolicyCommand({
      RoleName: FORENSIC_WORKSTATION_ROLE_NAME,
      PolicyArn: "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
    }),
  );
  await c.iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: FORENSIC_WORKSTATION_ROLE_NAME }));
  await c.iam.send(
    new AddRoleToInstanceProfileCommand({
      InstanceProfileName: FORENSIC_WORKSTATION_ROLE_NAME,
      RoleName: FORENSIC_WORKSTATION_ROLE_NAME,
    }),
  );
  const amiId = await registerAmi(
    c,
    "ir-forensic-2026.11.22",
    "forensic workstation: sleuthkit, volatility3, plaso",
  );
  await publishAmi(c, SSM.forensicAmi, amiId);
  return {
    vpcId,
    subnetIds,
    workstationSecurityGroupId: group,
    workstationInstanceProfile: FORENSIC_WORKSTATION_ROLE_NAME,
    amiParameter: SSM.forensicAmi,
    amiId,
  };
}
