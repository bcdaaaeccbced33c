/**
 * Rule asg-no-replacement-on-template-version. moto 5.2.1 already keeps instances in service on their
 * AMI when a template version is added or the group is pointed at it, and launches new instances from
 * the new version: those checks are guards. What moto gets wrong: every instance reports the template's
 * default version (the rule shows the version each was launched from), and it has no instance refresh.
 */
import {
  DescribeInstanceRefreshesCommand,
  DetachInstancesCommand,
  SetDesiredCapacityCommand,
  StartInstanceRefreshCommand,
  UpdateAutoScalingGroupCommand,
} from "@aws-sdk/client-auto-scaling";
import { CreateLaunchTemplateVersionCommand, DescribeInstancesCommand } from "@aws-sdk/client-ec2";
import { expect } from "chai";
import { asgNoReplacementOnTemplateVersion } from "../../automation/emulator/strict/rules/asg-no-replacement-on-template-version";
import { createGroup, groupInstances, type SmallGroup } from "../helpers/asg";
import { type RuleLayer, startRuleLayer } from "../helpers/strict";

describe("strict rule asg-no-replacement-on-template-version", () => {
  let l: RuleLayer;
  let g: SmallGroup;
  let first: string[];
  /** instance id → "<template version>/<ImageId>" as Auto Scaling and EC2 report them. */
  const fleet = async () => {
    const members = await groupInstances(l.admin, g.name);
    const ids = members.map((i) => i.InstanceId!);
    const ec2 = await l.admin.ec2.send(new DescribeInstancesCommand({ InstanceIds: ids }));
    const image = new Map(
      ec2.Reservations!.flatMap((r) => r.Instances!).map((i) => [i.InstanceId!, i.ImageId!]),
    );
    return Object.fromEntries(
      members.map((i) => [i.InstanceId!, `${i.LaunchTemplate?.Version}/${image.get(i.InstanceId!)}`]),
    );
  };

  before(async () => {
    l = await startRuleLayer([asgNoReplacementOnTemplateVersion]);
    g = await createGroup(l.admin, "web", 2);
    first = Object.keys(await fleet());
  });
  after(() => l.stop());

  it("a new version, and pointing the group at it, leave the instances in service as they are", async () => {
    const v1 = `1/${g.images[0]}`;
    await l.admin.ec2.send(
      new CreateLaunchTemplateVersionCommand({
        LaunchTemplateName: g.template,
        LaunchTemplateData: { ImageId: g.images[1], InstanceType: "t3.micro" },
      }),
    );
    await l.admin.autoscaling.send(
      new UpdateAutoScalingGroupCommand({
        AutoScalingGroupName: g.name,
        LaunchTemplate: { LaunchTemplateName: g.template, Version: "2" },
      }),
    );
    expect(await fleet()).to.deep.equal(Object.fromEntries(first.map((id) => [id, v1])));
  });

  it("new launches use the new version, and say so (moto says version 1)", async () => {
    await l.admin.autoscaling.send(
      new SetDesiredCapacityCommand({ AutoScalingGroupName: g.name, DesiredCapacity: 3 }),
    );
    await l.admin.autoscaling.send(
      new DetachInstancesCommand({
        AutoScalingGroupName: g.name,
        InstanceIds: [first[0]!],
        ShouldDecrementDesiredCapacity: false,
      }),
    );
    const now = await fleet();
    expect(Object.keys(now)).to.have.length(3).and.include(first[1]!).and.not.include(first[0]!);
    const launched = Object.entries(now).filter(([id]) => !first.includes(id));
    expect(launched.map(([, v]) => v)).to.deep.equal([`2/${g.images[1]}`, `2/${g.images[1]}`]);
    expect(now[first[1]!]).to.equal(`1/${g.images[0]}`);
  });

  it("an instance refresh (SkipMatching) replaces what runs the old version, and reports Successful", async () => {
    const { InstanceRefreshId } = await l.admin.autoscaling.send(
      new StartInstanceRefreshCommand({ AutoScalingGroupName: g.name, Preferences: { SkipMatching: true } }),
    );
    const now = await fleet();
    expect(Object.keys(now)).to.have.length(3).and.not.include(first[1]!);
    expect(new Set(Object.values(now))).to.deep.equal(new Set([`2/${g.images[1]}`]));
    const refreshes = await l.admin.autoscaling.send(
      new DescribeInstanceRefreshesCommand({ AutoScalingGroupName: g.name }),
    );
    expect(refreshes.InstanceRefreshes?.[0]).to.include({ InstanceRefreshId, Status: "Successful" });
  });
});
