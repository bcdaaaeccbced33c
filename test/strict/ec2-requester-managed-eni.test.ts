/**
 * Rule ec2-requester-managed-eni: an ENI a service manages (here an ECS task's, marked on a real moto ENI)
 * refuses ModifyNetworkInterfaceAttribute and reads requesterManaged=true; moto has no such ENIs.
 */
import {
  DescribeNetworkInterfacesCommand,
  ModifyNetworkInterfaceAttributeCommand,
} from "@aws-sdk/client-ec2";
import { expect } from "chai";
import {
  ec2RequesterManagedEni,
  markRequesterManaged,
} from "../../automation/emulator/strict/rules/ec2-requester-managed-eni";
import { ec2Basics, errorOf, launch } from "../helpers/ec2-basics";
import { TEST_ACCOUNT } from "../helpers/moto";
import { type RuleLayer, startRuleLayer } from "../helpers/strict";

describe("strict rule ec2-requester-managed-eni", () => {
  let l: RuleLayer;
  let primary: string;
  let task: string;
  let groups: string[];
  before(async () => {
    l = await startRuleLayer([ec2RequesterManagedEni]);
    const b = await ec2Basics(l.admin);
    const i = await launch(l.admin, b, {
      NetworkInterfaces: [
        { DeviceIndex: 0, SubnetId: b.subnetId },
        { DeviceIndex: 1, SubnetId: b.subnetId },
      ],
    });
    const enis = i.NetworkInterfaces!.sort((a, b) => a.Attachment!.DeviceIndex! - b.Attachment!.DeviceIndex!);
    primary = enis[0]!.NetworkInterfaceId!;
    task = enis[1]!.NetworkInterfaceId!;
    groups = enis[0]!.Groups!.map((g) => g.GroupId!);
    // An ECS awsvpc task's ENI on this container instance.
    markRequesterManaged(l.layer.ctx, TEST_ACCOUNT, task, "amazon-ecs");
  });
  after(() => l.stop());

  const modify = (eni: string) =>
    l.admin.ec2.send(new ModifyNetworkInterfaceAttributeCommand({ NetworkInterfaceId: eni, Groups: groups }));

  it("refuses to change the task's ENI, changes the instance's own", async () => {
    const err = await errorOf(modify(task));
    expect(err?.name).to.equal("AuthFailure");
    expect(l.layer.refusals().at(-1)?.rule).to.equal("ec2-requester-managed-eni");
    await modify(primary);
  });

  it("describes the task's ENI as requester-managed by ECS, the instance's own as not", async () => {
    const res = await l.admin.ec2.send(
      new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [primary, task] }),
    );
    const byId = new Map(res.NetworkInterfaces!.map((n) => [n.NetworkInterfaceId!, n]));
    expect(byId.get(task)).to.include({ RequesterManaged: true, RequesterId: "amazon-ecs" });
    expect(byId.get(primary)?.RequesterManaged).to.equal(false);
    expect(byId.get(primary)?.RequesterId).to.not.equal("amazon-ecs");
  });
});
