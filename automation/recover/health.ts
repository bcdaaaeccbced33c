/**
 * The health gate: the workload's target groups have their capacity back before the compromised
 * instance is terminated. "What it was" comes from the records, not from the group now (moto, unlike
 * AWS, can leave a detached instance registered; a replacement may already count): in a group the
 * instance's Auto Scaling group is attached to, the group's desired capacity plus the other targets
 * that were healthy before the rebuild; elsewhere, those other targets plus the instance's own
 * (the rebuild must bring its capacity back). The compromised instance's own targets never count.
 */
import type { ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import { DescribeTargetHealthCommand } from "@aws-sdk/client-elastic-load-balancing-v2";
import type { TargetGroupHealth } from "./context";

/** One target group as the gate sees it, measured before the rebuild. */
export interface GroupBaseline {
  targetGroupArn: string;
  /** Healthy targets before the rebuild that neither are the compromised instance nor belong to its ASG. */
  othersHealthy: number;
  /** The compromised instance's own targets in this group (instance id, ENI addresses), as recorded. */
  ownTargets: string[];
  /** Targets that never count: the own targets and the instance id (moto may keep it registered). */
  excluded: string[];
  /** The instance's ASG is attached to this group: the ASG's desired capacity counts. */
  asgAttached: boolean;
}

export async function healthOf(elbv2: ElasticLoadBalancingV2Client, targetGroupArn: string) {
  const res = await elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: targetGroupArn }));
  return (res.TargetHealthDescriptions ?? []).map((d) => ({
    id: d.Target?.Id ?? "",
    state: d.TargetHealth?.State ?? "unknown",
  }));
}

/** Measures each group before the rebuild (so a replacement the rebuild brings is not counted twice). */
export async function measureBaseline(
  elbv2: ElasticLoadBalancingV2Client,
  groups: { targetGroupArn: string; ownTargets: string[]; excluded: string[]; asgAttached: boolean }[],
  asgMembers: ReadonlySet<string>,
): Promise<GroupBaseline[]> {
  return Promise.all(
    groups.map(async (g) => {
      const own = new Set(g.excluded);
      const targets = await healthOf(elbv2, g.targetGroupArn);
      const othersHealthy = targets.filter(
        (t) => t.state === "healthy" && !own.has(t.id) && !(g.asgAttached && asgMembers.has(t.id)),
      ).length;
      return { ...g, othersHealthy };
    }),
  );
}

export function expectedHealthy(b: GroupBaseline, desiredCapacity: number | undefined): number {
  return b.othersHealthy + (b.asgAttached ? (desiredCapacity ?? 0) : b.ownTargets.length);
}

/** Healthy targets now, the compromised instance's own excluded. */
export async function countHealthy(
  elbv2: ElasticLoadBalancingV2Client,
  baselines: GroupBaseline[],
  desiredCapacity: number | undefined,
): Promise<TargetGroupHealth[]> {
  return Promise.all(
    baselines.map(async (b) => {
      const own = new Set(b.excluded);
      const targets = await healthOf(elbv2, b.targetGroupArn);
      return {
        targetGroupArn: b.targetGroupArn,
        expected: expectedHealthy(b, desiredCapacity),
        healthy: targets.filter((t) => t.state === "healthy" && !own.has(t.id)).length,
      };
    }),
  );
}

export const short = (arn: string) => arn.split(":").pop() ?? arn;

export const describeHealth = (h: TargetGroupHealth[]) =>
  h.map((x) => `${short(x.targetGroupArn)} ${x.healthy}/${x.expected} healthy`).join(", ");

/**
 * Polls until every group has its expected healthy count, or the deadline passes (then throws, naming
 * each group's count). `onCount` sees every poll (the result reports the last one even on timeout).
 */
export async function waitForHealthy(
  poll: () => Promise<TargetGroupHealth[]>,
  o: { timeoutMs: number; intervalMs: number; onCount?: (h: TargetGroupHealth[]) => void },
): Promise<{ health: TargetGroupHealth[]; waitedMs: number }> {
  const started = Date.now();
  for (;;) {
    const health = await poll();
    o.onCount?.(health);
    if (health.every((h) => h.healthy >= h.expected)) return { health, waitedMs: Date.now() - started };
    if (Date.now() - started + o.intervalMs > o.timeoutMs)
      throw new Error(
        `capacity did not become healthy within ${Math.round(o.timeoutMs / 1000)} s: ${describeHealth(health)}; the compromised instance was not terminated (check the new instances' health checks, then run ir recover again)`,
      );
    await new Promise((r) => setTimeout(r, o.intervalMs));
  }
}
