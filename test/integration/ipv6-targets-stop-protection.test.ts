/**
 * An instance served over IPv6 (IP targets registered by its IPv6 address) is taken out of its target
 * groups like an IPv4 one, and release registers it again; containment turns stop protection on (a
 * stop wipes memory), and release puts it back as it was: off when it was off, on when it was on.
 */
import {
  AssignIpv6AddressesCommand,
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  DescribeInstanceAttributeCommand,
  DescribeInstancesCommand,
  ModifyInstanceAttributeCommand,
  RunInstancesCommand,
} from "@aws-sdk/client-ec2";
import {
  CreateTargetGroupCommand,
  DescribeTargetHealthCommand,
  RegisterTargetsCommand,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { expect } from "chai";
import { release } from "../../automation/respond/release";
import { type CaseResult, respond } from "../../automation/respond/respond";
import { type Account, setupAccount } from "../helpers/responder";

const unverified = (r: { steps: { id: string; status: string; detail?: string }[] }) =>
  JSON.stringify(r.steps.filter((s) => s.status !== "verified" && s.status !== "skipped"));

describe("IPv6 targets and stop protection: contained and released (integration)", function () {
  this.timeout(180_000);
  let a: Account;
  let instanceId: string;
  let v6: string;
  let v6Groups: { plain: string; upper: string };
  let contained: CaseResult;

  const targets = async (arn: string) =>
    (
      (await a.clients.elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: arn })))
        .TargetHealthDescriptions ?? []
    )
      .filter((d) => d.TargetHealth?.State !== "draining")
      .map((d) => `${d.Target!.Id}:${d.Target!.Port}`);
  const stopProtection = async (id: string) =>
    (
      await a.clients.ec2.send(
        new DescribeInstanceAttributeCommand({ InstanceId: id, Attribute: "disableApiStop" }),
      )
    ).DisableApiStop?.Value;

  before(async () => {
    a = await setupAccount();
    const ec2 = a.clients.ec2;
    // A dual-stack VPC, subnet and instance with one IPv6 address.
    const vpc = (
      await ec2.send(new CreateVpcCommand({ CidrBlock: "10.7.0.0/16", AmazonProvidedIpv6CidrBlock: true }))
    ).Vpc!;
    const block = vpc.Ipv6CidrBlockAssociationSet![0]!.Ipv6CidrBlock!;
    const subnet = (
      await ec2.send(
        new CreateSubnetCommand({
          VpcId: vpc.VpcId,
          CidrBlock: "10.7.1.0/24",
          Ipv6CidrBlock: block.replace("/56", "/64"),
          AvailabilityZone: `${a.clients.region}a`,
        }),
      )
    ).Subnet!.SubnetId!;
    const web = (
      await ec2.send(
        new CreateSecurityGroupCommand({ GroupName: "web6", Description: "web", VpcId: vpc.VpcId }),
      )
    ).GroupId!;
    instanceId = (
      await ec2.send(
        new RunInstancesCommand({
          ImageId: a.world.imageId,
          InstanceType: "t3.micro",
          MinCount: 1,
          MaxCount: 1,
          // Groups on the ENI (see test/helpers/world.ts); its IPv6 address assigned after launch.
          NetworkInterfaces: [{ DeviceIndex: 0, SubnetId: subnet, Groups: [web] }],
          IamInstanceProfile: { Arn: a.world.profileArn },
        }),
      )
    ).Instances![0]!.InstanceId!;
    const inst = (await ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] })))
      .Reservations![0]!.Instances![0]!;
    const eni = inst.NetworkInterfaces![0]!.NetworkInterfaceId!;
    v6 = (await ec2.send(new AssignIpv6AddressesCommand({ NetworkInterfaceId: eni, Ipv6AddressCount: 1 })))
      .AssignedIpv6Addresses![0]!;
    // Two IPv6 target groups: one registered with the address as EC2 spells it, one in capitals.
    const group = async (Name: string, Port: number, Id: string) => {
      const arn = (
        await a.clients.elbv2.send(
          new CreateTargetGroupCommand({
            Name,
            Protocol: "HTTP",
            Port,
            VpcId: vpc.VpcId,
            TargetType: "ip",
            IpAddressType: "ipv6",
          }),
        )
      ).TargetGroups![0]!.TargetGroupArn!;
      await a.clients.elbv2.send(
        new RegisterTargetsCommand({ TargetGroupArn: arn, Targets: [{ Id, Port }] }),
      );
      return arn;
    };
    v6Groups = {
      plain: await group("web6", 80, v6),
      upper: await group("web6-admin", 8443, v6.toUpperCase()),
    };
    [contained] = await respond({
      targets: [{ instanceId, source: { kind: "argument" } }],
      settings: a.settings,
      clients: a.responder,
      options: { dwellMs: 0, memory: false },
    });
  });

  it("finds the IPv6 targets (in any spelling) and deregisters them like IPv4 ones", async () => {
    expect(contained.status, unverified(contained)).to.equal("contained");
    const elb = contained.steps.find((s) => s.id === "elb-deregister")!;
    expect(elb.status, elb.detail).to.equal("verified");
    expect(elb.detail).to.equal("out of 2 target(s) and 0 classic ELB(s)");
    expect(await targets(v6Groups.plain)).to.deep.equal([]);
    expect(await targets(v6Groups.upper)).to.deep.equal([]);
  });

  it("turns stop protection on beside termination protection, recording it was off", async () => {
    expect(await stopProtection(instanceId)).to.equal(true);
    const protect = contained.steps.find((s) => s.id === "protect")!;
    expect(protect.status, protect.detail).to.equal("verified");
    expect(protect.detail).to.equal("protected (termination and stop)");
  });

  it("release registers the IPv6 targets again on their ports and turns stop protection off again", async () => {
    const r = await release({ caseId: contained.caseId!, settings: a.settings, clients: a.responder });
    expect(r.status, unverified(r)).to.equal("released");
    expect(await targets(v6Groups.plain)).to.deep.equal([`${v6}:80`]);
    expect((await targets(v6Groups.upper)).map((t) => t.toLowerCase())).to.deep.equal([`${v6}:8443`]);
    const restored = r.steps.find((s) => s.id === "restore-stop-protection")!;
    expect(restored.status, restored.detail).to.equal("verified");
    expect(await stopProtection(instanceId)).to.equal(false);
  });

  it("an instance whose stop protection was already on keeps it after release", async () => {
    const id = a.world.noProfile;
    await a.clients.ec2.send(
      new ModifyInstanceAttributeCommand({ InstanceId: id, DisableApiStop: { Value: true } }),
    );
    const [c] = await respond({
      targets: [{ instanceId: id, source: { kind: "argument" } }],
      settings: a.settings,
      clients: a.responder,
      options: { dwellMs: 0, memory: false },
    });
    expect(c!.status, unverified(c!)).to.equal("contained");
    const r = await release({ caseId: c!.caseId!, settings: a.settings, clients: a.responder });
    expect(r.status, unverified(r)).to.equal("released");
    expect(await stopProtection(id)).to.equal(true);
  });
});
