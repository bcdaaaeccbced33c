/**
 * Auto Scaling takes one update at a time per group: a mutating call on a group while another is still
 * being applied answers `ResourceContention` (HTTP 500, which SDKs retry). moto serialises everything and
 * never refuses. The responder detaches, protects and puts instances in Standby on one group from
 * parallel steps (and parallel cases): those must survive contention as they must on AWS.
 *
 * A call is in flight from `before` to `after`; the layer calls `after` for every active rule even when
 * another rule refused, and each call clears only its own mark (by request seq). A mark older than a
 * minute is stale (a request that failed inside the layer never reached `after`).
 */
import type { RuleContext, StrictRule } from "../types";

const MUTATING = new Set([
  "AttachInstances",
  "AttachLoadBalancerTargetGroups",
  "AttachLoadBalancers",
  "AttachTrafficSources",
  "CompleteLifecycleAction",
  "DeleteAutoScalingGroup",
  "DetachInstances",
  "DetachLoadBalancerTargetGroups",
  "DetachLoadBalancers",
  "DetachTrafficSources",
  "EnterStandby",
  "ExitStandby",
  "ResumeProcesses",
  "SetDesiredCapacity",
  "SetInstanceHealth",
  "SetInstanceProtection",
  "StartInstanceRefresh",
  "SuspendProcesses",
  "TerminateInstanceInAutoScalingGroup",
  "UpdateAutoScalingGroup",
]);
const STALE_MS = 60_000;

interface InFlight {
  /** account/region/group → the seq holding it and since when. */
  groups: Map<string, { seq: number; since: number }>;
  /** seq → the group it holds. */
  bySeq: Map<number, string>;
}
const inFlightOf = (ctx: RuleContext): InFlight =>
  ctx.state.of("asg-resource-contention", () => ({ groups: new Map(), bySeq: new Map() }));

export const asgResourceContention: StrictRule = {
  id: "asg-resource-contention",
  title:
    "a mutating call on an Auto Scaling group while another is in flight answers ResourceContention (HTTP 500)",
  source: "https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_EnterStandby.html",
  // TerminateInstanceInAutoScalingGroup names an instance, not a group: it is not tracked here.
  matches: (req) =>
    req.service === "autoscaling" && MUTATING.has(req.operation) && Boolean(req.params.AutoScalingGroupName),
  before(req, ctx) {
    const { groups, bySeq } = inFlightOf(ctx);
    const key = `${req.accountId}/${req.region}/${req.params.AutoScalingGroupName}`;
    const holder = groups.get(key);
    // Wall-clock time, not ctx.now(): staleness is about this process, not the emulated clock.
    if (holder && Date.now() - holder.since < STALE_MS)
      return {
        status: 500,
        code: "ResourceContention",
        message:
          "You already have a pending update to an Auto Scaling resource (for example, a group, instance, or load balancer).",
      };
    if (holder) bySeq.delete(holder.seq);
    groups.set(key, { seq: req.seq, since: Date.now() });
    bySeq.set(req.seq, key);
    return undefined;
  },
  after(req, _answer, ctx) {
    const { groups, bySeq } = inFlightOf(ctx);
    const key = bySeq.get(req.seq);
    if (key === undefined) return;
    bySeq.delete(req.seq);
    if (groups.get(key)?.seq === req.seq) groups.delete(key);
  },
};
