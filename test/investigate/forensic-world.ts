/**
 * A forensic VPC in moto, as the baseline would publish it: a VPC with subnets in the given AZs, the
 * workstation group, the SSM-only workstation profile and the forensic AMI in its SSM parameter; plus
 * a contained case to investigate.
 */
import { CreateSecurityGroupCommand, CreateSubnetCommand, CreateVpcCommand } from "@aws-sdk/client-ec2";
import {
  AddRoleToInstanceProfileCommand,
  AttachRolePolicyCommand,
  CreateInstanceProfileCommand,
  CreateRoleCommand,
} from "@aws-sdk/client-iam";
import { PutParameterCommand } from "@aws-sdk/client-ssm";
import { expect } from "chai";
import type { AwsClients } from "../../automation/aws/clients";
import { respond } from "../../automation/respond/respond";
import type { ResolvedSettings } from "../../automation/settings/settings";
import { FORENSIC_WORKSTATION_ROLE_NAME } from "../../facts/forensic";
import { SSM } from "../../facts/names";
import type { Account } from "../helpers/responder";
import { SSM_MANAGED_INSTANCE_CORE_ARN } from "../helpers/ssm-policy";

export interface ForensicWorld {
  vpcId: string;
  subnets: Record<string, string>;
  groupId: string;
  profile: string;
  imageId: string;
}

export async function seedForensic(
  c: AwsClients,
  imageId: string,
  zones = ["a", "b"],
): Promise<ForensicWorld> {
  const vpcId = (await c.ec2.send(new CreateVpcCommand({ CidrBlock: "10.99.0.0/16" }))).Vpc!.VpcId!;
  const subnets: Record<string, string> = {};
  for (const [i, z] of zones.entries()) {
    const az = `${c.region}${z}`;
    subnets[az] = (
      await c.ec2.send(
        new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: `10.99.${i}.0/24`, AvailabilityZone: az }),
      )
    ).Subnet!.SubnetId!;
  }
  const groupId = (
    await c.ec2.send(
      new CreateSecurityGroupCommand({
        GroupName: "ir-forensic-workstation",
        Description: "ws",
        VpcId: vpcId,
      }),
    )
  ).GroupId!;
  const role = FORENSIC_WORKSTATION_ROLE_NAME;
  await c.iam.send(
    new CreateRoleCommand({
      RoleName: role,
      AssumeRolePolicyDocument: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          { Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" },
        ],
      }),
    }),
  );
  // As the baseline: Session Manager's managed policy, so the workstation's SSM agent can reach SSM.
  await c.iam.send(new AttachRolePolicyCommand({ RoleName: role, PolicyArn: SSM_MANAGED_INSTANCE_CORE_ARN }));
  await c.iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: role }));
  await c.iam.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: role, RoleName: role }));
  await c.ssm.send(
    new PutParameterCommand({ Name: SSM.forensicAmi, Value: imageId, Type: "String", Overwrite: true }),
  );
  return { vpcId, subnets, groupId, profile: role, imageId };
}

/** Settings with the forensic VPC, as `pulumi stack output responderSettings` would give them. */
export function withForensic(settings: ResolvedSettings, f: ForensicWorld): ResolvedSettings {
  return {
    ...settings,
    forensic: {
      vpcId: f.vpcId,
      subnetIds: Object.values(f.subnets),
      workstationSecurityGroupId: f.groupId,
      workstationInstanceProfile: f.profile,
      amiParameter: SSM.forensicAmi,
    },
  };
}

/** Contains an instance and returns its case id. */
export async function containedCase(a: Account, instanceId: string): Promise<string> {
  const [r] = await respond({
    targets: [{ instanceId, source: { kind: "argument" } }],
    settings: a.settings,
    clients: a.responder,
    options: { dwellMs: 0, memory: false },
  });
  expect(r!.status, JSON.stringify(r!.steps.filter((s) => s.status !== "verified"))).to.equal("contained");
  return r!.caseId!;
}
