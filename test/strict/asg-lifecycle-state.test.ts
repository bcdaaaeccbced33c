/**
 * Rule asg-lifecycle-state: DetachInstances from InService or Standby, EnterStandby from InService,
 * ExitStandby from Standby, at most 20 ids; states moto cannot create (Pending:Wait, Warmed:*) come
 * from the rule's overlay and show in both Describe calls. moto moves any instance from any state.
 */
import {
  DescribeAutoScalingInstancesCommand,
  DetachInstancesCommand,
  EnterStandbyCommand,
  ExitStandbyCommand,
} from "@aws-sdk/client-auto-scaling";
import { expect } from "chai";
import {
  asgLifecycleState,
  setLifecycleState,
} from "../../automation/emulator/strict/rules/asg-lifecycle-state";
import { createGroup, groupInstances } from "../helpers/asg";
import { TEST_ACCOUNT } from "../helpers/moto";
import { type RuleLayer, startRuleLayer } from "../helpers/strict";

describe("strict rule asg-lifecycle-state", () => {
  let l: RuleLayer;
  let ids: string[];
  const G = "web";
  const attempt = (p: Promise<unknown>) =>
    p.then(
      () => undefined,
      (e: Error) => e,
    );
  const detach = (InstanceIds: string[]) =>
    attempt(
      l.admin.autoscaling.send(
        new DetachInstancesCommand({
          AutoScalingGroupName: G,
          InstanceIds,
          ShouldDecrementDesiredCapacity: true,
        }),
      ),
    );
  const enter = (id: string) =>
    attempt(
      l.admin.autoscaling.send(
        new EnterStandbyCommand({
          AutoScalingGroupName: G,
          InstanceIds: [id],
          ShouldDecrementDesiredCapacity: true,
        }),
      ),
    );
  const exit = (id: string) =>
    attempt(l.admin.autoscaling.send(new ExitStandbyCommand({ AutoScalingGroupName: G, InstanceIds: [id] })));

  before(async () => {
    l = await startRuleLayer([asgLifecycleState]);
    await createGroup(l.admin, G, 3);
    ids = (await groupInstances(l.admin, G)).map((i) => i.InstanceId!);
  });
  after(() => l.stop());

  it("an instance in Pending:Wait shows so, and cannot enter Standby or be detached", async () => {
    const id = ids[0]!;
    setLifecycleState(l.layer.ctx, TEST_ACCOUNT, id, "Pending:Wait");
    const described = await l.admin.autoscaling.send(
      new DescribeAutoScalingInstancesCommand({ InstanceIds: [id] }),
    );
    expect(described.AutoScalingInstances?.[0]?.LifecycleState).to.equal("Pending:Wait");
    expect((await groupInstances(l.admin, G)).find((i) => i.InstanceId === id)?.LifecycleState).to.equal(
      "Pending:Wait",
    );
    const e = await enter(id);
    expect(e?.name).to.equal("ValidationError");
    expect(e?.message).to.equal(`The instance ${id} is not in InService.`);
    expect((await detach([id]))?.message).to.equal(`The instance ${id} is not in InService or Standby.`);
    setLifecycleState(l.layer.ctx, TEST_ACCOUNT, id, undefined);
    expect(await enter(id)).to.equal(undefined);
  });

  it("Standby: not twice, ExitStandby only from it, DetachInstances from it", async () => {
    const id = ids[0]!; // in Standby since the last test
    expect((await enter(id))?.message).to.equal(`The instance ${id} is not in InService.`);
    expect((await exit(ids[1]!))?.message).to.equal(`The instance ${ids[1]} is not in Standby.`);
    expect(await detach([id])).to.equal(undefined);
    expect((await detach([id]))?.message).to.equal(
      `The instance ${id} is not part of Auto Scaling group ${G}.`,
    );
  });

  it("warm-pool and terminating states are refused too", async () => {
    for (const state of ["Warmed:Stopped", "Terminating:Wait", "Detaching"]) {
      setLifecycleState(l.layer.ctx, TEST_ACCOUNT, ids[2]!, state);
      expect((await detach([ids[2]!]))?.name, state).to.equal("ValidationError");
    }
    setLifecycleState(l.layer.ctx, TEST_ACCOUNT, ids[2]!, undefined);
  });

  it("at most 20 instances a call (refused before any instance is looked at)", async () => {
    const many = Array.from({ length: 21 }, (_, i) => `i-${String(i).padStart(17, "0")}`);
    const e = await detach(many);
    expect(e?.name).to.equal("ValidationError");
    expect(e?.message).to.contain("maximum number of instances to detach");
    expect((await detach(many.slice(0, 20)))?.message).to.contain("is not part of Auto Scaling group");
  });
});
