/**
 * Rule asg-lifecycle-heartbeat: RecordLifecycleActionHeartbeat (which moto lacks) is accepted for an
 * instance a hook of the matching transition holds (Pending:Wait: launch hook; Terminating:Wait:
 * termination hook), and refused with ValidationError otherwise, as AWS does.
 */
import { PutLifecycleHookCommand, RecordLifecycleActionHeartbeatCommand } from "@aws-sdk/client-auto-scaling";
import { expect } from "chai";
import {
  asgLifecycleHeartbeat,
  heartbeats,
} from "../../automation/emulator/strict/rules/asg-lifecycle-heartbeat";
import {
  asgLifecycleState,
  setLifecycleState,
} from "../../automation/emulator/strict/rules/asg-lifecycle-state";
import { createGroup, groupInstances } from "../helpers/asg";
import { TEST_ACCOUNT } from "../helpers/moto";
import { type RuleLayer, startRuleLayer } from "../helpers/strict";

describe("strict rule asg-lifecycle-heartbeat", () => {
  let l: RuleLayer;
  let ids: string[];
  const G = "web";
  const beat = (hook: string, id: string) =>
    l.admin.autoscaling
      .send(
        new RecordLifecycleActionHeartbeatCommand({
          AutoScalingGroupName: G,
          LifecycleHookName: hook,
          InstanceId: id,
        }),
      )
      .then(
        () => undefined,
        (e: Error) => e,
      );

  before(async () => {
    l = await startRuleLayer([asgLifecycleState, asgLifecycleHeartbeat]);
    await createGroup(l.admin, G, 3);
    ids = (await groupInstances(l.admin, G)).map((i) => i.InstanceId!);
    for (const [name, transition] of [
      ["on-launch", "autoscaling:EC2_INSTANCE_LAUNCHING"],
      ["on-terminate", "autoscaling:EC2_INSTANCE_TERMINATING"],
    ] as const) {
      await l.admin.autoscaling.send(
        new PutLifecycleHookCommand({
          AutoScalingGroupName: G,
          LifecycleHookName: name,
          LifecycleTransition: transition,
          HeartbeatTimeout: 300,
        }),
      );
    }
  });
  after(() => l.stop());

  it("a held instance: the heartbeat to the hook that holds it is accepted and recorded", async () => {
    setLifecycleState(l.layer.ctx, TEST_ACCOUNT, ids[0]!, "Terminating:Wait");
    expect(await beat("on-terminate", ids[0]!)).to.equal(undefined);
    expect(heartbeats(l.layer.ctx).map((h) => [h.hook, h.instanceId])).to.deep.equal([
      ["on-terminate", ids[0]],
    ]);
  });

  it("the hook of the other transition, or an instance no hook holds: ValidationError", async () => {
    setLifecycleState(l.layer.ctx, TEST_ACCOUNT, ids[1]!, "Pending:Wait");
    const wrongHook = await beat("on-terminate", ids[1]!);
    expect(wrongHook?.name).to.equal("ValidationError");
    expect(wrongHook?.message).to.equal(`No active Lifecycle Action found with instance ID ${ids[1]}`);
    expect((await beat("on-launch", ids[2]!))?.name).to.equal("ValidationError");
    expect(await beat("on-launch", ids[1]!)).to.equal(undefined);
  });
});
