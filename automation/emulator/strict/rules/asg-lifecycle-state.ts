/**
 * Auto Scaling acts on an instance only in the lifecycle states that allow it: `DetachInstances` from
 * `InService` or `Standby`, `EnterStandby` from `InService`, `ExitStandby` from `Standby`; anything else
 * (`Pending`, `Pending:Wait`, `Terminating:Wait`, `Warmed:*`, `EnteringStandby`, `Detaching`...) is a
 * `ValidationError`. Each call takes at most 20 instance ids. moto moves any instance from any state.
 *
 * moto cannot put an instance in `Pending:Wait` (lifecycle hooks) or a warm pool, so the rule keeps an
 * overlay of lifecycle states (`setLifecycleState`, for tests and the game day) that it shows in
 * DescribeAutoScalingInstances and DescribeAutoScalingGroups and enforces like a real state.
 */
import type { Refusal, RuleContext, StrictRequest, StrictRule } from "../types";
import { memberList, motoInstances, setInstanceField } from "./asg-wire";

const MAX_IDS = 20;
/** Which states each call accepts, and how AWS says an instance is not in one of them. */
const ALLOWED: Record<string, { states: string[]; says: string }> = {
  DetachInstances: { states: ["InService", "Standby"], says: "InService or Standby" },
  EnterStandby: { states: ["InService"], says: "InService" },
  ExitStandby: { states: ["Standby"], says: "Standby" },
};
const DESCRIBES = new Set(["DescribeAutoScalingInstances", "DescribeAutoScalingGroups"]);
const LEAVING = new Set(["DetachInstances", "TerminateInstanceInAutoScalingGroup"]);

/** account/instance id → lifecycle state moto cannot represent. */
const overlayOf = (ctx: RuleContext): Map<string, string> =>
  ctx.state.of("asg-lifecycle-state", () => new Map());

/** The lifecycle state the overlay gives an instance, if any. */
export function overlaidLifecycleState(ctx: RuleContext, accountId: string, instanceId: string) {
  return overlayOf(ctx).get(`${accountId}/${instanceId}`);
}

/**
 * Puts an instance in a lifecycle state moto cannot create (`Pending:Wait`, `Warmed:Stopped`...), as
 * far as everyone talking through the layer can tell; `undefined` (or "InService") gives it back to moto.
 */
export function setLifecycleState(
  ctx: RuleContext,
  accountId: string,
  instanceId: string,
  state: string | undefined,
): void {
  const key = `${accountId}/${instanceId}`;
  if (state === undefined || state === "InService") overlayOf(ctx).delete(key);
  else overlayOf(ctx).set(key, state);
}

function tooMany(req: StrictRequest, ids: string[]): Refusal | undefined {
  if (ids.length <= MAX_IDS) return undefined;
  const message =
    req.operation === "DetachInstances"
      ? "List exceeds the maximum number of instances to detach. Please retry your request with fewer instances."
      : `1 validation error detected: Value '[${ids.join(", ")}]' at 'instanceIds' failed to satisfy constraint: Member must have length less than or equal to ${MAX_IDS}`;
  return { status: 400, code: "ValidationError", message };
}

export const asgLifecycleState: StrictRule = {
  id: "asg-lifecycle-state",
  title:
    "DetachInstances works from InService or Standby, EnterStandby from InService, ExitStandby from Standby (ValidationError otherwise), at most 20 instances a call",
  source: "https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-lifecycle.html",
  matches: (req) =>
    req.service === "autoscaling" &&
    (req.operation in ALLOWED || DESCRIBES.has(req.operation) || LEAVING.has(req.operation)),
  async before(req, ctx) {
    const allowed = ALLOWED[req.operation];
    if (!allowed) return undefined;
    const ids = memberList(req.params, "InstanceIds");
    const refusal = tooMany(req, ids);
    if (refusal || ids.length === 0) return refusal;
    const group = req.params.AutoScalingGroupName ?? "";
    const overlay = overlayOf(ctx);
    const moto = await motoInstances(req, ctx, ids);
    for (const id of ids) {
      const known = moto.get(id);
      if (!known || known.AutoScalingGroupName !== group)
        return {
          status: 400,
          code: "ValidationError",
          message: `The instance ${id} is not part of Auto Scaling group ${group}.`,
        };
      const state = overlay.get(`${req.accountId}/${id}`) ?? known.LifecycleState ?? "";
      if (!allowed.states.includes(state))
        return {
          status: 400,
          code: "ValidationError",
          message: `The instance ${id} is not in ${allowed.says}.`,
        };
    }
    return undefined;
  },
  after(req, answer, ctx) {
    if (answer.status !== 200) return;
    const overlay = overlayOf(ctx);
    if (LEAVING.has(req.operation)) {
      const ids = req.params.InstanceId ? [req.params.InstanceId] : memberList(req.params, "InstanceIds");
      for (const id of ids) overlay.delete(`${req.accountId}/${id}`);
      return;
    }
    if (!DESCRIBES.has(req.operation) || overlay.size === 0) return;
    let xml = answer.body.toString("utf8");
    const prefix = `${req.accountId}/`;
    for (const [key, state] of overlay)
      if (key.startsWith(prefix))
        xml = setInstanceField(xml, key.slice(prefix.length), "LifecycleState", state);
    return { ...answer, body: Buffer.from(xml) };
  },
};
