/**
 * Half-created isolation groups (a responder killed, or a connection reset, between CreateSecurityGroup
 * and its rules): the next run finds the groups by name and must finish their rules, not trust them,
 * or containment never verifies. And forensic egress, wherever the groups come from: HTTPS to the
 * Region's S3 prefix list and the VPC's SSM endpoints only, never 0.0.0.0/0 or ::/0; without SSM
 * endpoints the plan and the record say an isolated host cannot reach SSM.
 */
import {
  AuthorizeSecurityGroupEgressCommand,
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  CreateVpcEndpointCommand,
  DescribeManagedPrefixListsCommand,
  DescribeSecurityGroupsCommand,
  type IpPermission,
  RevokeSecurityGroupEgressCommand,
  type SecurityGroup,
} from "@aws-sdk/client-ec2";
import { expect } from "chai";
import type { AwsClients } from "../../automation/aws/clients";
import { respond } from "../../automation/respond/respond";
import { checkGroupRules, IsolationGroupResolver } from "../../automation/steps/isolation-groups";
import { isolationGroupNames } from "../../facts/names";
import { ROLE_TAG_VALUES, TAG } from "../../facts/tags";
import { type Account, setupAccount } from "../helpers/responder";

/** Every CIDR a group's rules name (the prefix list and group references are not CIDRs). */
const cidrs = (perms: IpPermission[] | undefined) =>
  (perms ?? []).flatMap((p) => [
    ...(p.IpRanges ?? []).map((r) => r.CidrIp),
    ...(p.Ipv6Ranges ?? []).map((r) => r.CidrIpv6),
  ]);

async function group(c: AwsClients, id: string): Promise<SecurityGroup> {
  const res = await c.ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [id] }));
  return res.SecurityGroups![0]!;
}

async function s3PrefixList(c: AwsClients): Promise<string> {
  const res = await c.ec2.send(
    new DescribeManagedPrefixListsCommand({
      Filters: [{ Name: "prefix-list-name", Values: [`com.amazonaws.${c.region}.s3`] }],
    }),
  );
  return res.PrefixLists![0]!.PrefixListId!;
}

/** A VPC with IPv6 (new groups get ::/0 egress there too), one subnet, and SSM endpoints in `groupOf`. */
async function vpcWithSsmEndpoints(a: Account, endpointGroup: "own" | "default" | "none") {
  const ec2 = a.clients.ec2;
  const vpc = (
    await ec2.send(new CreateVpcCommand({ CidrBlock: "10.9.0.0/16", AmazonProvidedIpv6CidrBlock: true }))
  ).Vpc!;
  const subnet = (
    await ec2.send(
      new CreateSubnetCommand({
        VpcId: vpc.VpcId,
        CidrBlock: "10.9.1.0/24",
        AvailabilityZone: `${a.clients.region}a`,
      }),
    )
  ).Subnet!.SubnetId!;
  const defaultGroup = (
    await ec2.send(
      new DescribeSecurityGroupsCommand({
        Filters: [
          { Name: "vpc-id", Values: [vpc.VpcId!] },
          { Name: "group-name", Values: ["default"] },
        ],
      }),
    )
  ).SecurityGroups![0]!.GroupId!;
  const own = (
    await ec2.send(
      new CreateSecurityGroupCommand({
        GroupName: "ssm-endpoints",
        Description: "endpoints",
        VpcId: vpc.VpcId,
      }),
    )
  ).GroupId!;
  if (endpointGroup !== "none")
    for (const service of ["ssm", "ssmmessages", "ec2messages"])
      await ec2.send(
        new CreateVpcEndpointCommand({
          VpcId: vpc.VpcId,
          ServiceName: `com.amazonaws.${a.clients.region}.${service}`,
          VpcEndpointType: "Interface",
          SubnetIds: [subnet],
          SecurityGroupIds: [endpointGroup === "own" ? own : defaultGroup],
          PrivateDnsEnabled: true,
        }),
      );
  return { vpcId: vpc.VpcId!, endpointGroup: own };
}

describe("isolation groups left half-created are finished by the next run (integration)", function () {
  this.timeout(120_000);

  it("GIVEN an untrack group without rules and an isolation group with the default egress WHEN respond runs THEN both converge and the instance is contained", async () => {
    const a = await setupAccount();
    const names = isolationGroupNames(a.world.vpcId);
    // What a crash right after the creates leaves: the groups exist, with AWS's defaults only.
    // Tagged on create, as ir creates them (the responder may change rules only on ir:role groups).
    for (const [name, role] of [
      [names.untrack, ROLE_TAG_VALUES.untrackGroup],
      [names.isolation, ROLE_TAG_VALUES.isolationGroup],
    ] as const)
      await a.clients.ec2.send(
        new CreateSecurityGroupCommand({
          GroupName: name,
          Description: "half-created",
          VpcId: a.world.vpcId,
          TagSpecifications: [{ ResourceType: "security-group", Tags: [{ Key: TAG.role, Value: role }] }],
        }),
      );
    const [r] = await respond({
      targets: [{ instanceId: a.world.solo, source: { kind: "argument" } }],
      settings: a.settings,
      clients: a.responder,
      options: { dwellMs: 0, memory: false },
    });
    const groupsStep = r!.steps.find((s) => s.id === "isolation-groups");
    expect(groupsStep?.status, groupsStep?.detail).to.equal("verified");
    expect(r!.status, JSON.stringify(r!.steps.filter((s) => s.status !== "verified"))).to.equal("contained");
    const res = await a.clients.ec2.send(
      new DescribeSecurityGroupsCommand({
        Filters: [
          { Name: "vpc-id", Values: [a.world.vpcId] },
          { Name: "group-name", Values: [names.untrack, names.isolation] },
        ],
      }),
    );
    const byName = new Map((res.SecurityGroups ?? []).map((g) => [g.GroupName, g]));
    expect(res.SecurityGroups, "no duplicate group").to.have.length(2);
    expect(checkGroupRules(byName.get(names.untrack), byName.get(names.isolation))).to.equal(undefined);
  });

  it("GIVEN an untrack group by name without ir:role (made by hand) WHEN respond runs THEN the groups step fails naming the group and the tag that adopts it, and nothing is contained half-way", async () => {
    const a = await setupAccount();
    const names = isolationGroupNames(a.world.vpcId);
    const id = (
      await a.clients.ec2.send(
        new CreateSecurityGroupCommand({
          GroupName: names.untrack,
          Description: "by hand",
          VpcId: a.world.vpcId,
        }),
      )
    ).GroupId!;
    const [r] = await respond({
      targets: [{ instanceId: a.world.solo, source: { kind: "argument" } }],
      settings: a.settings,
      clients: a.responder,
      options: { dwellMs: 0, memory: false },
    });
    const groupsStep = r!.steps.find((s) => s.id === "isolation-groups");
    expect(groupsStep?.status).to.equal("failed");
    expect(groupsStep?.detail).to.contain(
      `security group ${id} (${names.untrack}) has the untrack group's name but no ir:role tag`,
    );
    expect(groupsStep?.detail).to.contain(`--tags Key=ir:role,Value=${ROLE_TAG_VALUES.untrackGroup}`);
    expect(r!.status).to.not.equal("contained");
  });

  it("GIVEN a VPC with IPv6 and SSM interface endpoints WHEN the fallback creates the groups THEN forensic egress is HTTPS to the S3 prefix list and the endpoints' group only, and nothing keeps ::/0", async () => {
    const a = await setupAccount();
    const { vpcId, endpointGroup } = await vpcWithSsmEndpoints(a, "own");
    const g = await new IsolationGroupResolver().ensure(
      { clients: a.responder, settings: a.settings },
      vpcId,
    );
    expect(g.created).to.have.length(3);
    const pl = await s3PrefixList(a.clients);
    expect(g.forensicReach).to.deep.equal({
      s3PrefixListId: pl,
      ssmEndpointGroups: [endpointGroup],
      ssm: true,
    });

    const forensic = await group(a.clients, g.forensicEgress!);
    expect(forensic.IpPermissions ?? []).to.deep.equal([]);
    expect(cidrs(forensic.IpPermissionsEgress), "no CIDR at all: no 0.0.0.0/0, no ::/0").to.deep.equal([]);
    const rules = (forensic.IpPermissionsEgress ?? []).flatMap((p) => [
      ...(p.PrefixListIds ?? []).map((x) => `${p.IpProtocol} ${p.FromPort}-${p.ToPort} ${x.PrefixListId}`),
      ...(p.UserIdGroupPairs ?? []).map((x) => `${p.IpProtocol} ${p.FromPort}-${p.ToPort} ${x.GroupId}`),
    ]);
    expect(rules.sort()).to.deep.equal([`tcp 443-443 ${pl}`, `tcp 443-443 ${endpointGroup}`].sort());
    // AWS gives a new group ::/0 egress too in a VPC with an IPv6 block: isolation keeps none of it.
    const isolation = await group(a.clients, g.isolation);
    expect(isolation.IpPermissionsEgress ?? []).to.deep.equal([]);
  });

  it("GIVEN SSM endpoints in the VPC's default security group THEN forensic egress does not reference it (HTTPS to it would reach every instance there) and says why", async () => {
    const a = await setupAccount();
    const { vpcId } = await vpcWithSsmEndpoints(a, "default");
    const g = await new IsolationGroupResolver().ensure(
      { clients: a.responder, settings: a.settings },
      vpcId,
    );
    expect(g.forensicReach?.ssm).to.equal(false);
    expect(g.forensicReach?.problem).to.match(/in the VPC's default security group/);
    const forensic = await group(a.clients, g.forensicEgress!);
    expect((forensic.IpPermissionsEgress ?? []).flatMap((p) => p.UserIdGroupPairs ?? [])).to.deep.equal([]);
    expect(cidrs(forensic.IpPermissionsEgress)).to.deep.equal([]);
  });

  it("GIVEN a VPC without SSM endpoints and a forensic-egress group of an older version (HTTPS to 0.0.0.0/0) WHEN plan then respond run THEN the world rule goes, S3 stays reachable, and both say SSM cannot be reached", async () => {
    const a = await setupAccount();
    const names = isolationGroupNames(a.world.vpcId);
    const old = (
      await a.clients.ec2.send(
        new CreateSecurityGroupCommand({
          GroupName: names.forensicEgress,
          Description: "old",
          VpcId: a.world.vpcId,
          TagSpecifications: [
            {
              ResourceType: "security-group",
              Tags: [{ Key: TAG.role, Value: ROLE_TAG_VALUES.forensicEgressGroup }],
            },
          ],
        }),
      )
    ).GroupId!;
    await a.clients.ec2.send(
      new RevokeSecurityGroupEgressCommand({
        GroupId: old,
        IpPermissions: [{ IpProtocol: "-1", IpRanges: [{ CidrIp: "0.0.0.0/0" }] }],
      }),
    );
    await a.clients.ec2.send(
      new AuthorizeSecurityGroupEgressCommand({
        GroupId: old,
        IpPermissions: [
          { IpProtocol: "tcp", FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: "0.0.0.0/0" }] },
        ],
      }),
    );
    const target = [{ instanceId: a.world.solo, source: { kind: "argument" as const } }];

    const [plan] = await respond({
      targets: target,
      settings: a.settings,
      clients: a.responder,
      dryRun: true,
    });
    const changes = plan!.steps.find((s) => s.id === "isolation-groups")!.changes ?? [];
    expect(changes.find((c) => c.action === "ec2:RevokeSecurityGroupEgress")).to.deep.include({
      target: old,
    });
    expect(changes.find((c) => c.action === "ec2:RevokeSecurityGroupEgress")!.detail).to.include(
      "tcp 443-443 to 0.0.0.0/0",
    );
    const pl = await s3PrefixList(a.clients);
    expect(changes.find((c) => c.action === "ec2:AuthorizeSecurityGroupEgress")!.detail).to.equal(
      `allow HTTPS to S3 (${pl})`,
    );
    expect(changes.find((c) => c.action === "ec2:DescribeVpcEndpoints")!.detail).to.match(
      /no usable SSM interface endpoint for ec2messages, ssm, ssmmessages in vpc-[0-9a-f]+: an isolated host cannot reach SSM/,
    );

    const [r] = await respond({
      targets: target,
      settings: a.settings,
      clients: a.responder,
      options: { dwellMs: 0, memory: false },
    });
    const step = r!.steps.find((s) => s.id === "isolation-groups")!;
    expect(step.status, step.detail).to.equal("verified");
    expect(step.detail).to.match(
      /forensic egress: HTTPS to S3 \(pl-[0-9a-f]+\) only; .*an isolated host cannot reach SSM/,
    );
    const forensic = await group(a.clients, old);
    expect(cidrs(forensic.IpPermissionsEgress), "the old HTTPS to 0.0.0.0/0 is gone").to.deep.equal([]);
    expect(
      (forensic.IpPermissionsEgress ?? []).flatMap((p) => p.PrefixListIds ?? []).map((x) => x.PrefixListId),
    ).to.deep.equal([pl]);
  });
});
