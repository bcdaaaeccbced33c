/**
 * RecordLifecycleActionHeartbeat, which moto lacks: an instance held by a lifecycle hook (`Pending:Wait`
 * at launch, `Terminating:Wait` at termination) stays held for the hook's heartbeat timeout again. AWS
 * accepts it only for an instance with an active lifecycle action of that hook; anything else is a
 * ValidationError ("No active Lifecycle Action found with instance ID ..."). Held states come from the
 * asg-lifecycle-state overlay (moto cannot hold an instance); the hook must exist on the group in moto.
 * Heartbeats are recorded (`heartbeats`) so tests and the game day can see them.
 */
import { DescribeLifecycleHooksCommand } from "@aws-sdk/client-auto-scaling";
import type { RuleContext, StrictRule } from "../types";
import { overlaidLifecycleState } from "./asg-lifecycle-state";

/** Which transition's hook holds an instance in each wait state. */
const HELD_BY: Record<string, string> = {
  "Pending:Wait": "autoscaling:EC2_INSTANCE_LAUNCHING",
  "Warmed:Pending:Wait": "autoscaling:EC2_INSTANCE_LAUNCHING",
  "Terminating:Wait": "autoscaling:EC2_INSTANCE_TERMINATING",
  "Warmed:Terminating:Wait": "autoscaling:EC2_INSTANCE_TERMINATING",
};

export interface Heartbeat {
  group: string;
  hook: string;
  instanceId: string;
  at: number;
}

/** Heartbeats the layer accepted, oldest first. */
export const heartbeats = (ctx: RuleContext): Heartbeat[] =>
  ctx.state.of("asg-lifecycle-heartbeat", () => []);

const OK_BODY = `<RecordLifecycleActionHeartbeatResponse xmlns="http://autoscaling.amazonaws.com/doc/2011-01-01/"><RecordLifecycleActionHeartbeatResult/><ResponseMetadata><RequestId>strict-layer</RequestId></ResponseMetadata></RecordLifecycleActionHeartbeatResponse>`;

export const asgLifecycleHeartbeat: StrictRule = {
  id: "asg-lifecycle-heartbeat",
  title:
    "RecordLifecycleActionHeartbeat keeps an instance held by a lifecycle hook (Pending:Wait, Terminating:Wait) for the hook's timeout again; refused without an active lifecycle action (the layer answers it: moto lacks it)",
  source: "https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_RecordLifecycleActionHeartbeat.html",
  matches: (req) => req.service === "autoscaling" && req.operation === "RecordLifecycleActionHeartbeat",
  async before(req, ctx) {
    const group = req.params.AutoScalingGroupName ?? "";
    const instanceId = req.params.InstanceId ?? "";
    const state = overlaidLifecycleState(ctx, req.accountId, instanceId) ?? "";
    const hooks =
      (
        await ctx
          .moto(req.accountId, req.region)
          .autoscaling.send(new DescribeLifecycleHooksCommand({ AutoScalingGroupName: group }))
      ).LifecycleHooks ?? [];
    const active = hooks.some(
      (h) => h.LifecycleHookName === req.params.LifecycleHookName && h.LifecycleTransition === HELD_BY[state],
    );
    return active
      ? undefined
      : {
          status: 400,
          code: "ValidationError",
          message: `No active Lifecycle Action found with instance ID ${instanceId}`,
        };
  },
  answer(req, ctx) {
    heartbeats(ctx).push({
      group: req.params.AutoScalingGroupName ?? "",
      hook: req.params.LifecycleHookName ?? "",
      instanceId: req.params.InstanceId ?? "",
      at: ctx.now(),
    });
    return { status: 200, headers: { "content-type": "text/xml" }, body: Buffer.from(OK_BODY) };
  },
};
