/**
 * `ir bootstrap --forensic`, network half: a minimal forensic VPC for accounts without the baseline
 * (an emulator, a game day, a trial account): no internet gateway, no NAT, one private subnet per AZ,
 * Session Manager through its VPC endpoints only (ssm, ssmmessages, ec2messages), a workstation group
 * with no inbound rule and HTTPS out to the endpoints only. No S3 path: the baseline's forensic VPC
 * (components/forensic-vpc.ts) adds the S3 gateway and the other endpoints for the forensic tools.
 * Found again by its `ir:role` tags, so a re-run creates nothing.
 */
import {
  AuthorizeSecurityGroupEgressCommand,
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  CreateVpcEndpointCommand,
  DescribeAvailabilityZonesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVpcEndpointsCommand,
  DescribeVpcsCommand,
  ModifyVpcAttributeCommand,
  RevokeSecurityGroupEgressCommand,
  type Tag,
} from "@aws-sdk/client-ec2";
import { SESSION_MANAGER_ENDPOINT_SERVICES } from "../../facts/forensic";
import { MANAGED_BY, TAG } from "../../facts/tags";
import type { AwsClients } from "../aws/clients";

/** `ir:role` values of what this module creates (the baseline's forensic VPC carries its own tags). */
export const FORENSIC_ROLES = {
  vpc: "forensic-vpc",
  subnet: "forensic-subnet",
  workstationGroup: "forensic-workstation",
  endpointGroup: "forensic-endpoints",
} as const;
export const FORENSIC_VPC_CIDR = "10.250.0.0/16";
export const WORKSTATION_GROUP_NAME = "ir-forensic-workstation";
export const ENDPOINT_GROUP_NAME = "ir-forensic-endpoints";

const tags = (role: string, name: string): Tag[] => [
  { Key: TAG.role, Value: role },
  { Key: TAG.managedBy, Value: MANAGED_BY },
  { Key: "Name", Value: name },
];
const spec = (type: "vpc" | "subnet" | "security-group" | "vpc-endpoint", role: string, name: string) => [
  { ResourceType: type, Tags: tags(role, name) },
];

export interface ForensicNetwork {
  vpcId: string;
  subnetIds: string[];
  workstationSecurityGroupId: string;
  /** What was created this time (empty on a re-run). */
  created: string[];
}

export async function findForensicVpc(clients: AwsClients): Promise<string | undefined> {
  const res = await clients.ec2.send(
    new DescribeVpcsCommand({
      Filters: [
        { Name: `tag:${TAG.role}`, Values: [FORENSIC_ROLES.vpc] },
        { Name: `tag:${TAG.managedBy}`, Values: [MANAGED_BY] },
      ],
    }),
  );
  return res.Vpcs?.[0]?.VpcId;
}

async function group(clients: AwsClients, vpcId: string, name: string, role: string, created: string[]) {
  const res = await clients.ec2.send(
    new DescribeSecurityGroupsCommand({
      Filters: [
        { Name: "vpc-id", Values: [vpcId] },
        { Name: "group-name", Values: [name] },
      ],
    }),
  );
  const found = res.SecurityGroups?.[0]?.GroupId;
  if (found) return { id: found, fresh: false };
  const id = (
    await clients.ec2.send(
      new CreateSecurityGroupCommand({
        GroupName: name,
        Description: `ir ${role}: no internet; https between workstations and endpoints only`,
        VpcId: vpcId,
        TagSpecifications: spec("security-group", role, name),
      }),
    )
  ).GroupId!;
  // No egress except what is granted below (a new group allows everything out).
  await clients.ec2.send(
    new RevokeSecurityGroupEgressCommand({
      GroupId: id,
      IpPermissions: [{ IpProtocol: "-1", IpRanges: [{ CidrIp: "0.0.0.0/0" }] }],
    }),
  );
  created.push(`${name} ${id}`);
  return { id, fresh: true };
}

async function endpoints(
  clients: AwsClients,
  vpcId: string,
  subnetIds: string[],
  groupId: string,
  created: string[],
) {
  const have = await clients.ec2.send(
    new DescribeVpcEndpointsCommand({ Filters: [{ Name: "vpc-id", Values: [vpcId] }] }),
  );
  const existing = new Set((have.VpcEndpoints ?? []).map((e) => e.ServiceName));
  const prefix = `com.amazonaws.${clients.region}.`;
  for (const svc of SESSION_MANAGER_ENDPOINT_SERVICES) {
    if (existing.has(`${prefix}${svc}`)) continue;
    const res = await clients.ec2.send(
      new CreateVpcEndpointCommand({
        VpcId: vpcId,
        ServiceName: `${prefix}${svc}`,
        VpcEndpointType: "Interface",
        SubnetIds: subnetIds,
        SecurityGroupIds: [groupId],
        PrivateDnsEnabled: true,
        TagSpecifications: spec("vpc-endpoint", FORENSIC_ROLES.vpc, `ir-forensic-${svc}`),
      }),
    );
    created.push(`endpoint ${svc} ${res.VpcEndpoint?.VpcEndpointId}`);
  }
}

/** Finds or creates the minimal forensic VPC; `zones` default to every available AZ of the region. */
export async function ensureForensicNetwork(clients: AwsClients, zones?: string[]): Promise<ForensicNetwork> {
  const ec2 = clients.ec2;
  const created: string[] = [];
  let vpcId = await findForensicVpc(clients);
  if (!vpcId) {
    vpcId = (
      await ec2.send(
        new CreateVpcCommand({
          CidrBlock: FORENSIC_VPC_CIDR,
          TagSpecifications: spec("vpc", FORENSIC_ROLES.vpc, "ir-forensic"),
        }),
      )
    ).Vpc!.VpcId!;
    created.push(`vpc ${vpcId}`);
    // Interface endpoints answer on the services' own names only with DNS support and hostnames on.
    await ec2.send(new ModifyVpcAttributeCommand({ VpcId: vpcId, EnableDnsSupport: { Value: true } }));
    await ec2.send(new ModifyVpcAttributeCommand({ VpcId: vpcId, EnableDnsHostnames: { Value: true } }));
  }
  const azs =
    zones ??
    (
      (
        await ec2.send(
          new DescribeAvailabilityZonesCommand({ Filters: [{ Name: "state", Values: ["available"] }] }),
        )
      ).AvailabilityZones ?? []
    )
      .map((z) => z.ZoneName!)
      .sort();
  const subnets =
    (await ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: "vpc-id", Values: [vpcId] }] })))
      .Subnets ?? [];
  const used = new Set(subnets.map((s) => s.CidrBlock));
  let next = 0;
  for (const az of azs) {
    if (subnets.some((s) => s.AvailabilityZone === az)) continue;
    while (used.has(`10.250.${next}.0/24`)) next++;
    const cidr = `10.250.${next}.0/24`;
    used.add(cidr);
    const s = await ec2.send(
      new CreateSubnetCommand({
        VpcId: vpcId,
        CidrBlock: cidr,
        AvailabilityZone: az,
        TagSpecifications: spec("subnet", FORENSIC_ROLES.subnet, `ir-forensic-${az}`),
      }),
    );
    subnets.push(s.Subnet!);
    created.push(`subnet ${s.Subnet!.SubnetId} (${az})`);
  }
  const subnetIds = subnets.map((s) => s.SubnetId!).sort();
  const ws = await group(clients, vpcId, WORKSTATION_GROUP_NAME, FORENSIC_ROLES.workstationGroup, created);
  const ep = await group(clients, vpcId, ENDPOINT_GROUP_NAME, FORENSIC_ROLES.endpointGroup, created);
  if (ws.fresh)
    await ec2.send(
      new AuthorizeSecurityGroupEgressCommand({
        GroupId: ws.id,
        IpPermissions: [
          { IpProtocol: "tcp", FromPort: 443, ToPort: 443, UserIdGroupPairs: [{ GroupId: ep.id }] },
        ],
      }),
    );
  if (ep.fresh)
    await ec2.send(
      new AuthorizeSecurityGroupIngressCommand({
        GroupId: ep.id,
        IpPermissions: [
          { IpProtocol: "tcp", FromPort: 443, ToPort: 443, UserIdGroupPairs: [{ GroupId: ws.id }] },
        ],
      }),
    );
  await endpoints(clients, vpcId, subnetIds, ep.id, created);
  return { vpcId, subnetIds, workstationSecurityGroupId: ws.id, created };
}
