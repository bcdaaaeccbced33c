/**
 * Rule iam-authorize on Auto Scaling: a group is authorised by its ARN (read from moto) and its tags
 * (aws:ResourceTag), and pointing it at a launch template asks whether the caller may launch from that
 * template (ec2:RunInstances with ec2:LaunchTemplate). The responder may update only workload groups.
 */
import {
  CreateAutoScalingGroupCommand,
  CreateOrUpdateTagsCommand,
  DescribeAutoScalingGroupsCommand,
  StartInstanceRefreshCommand,
  UpdateAutoScalingGroupCommand,
} from "@aws-sdk/client-auto-scaling";
import { CreateLaunchTemplateCommand, DescribeImagesCommand } from "@aws-sdk/client-ec2";
import { expect } from "chai";
import { asgNoReplacementOnTemplateVersion } from "../../automation/emulator/strict/rules/asg-no-replacement-on-template-version";
import { iamAuthorize } from "../../automation/emulator/strict/rules/iam-authorize";
import { stsSessions } from "../../automation/emulator/strict/rules/sts-sessions";
import { failure, responderContext, responderLayer } from "../helpers/iam-authorize";
import type { RuleLayer } from "../helpers/strict";

describe("strict rule iam-authorize: Auto Scaling", () => {
  let l: RuleLayer;
  let responder: RuleLayer["admin"];
  let groupArn: string;
  let templateId: string;

  before(async () => {
    ({ l, responder } = await responderLayer(responderContext("iam-asg"), [
      stsSessions,
      iamAuthorize,
      // moto has no instance refresh: the rule that plays it (after iam-authorize has let it through).
      asgNoReplacementOnTemplateVersion,
    ]));
    const image = (await l.admin.ec2.send(new DescribeImagesCommand({ Owners: ["amazon"] }))).Images![0]!
      .ImageId!;
    const lt = await l.admin.ec2.send(
      new CreateLaunchTemplateCommand({
        LaunchTemplateName: "iam-asg-web",
        LaunchTemplateData: { ImageId: image, InstanceType: "t3.micro" },
        TagSpecifications: [
          { ResourceType: "launch-template", Tags: [{ Key: "ir:workload", Value: "web" }] },
        ],
      }),
    );
    templateId = lt.LaunchTemplate!.LaunchTemplateId!;
    await l.admin.autoscaling.send(
      new CreateAutoScalingGroupCommand({
        AutoScalingGroupName: "iam-asg-web",
        LaunchTemplate: { LaunchTemplateId: templateId, Version: "$Latest" },
        MinSize: 0,
        MaxSize: 1,
        AvailabilityZones: ["us-east-1a"],
      }),
    );
    const g = await l.admin.autoscaling.send(
      new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ["iam-asg-web"] }),
    );
    groupArn = g.AutoScalingGroups![0]!.AutoScalingGroupARN!;
  });
  after(() => l.stop());

  // Runs first, while the group is untagged: a stolen session must not cycle every group of the account.
  it("StartInstanceRefresh is refused on a group without ir:workload", async () => {
    const err = await failure(
      responder.autoscaling.send(
        new StartInstanceRefreshCommand({
          AutoScalingGroupName: "iam-asg-web",
          Preferences: { SkipMatching: true },
        }),
      ),
    );
    expect(err.name).to.equal("AccessDenied");
    expect(err.message).to.contain(`autoscaling:StartInstanceRefresh on resource: ${groupArn}`);
  });

  it("UpdateAutoScalingGroup is refused on a group without ir:workload, allowed once the group is tagged", async () => {
    const update = new UpdateAutoScalingGroupCommand({
      AutoScalingGroupName: "iam-asg-web",
      LaunchTemplate: { LaunchTemplateId: templateId, Version: "1" },
    });
    const err = await failure(responder.autoscaling.send(update));
    expect(err.name).to.equal("AccessDenied");
    expect(err.message).to.contain(`autoscaling:UpdateAutoScalingGroup on resource: ${groupArn}`);
    // The tag write passes through the layer: the group's cached tags are dropped.
    await l.admin.autoscaling.send(
      new CreateOrUpdateTagsCommand({
        Tags: [
          {
            ResourceId: "iam-asg-web",
            ResourceType: "auto-scaling-group",
            Key: "ir:workload",
            Value: "web",
            PropagateAtLaunch: false,
          },
        ],
      }),
    );
    await responder.autoscaling.send(update);
    // Tagged now: recovery's instance refresh (recover-replace) is allowed on it.
    await responder.autoscaling.send(
      new StartInstanceRefreshCommand({
        AutoScalingGroupName: "iam-asg-web",
        Preferences: { SkipMatching: true },
      }),
    );
  });

  it("pointing a workload group at a template that is not a workload's is refused (ec2:RunInstances on the template)", async () => {
    const image = (await l.admin.ec2.send(new DescribeImagesCommand({ Owners: ["amazon"] }))).Images![0]!
      .ImageId!;
    const other = await l.admin.ec2.send(
      new CreateLaunchTemplateCommand({
        LaunchTemplateName: "iam-asg-other",
        LaunchTemplateData: { ImageId: image },
      }),
    );
    const id = other.LaunchTemplate!.LaunchTemplateId!;
    const err = await failure(
      responder.autoscaling.send(
        new UpdateAutoScalingGroupCommand({
          AutoScalingGroupName: "iam-asg-web",
          LaunchTemplate: { LaunchTemplateId: id, Version: "1" },
        }),
      ),
    );
    expect(err.name).to.equal("AccessDenied");
    expect(err.message).to.contain(
      `ec2:RunInstances on resource: arn:aws:ec2:us-east-1:123456789012:launch-template/${id}`,
    );
  });
});
