/**
 * The health gate: the workload has known-good capacity back before the compromised instance is
 * terminated. A target counts only when it is healthy AND its instance is running from the selected AMI:
 * a healthy target on the old image (the replacement Auto Scaling launched from the old template when
 * containment detached without decrement, a sibling the instance refresh left) is capacity, but not
 * known-good capacity. "What it was" is measured before the rebuild changes anything, and comes from the
 * records, not from the group now (moto, unlike AWS, can leave a detached instance registered): in a
 * target group the instance's Auto Scaling group is attached to, the group's capacity then (plus what
 * recovery gives back when containment decremented it) and the other targets already on the selected
 * AMI; elsewhere, those targets plus the instance's own (the rebuild must bring its capacity back). The
 * compromised instance's own targets never count.
 */
import type { EC2Client } from "@aws-sdk/client-ec2";
import type { ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import { DescribeTargetHealthCommand } from "@aws-sdk/client-elastic-load-balancing-v2";
import type { TargetGroupHealth } from "./context";
import { type TargetInstance, targetInstances } from "./target-images";

/** One target group as the gate sees it, measured before the rebuild. */
export interface GroupBaseline {
  targetGroupArn: string;
  /**
   * Healthy targets on the selected AMI before the rebuild that neither are the compromised instance nor
   * belong to its ASG (they count now too, so they count in what is expected).
   */
  knownGoodOthers: number;
  /** The compromised instance's own targets in this group (instance id, ENI addresses), as recorded. */
  ownTargets: string[];
  /** Targets that never count: the own targets and the instance id (moto may keep it registered). */
  excluded: string[];
  /** The instance's ASG is attached to this group: the ASG's capacity counts. */
  asgAttached: boolean;
}

interface Clients {
  ec2: EC2Client;
  elbv2: ElasticLoadBalancingV2Client;
}

export async function healthOf(elbv2: ElasticLoadBalancingV2Client, targetGroupArn: string) {
  const res = await elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: targetGroupArn }));
  return (res.TargetHealthDescriptions ?? []).map((d) => ({
    id: d.Target?.Id ?? "",
    state: d.TargetHealth?.State ?? "unknown",
  }));
}

/** Why a target does not count as known-good capacity, or undefined when it counts. */
function notKnownGood(
  state: string,
  instance: TargetInstance | undefined,
  amiId: string,
): string | undefined {
  if (!instance) return `${state}, no instance behind it`;
  if (instance.state !== "running") return `${state}, instance ${instance.state}`;
  if (instance.imageId !== amiId)
    return `${state} on ${instance.imageId ?? "an unknown image"}, not ${amiId}`;
  if (state !== "healthy") return `${state} on ${amiId}`;
  return undefined;
}

/** Every group's targets, with the instance and image behind each (one lookup for all groups). */
async function targetsOf(c: Clients, arns: string[]) {
  const groups = await Promise.all(arns.map(async (arn) => ({ arn, targets: await healthOf(c.elbv2, arn) })));
  const instances = await targetInstances(
    c.ec2,
    groups.flatMap((g) => g.targets.map((t) => t.id)),
  );
  return { groups, instances };
}

/** Measures each group before the rebuild (so a replacement the rebuild brings is not counted twice). */
export async function measureBaseline(
  c: Clients,
  groups: { targetGroupArn: string; ownTargets: string[]; excluded: string[]; asgAttached: boolean }[],
  asgMembers: ReadonlySet<string>,
  amiId: string,
): Promise<GroupBaseline[]> {
  const seen = await targetsOf(
    c,
    groups.map((g) => g.targetGroupArn),
  );
  return groups.map((g, i) => {
    const own = new Set(g.excluded);
    const knownGoodOthers = seen.groups[i]!.targets.filter((t) => {
      const instance = seen.instances.get(t.id);
      if (own.has(t.id) || (instance && own.has(instance.instanceId))) return false;
      if (g.asgAttached && (asgMembers.has(t.id) || (instance && asgMembers.has(instance.instanceId))))
        return false;
      return notKnownGood(t.state, instance, amiId) === undefined;
    }).length;
    return { ...g, knownGoodOthers };
  });
}

/** `capacity`: the ASG's capacity measured before the rebuild (plus any given back), when it has one. */
export function expectedHealthy(b: GroupBaseline, capacity: number | undefined): number {
  return (b.knownGoodOthers ?? 0) + (b.asgAttached ? (capacity ?? 0) : b.ownTargets.length);
}

/** At most this many targets are named as not counted per group (the record and the message stay short). */
const NAMED = 10;

/** Healthy targets on the selected AMI now, the compromised instance's own excluded. */
export async function countKnownGood(
  c: Clients,
  baselines: GroupBaseline[],
  capacity: number | undefined,
  amiId: string,
  /** Why an instance still runs another image, when known (the refresh left it): appended to its entry. */
  reasons: ReadonlyMap<string, string> = new Map(),
): Promise<TargetGroupHealth[]> {
  const seen = await targetsOf(
    c,
    baselines.map((b) => b.targetGroupArn),
  );
  return baselines.map((b, i) => {
    const own = new Set(b.excluded);
    const counted: string[] = [];
    // Running instances first: a terminated one still listed (draining) says little.
    const notCounted: [boolean, string][] = [];
    for (const t of seen.groups[i]!.targets) {
      const instance = seen.instances.get(t.id);
      if (own.has(t.id) || (instance && own.has(instance.instanceId))) continue;
      const why = notKnownGood(t.state, instance, amiId);
      if (why === undefined) counted.push(t.id);
      else {
        const known = instance && reasons.get(instance.instanceId);
        notCounted.push([instance?.state === "running", `${t.id} ${why}${known ? `: ${known}` : ""}`]);
      }
    }
    const named = [...notCounted.filter(([r]) => r), ...notCounted.filter(([r]) => !r)].map(([, x]) => x);
    return {
      targetGroupArn: b.targetGroupArn,
      expected: expectedHealthy(b, capacity),
      healthy: counted.length,
      ...(named.length
        ? {
            notCounted: [
              ...named.slice(0, NAMED),
              ...(named.length > NAMED ? [`and ${named.length - NAMED} more`] : []),
            ],
          }
        : {}),
    };
  });
}

export const short = (arn: string) => arn.split(":").pop() ?? arn;

export const describeHealth = (h: TargetGroupHealth[]) =>
  h
    .map(
      (x) =>
        `${short(x.targetGroupArn)} ${x.healthy}/${x.expected} healthy on the selected AMI` +
        (x.healthy < x.expected && x.notCounted?.length ? ` (not counted: ${x.notCounted.join("; ")})` : ""),
    )
    .join(", ");

/**
 * Polls until every group has its expected known-good count, or the deadline passes (then throws, naming
 * each group's count and the targets that did not count). `onCount` sees every poll (the result reports
 * the last one even on timeout).
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
        `known-good capacity did not become healthy within ${Math.round(o.timeoutMs / 1000)} s: ${describeHealth(health)}; the compromised instance was not terminated (check the new instances' health checks and why the others run another image, then run ir recover again)`,
      );
    await new Promise((r) => setTimeout(r, o.intervalMs));
  }
}
