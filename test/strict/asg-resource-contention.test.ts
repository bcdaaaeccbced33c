/**
 * Rule asg-resource-contention: one update at a time per Auto Scaling group; a second mutating call
 * while the first is in flight answers ResourceContention (500). moto never refuses.
 */
import { DetachInstancesCommand, SetInstanceProtectionCommand } from "@aws-sdk/client-auto-scaling";
import { expect } from "chai";
import { asgResourceContention } from "../../automation/emulator/strict/rules/asg-resource-contention";
import { createGroup, groupInstances } from "../helpers/asg";
import { type RuleLayer, startRuleLayer } from "../helpers/strict";

describe("strict rule asg-resource-contention", () => {
  let l: RuleLayer;
  let ids: string[];
  const detach = (id: string) =>
    l.admin.autoscaling
      .send(
        new DetachInstancesCommand({
          AutoScalingGroupName: "web",
          InstanceIds: [id],
          ShouldDecrementDesiredCapacity: true,
        }),
      )
      .then(
        () => undefined,
        (e: Error & { $metadata?: { httpStatusCode?: number } }) => e,
      );

  before(async () => {
    l = await startRuleLayer([asgResourceContention]);
    await createGroup(l.admin, "web", 8);
    ids = (await groupInstances(l.admin, "web")).map((i) => i.InstanceId!);
  });
  after(() => l.stop());

  it("five DetachInstances on one group at once: at least one answers ResourceContention (500)", async () => {
    const results = await Promise.all(ids.slice(0, 5).map(detach));
    const refused = results.filter((e) => e !== undefined);
    expect(refused.length).to.be.within(1, 4);
    for (const e of refused) expect(e!.$metadata?.httpStatusCode).to.equal(500);
    const decisions = l.layer.refusals().filter((r) => r.rule === "asg-resource-contention");
    expect(decisions.map((d) => d.code)).to.deep.equal(refused.map(() => "ResourceContention"));
    expect(decisions[0]!.message).to.contain("You already have a pending update to an Auto Scaling resource");
  });

  it("the same calls one after another all pass, whatever call came before", async () => {
    const left = (await groupInstances(l.admin, "web")).map((i) => i.InstanceId!);
    await l.admin.autoscaling.send(
      new SetInstanceProtectionCommand({
        AutoScalingGroupName: "web",
        InstanceIds: left,
        ProtectedFromScaleIn: false,
      }),
    );
    for (const id of left.slice(0, 2)) expect(await detach(id)).to.equal(undefined);
  });
});
