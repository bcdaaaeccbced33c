/**
 * Rule ec2-instance-groups-multi-eni: instance-level security groups (and source/destination check) on
 * an instance with two ENIs are refused (InvalidInstanceID); moto accepts them. One ENI: accepted.
 */
import {
  CreateSecurityGroupCommand,
  ModifyInstanceAttributeCommand,
  ModifyNetworkInterfaceAttributeCommand,
} from "@aws-sdk/client-ec2";
import { expect } from "chai";
import { ec2InstanceGroupsMultiEni } from "../../automation/emulator/strict/rules/ec2-instance-groups-multi-eni";
import { ec2Basics, errorOf as failure, launch } from "../helpers/ec2-basics";
import { type RuleLayer, startRuleLayer } from "../helpers/strict";

describe("strict rule ec2-instance-groups-multi-eni", () => {
  let l: RuleLayer;
  let group: string;
  let twoEni: { id: string; enis: string[] };
  let oneEni: string;

  before(async () => {
    l = await startRuleLayer([ec2InstanceGroupsMultiEni]);
    const b = await ec2Basics(l.admin);
    group = (
      await l.admin.ec2.send(
        new CreateSecurityGroupCommand({ GroupName: "iso", Description: "iso", VpcId: b.vpcId }),
      )
    ).GroupId!;
    const two = await launch(l.admin, b, {
      NetworkInterfaces: [
        { DeviceIndex: 0, SubnetId: b.subnetId },
        { DeviceIndex: 1, SubnetId: b.subnetId },
      ],
    });
    twoEni = { id: two.InstanceId!, enis: two.NetworkInterfaces!.map((n) => n.NetworkInterfaceId!) };
    oneEni = (await launch(l.admin, b)).InstanceId!;
  });
  after(() => l.stop());

  it("refuses instance-level groups and source/destination check on a two-ENI instance", async () => {
    const groups = await failure(
      l.admin.ec2.send(new ModifyInstanceAttributeCommand({ InstanceId: twoEni.id, Groups: [group] })),
    );
    expect(groups?.name).to.equal("InvalidInstanceID");
    expect(groups?.message).to.equal(
      `There are multiple interfaces attached to instance '${twoEni.id}'. Please specify an interface ID for the operation instead.`,
    );
    expect(l.layer.refusals().at(-1)?.rule).to.equal("ec2-instance-groups-multi-eni");
    const check = await failure(
      l.admin.ec2.send(
        new ModifyInstanceAttributeCommand({ InstanceId: twoEni.id, SourceDestCheck: { Value: false } }),
      ),
    );
    expect(check?.name).to.equal("InvalidInstanceID");
  });

  it("accepts the per-ENI change on the two-ENI instance, and the instance-level one with one ENI", async () => {
    for (const eni of twoEni.enis)
      await l.admin.ec2.send(
        new ModifyNetworkInterfaceAttributeCommand({ NetworkInterfaceId: eni, Groups: [group] }),
      );
    await l.admin.ec2.send(new ModifyInstanceAttributeCommand({ InstanceId: oneEni, Groups: [group] }));
    // Attributes that are the instance's own are not concerned.
    await l.admin.ec2.send(
      new ModifyInstanceAttributeCommand({ InstanceId: twoEni.id, DisableApiTermination: { Value: true } }),
    );
  });
});
