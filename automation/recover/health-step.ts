/**
 * recover-health: waits (bounded) until every target group the instance served has its known-good
 * count back: healthy targets whose instance runs the selected AMI (health.ts says how "what it was" is
 * computed, before the rebuild). Timing out fails the step, so `terminate`, which needs it, is blocked:
 * an unhealthy recovery never destroys the instance, and the failure names the targets that did not
 * count and why.
 */
import type { Json, Step } from "../engine/types";
import { type RecoverContext, selectedAmi, type TargetGroupHealth } from "./context";
import { countKnownGood, describeHealth, waitForHealthy } from "./health";
import type { RebuildRecord } from "./rebuild-step";
import type { ReplaceRecord } from "./replace-step";

function rebuildRecord(ctx: RecoverContext): RebuildRecord {
  const r = ctx.records.get("recover-rebuild") as unknown as RebuildRecord | undefined;
  if (!r) throw new Error("the rebuild did not run: there is no capacity to gate on");
  return r;
}

/** Why members still run another image, as the replace step found (the gate names it beside them). */
function leftReasons(ctx: RecoverContext): Map<string, string> {
  const r = ctx.records.get("recover-replace") as unknown as ReplaceRecord | undefined;
  return new Map((r?.left ?? []).map((l) => [l.instanceId, l.why]));
}

/** The ASG's capacity, as measured before the rebuild (only when the group feeds a watched target group). */
const capacityOf = (r: RebuildRecord) => (r.baseline.some((b) => b.asgAttached) ? r.capacity : undefined);

/** `gateMs`: the gate's own deadline; the engine's bound sits above it, so the gate reports the counts. */
export const healthStep = (gateMs: number): Step<RecoverContext> => ({
  id: "recover-health",
  title: "Wait until the workload's target groups are healthy again on the known-good AMI",
  needs: ["recover-rebuild", "recover-replace"],
  timeoutMs: gateMs + 60_000,
  async plan(ctx) {
    return [
      {
        action: "elasticloadbalancing:DescribeTargetHealth",
        target: ctx.instanceId,
        detail: `wait up to ${Math.round(gateMs / 1000)} s for the workload's target groups to be healthy again, counting only targets running ${selectedAmi(ctx).imageId}`,
      },
    ];
  },
  async run(ctx) {
    const r = rebuildRecord(ctx);
    if (r.baseline.length === 0)
      return {
        status: "skipped",
        reason: "the instance served no target group: there is no health to gate on",
      };
    const ami = selectedAmi(ctx).imageId;
    const capacity = capacityOf(r);
    const reasons = leftReasons(ctx);
    const { health, waitedMs } = await waitForHealthy(
      () => countKnownGood(ctx.clients, r.baseline, capacity, ami, reasons),
      {
        timeoutMs: ctx.recover.healthTimeoutMs,
        intervalMs: ctx.recover.healthIntervalMs,
        onCount: (h) => {
          ctx.state.health = h;
        },
      },
    );
    return {
      status: "done",
      record: { targetGroups: health, waitedMs, amiId: ami, capacity: capacity ?? null } as unknown as Json,
    };
  },
  // The gate itself is the check: what `run` saw passing is what `terminate` relies on (a re-count here
  // could flap after the gate passed, and `terminate` only waits for `run`).
  async verify(ctx, record) {
    const seen = (record as { targetGroups?: TargetGroupHealth[] } | undefined)?.targetGroups;
    const r = rebuildRecord(ctx);
    const health =
      seen ?? (await countKnownGood(ctx.clients, r.baseline, capacityOf(r), selectedAmi(ctx).imageId));
    ctx.state.health = health;
    return health.every((h) => h.healthy >= h.expected)
      ? { ok: true, detail: describeHealth(health) }
      : { ok: false, detail: describeHealth(health) };
  },
});
