/**
 * asg-out-of-service: detach from the Auto Scaling group (or scale-in protection and Standby) before the
 * isolation (through the response's one writer per group: batched, contention waited out): an isolated instance fails its health checks and the group would terminate it,
 * evidence and all (termination protection does not stop an ASG). Not decrementing the desired capacity
 * (the default) makes the group launch a replacement at once.
 */
import {
  DescribeAutoScalingInstancesCommand,
  DescribeLifecycleHooksCommand,
  RecordLifecycleActionHeartbeatCommand,
} from "@aws-sdk/client-auto-scaling";
import { type CaseContext, facts } from "../case/context";
import type { Json, Step } from "../engine/types";
import type { AsgWriter } from "./asg-writer";
import { mayHaveRun } from "./util";

/**
 * What to do with an instance in each Auto Scaling lifecycle state. DetachInstances works from InService
 * and Standby, EnterStandby from InService only; every other state answers ValidationError, so the step
 * decides instead of failing (and isolation, which comes after it, runs in every case):
 * - "act": detach or Standby as asked;
 * - "done": already leaving or out (Detaching, Detached, EnteringStandby, Standby when Standby was asked);
 * - "heartbeat": a lifecycle hook holds it (Pending:Wait, Terminating:Wait): cannot be detached, but a
 *   heartbeat to the hook keeps it held for the hook's timeout again (a held termination waits while
 *   the evidence is taken); isolate anyway;
 * - "leave": the group cannot let go of it now (Pending, Pending:Proceed, Terminating, a warm pool's
 *   Warmed:*): isolate anyway, and say what the group may still do to it.
 */
export type AsgDecision =
  | { kind: "act" }
  | { kind: "done"; note: string }
  | { kind: "heartbeat"; transition: string; note: string }
  | { kind: "leave"; note: string };

export function decideForState(state: string, action: "detach" | "standby"): AsgDecision {
  if (state === "InService") return { kind: "act" };
  if (state === "Standby")
    return action === "detach" ? { kind: "act" } : { kind: "done", note: "already in Standby" };
  if (/^(Detaching|Detached|EnteringStandby)$/.test(state))
    return { kind: "done", note: `already out of service (${state})` };
  const held = /^(Warmed:)?(Pending|Terminating):Wait$/.exec(state);
  if (held)
    return {
      kind: "heartbeat",
      transition: `autoscaling:EC2_INSTANCE_${held[2] === "Pending" ? "LAUNCHING" : "TERMINATING"}`,
      note:
        held[2] === "Pending"
          ? `held by a launch lifecycle hook (${state}): Auto Scaling cannot detach it before InService; the hook's heartbeat keeps it out of service, and it is isolated anyway (re-run respond once it is InService to detach it)`
          : `held by a termination lifecycle hook (${state}): Auto Scaling cannot detach it; the hook's heartbeat keeps the termination waiting (for the hook's timeout again) while evidence is taken, and it is isolated anyway`,
    };
  if (state.startsWith("Warmed:"))
    return {
      kind: "leave",
      note: `in the group's warm pool (${state}): Auto Scaling cannot detach it; isolated in the pool (it fails health checks if the pool moves it into service, and the group then replaces it)`,
    };
  if (state.startsWith("Terminating"))
    return {
      kind: "leave",
      note: `the group is terminating it (${state}): Auto Scaling cannot detach it; isolated until it goes (snapshots were taken first; memory is lost with it)`,
    };
  return {
    kind: "leave",
    note: `still launching (${state || "unknown state"}): Auto Scaling cannot detach it before InService; isolated anyway (re-run respond once it is InService to detach it)`,
  };
}

export interface AsgRecord {
  group: string;
  action: "detach" | "standby";
  decremented: boolean;
  protectedBefore: boolean;
  note?: string;
  /** Left in the group in this lifecycle state (it could not be taken out). */
  left?: string;
  /** Lifecycle hooks sent a heartbeat (the instance was held by them). */
  heartbeat?: string[];
}

async function current(ctx: CaseContext) {
  const res = await ctx.clients.autoscaling.send(
    new DescribeAutoScalingInstancesCommand({ InstanceIds: [ctx.instanceId] }),
  );
  return res.AutoScalingInstances?.[0];
}

/** Takes the instance out of its group through the response's one writer per group. */
export const asgStep = (writer: AsgWriter): Step<CaseContext> => ({
  id: "asg-out-of-service",
  title: "Take the instance out of its Auto Scaling group",
  needs: ["discover"],
  purpose: "containment",
  verifyTimeoutMs: 60_000,
  verifyIntervalMs: 500,
  async plan(ctx) {
    const asg = facts(ctx).asg;
    if (!asg) return [];
    const { action, decrementCapacity } = {
      action: ctx.options.asgAction,
      decrementCapacity: ctx.options.decrementCapacity,
    };
    const decision = decideForState(asg.lifecycleState ?? "", action);
    if (decision.kind === "heartbeat")
      return [
        { action: "autoscaling:RecordLifecycleActionHeartbeat", target: asg.name, detail: decision.note },
      ];
    if (decision.kind !== "act") return [{ action: "none", target: asg.name, detail: decision.note }];
    return [
      ...(action === "standby"
        ? [
            {
              action: "autoscaling:SetInstanceProtection",
              target: asg.name,
              detail: `protect ${ctx.instanceId} from scale-in`,
            },
          ]
        : []),
      {
        action: action === "standby" ? "autoscaling:EnterStandby" : "autoscaling:DetachInstances",
        target: asg.name,
        detail: `${action === "standby" ? "put in Standby" : "detach"} ${ctx.instanceId} from ${asg.name}, ${
          decrementCapacity
            ? "decrementing the desired capacity (no replacement)"
            : "keeping the desired capacity (a replacement launches)"
        }`,
      },
    ];
  },
  async run(ctx, attempt) {
    const asg = facts(ctx).asg;
    if (!asg) return { status: "skipped", reason: "the instance is in no Auto Scaling group" };
    const now = mayHaveRun(ctx, attempt)
      ? await current(ctx)
      : { LifecycleState: asg.lifecycleState, AutoScalingGroupName: asg.name };
    const record: AsgRecord = {
      group: asg.name,
      action: ctx.options.asgAction,
      decremented: ctx.options.decrementCapacity,
      protectedBefore: asg.protectedFromScaleIn ?? false,
    };
    if (!now)
      return { status: "done", record: { ...record, note: "already out of the group" } as unknown as Json };
    const decision = decideForState(now.LifecycleState ?? "", ctx.options.asgAction);
    if (decision.kind === "done")
      return { status: "done", record: { ...record, note: decision.note } as unknown as Json };
    if (decision.kind === "heartbeat") {
      const hooks = (
        (
          await ctx.clients.autoscaling.send(
            new DescribeLifecycleHooksCommand({ AutoScalingGroupName: asg.name }),
          )
        ).LifecycleHooks ?? []
      ).filter((h) => h.LifecycleTransition === decision.transition);
      for (const h of hooks) {
        await ctx.clients.autoscaling.send(
          new RecordLifecycleActionHeartbeatCommand({
            AutoScalingGroupName: asg.name,
            LifecycleHookName: h.LifecycleHookName,
            InstanceId: ctx.instanceId,
          }),
        );
      }
      const names = hooks.map((h) => `${h.LifecycleHookName} (${h.HeartbeatTimeout ?? "?"} s)`);
      return {
        status: "done",
        record: {
          ...record,
          left: now.LifecycleState ?? "",
          heartbeat: hooks.map((h) => h.LifecycleHookName!),
          note: `${decision.note}; heartbeat sent to ${names.join(", ") || "no hook of that transition (none found)"}`,
        } as unknown as Json,
      };
    }
    if (decision.kind === "leave") {
      return {
        status: "done",
        record: { ...record, left: now.LifecycleState ?? "", note: decision.note } as unknown as Json,
      };
    }
    const outcome = await writer.leave(ctx.clients.autoscaling, {
      group: asg.name,
      instanceId: ctx.instanceId,
      action: ctx.options.asgAction,
      decrement: ctx.options.decrementCapacity,
    });
    record.decremented = outcome.decremented;
    if (outcome.note) record.note = outcome.note;
    return { status: "done", record: record as unknown as Json };
  },
  async verify(ctx, record) {
    const r = record as unknown as AsgRecord;
    if (r.left) return { ok: true, detail: `left in ${r.group} (${r.left}): ${r.note}` };
    const now = await current(ctx);
    const state = now?.LifecycleState ?? "detached";
    const out = r.action === "standby" ? /Standby/.test(state) : !now || /^Detach/.test(state);
    return out
      ? { ok: true, detail: `${state} (group ${r.group})` }
      : { ok: false, detail: `still ${state} in ${now?.AutoScalingGroupName}` };
  },
});
