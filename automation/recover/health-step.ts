/**
 * recover-health: waits (bounded) until every target group the instance served has its healthy count
 * back (health.ts says how "what it was" is computed). Timing out fails the step, so `terminate`,
 * which comes after it, is blocked: an unhealthy recovery never destroys the instance.
 */
import type { Json, Step } from "../engine/types";
import { describeGroup } from "./asg-rebuild";
import type { RecoverContext, TargetGroupHealth } from "./context";
import { countHealthy, describeHealth, waitForHealthy } from "./health";
import type { RebuildRecord } from "./rebuild-step";

function rebuildRecord(ctx: RecoverContext): RebuildRecord {
  const r = ctx.records.get("recover-rebuild") as unknown as RebuildRecord | undefined;
  if (!r) throw new Error("the rebuild did not run: there is no capacity to gate on");
  return r;
}

async function desiredCapacity(ctx: RecoverContext, r: RebuildRecord): Promise<number | undefined> {
  if (!r.group || !r.baseline.some((b) => b.asgAttached)) return undefined;
  return (await describeGroup(ctx.clients.autoscaling, r.group)).DesiredCapacity;
}

/** `gateMs`: the gate's own deadline; the engine's bound sits above it, so the gate reports the counts. */
export const healthStep = (gateMs: number): Step<RecoverContext> => ({
  id: "recover-health",
  title: "Wait until the workload's target groups are healthy again",
  needs: ["recover-rebuild"],
  timeoutMs: gateMs + 60_000,
  async plan(ctx) {
    return [
      {
        action: "elasticloadbalancing:DescribeTargetHealth",
        target: ctx.instanceId,
        detail: `wait up to ${Math.round(gateMs / 1000)} s for the workload's target groups to be healthy again`,
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
    const desired = await desiredCapacity(ctx, r);
    const { health, waitedMs } = await waitForHealthy(
      () => countHealthy(ctx.clients.elbv2, r.baseline, desired),
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
      record: { targetGroups: health, waitedMs, desiredCapacity: desired ?? null } as unknown as Json,
    };
  },
  // The gate itself is the check: what `run` saw passing is what `terminate` relies on (a re-count here
  // could flap after the gate passed, and `terminate` only waits for `run`).
  async verify(ctx, record) {
    const seen = (record as { targetGroups?: TargetGroupHealth[] } | undefined)?.targetGroups;
    const r = rebuildRecord(ctx);
    const health = seen ?? (await countHealthy(ctx.clients.elbv2, r.baseline, await desiredCapacity(ctx, r)));
    ctx.state.health = health;
    return health.every((h) => h.healthy >= h.expected)
      ? { ok: true, detail: describeHealth(health) }
      : { ok: false, detail: describeHealth(health) };
  },
});
