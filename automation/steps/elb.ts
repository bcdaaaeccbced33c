/**
 * elb-deregister: out of every ELBv2 target group (instance targets, and IP targets on any of the
 * instance's addresses, private IPv4 or IPv6, as resolve found them) and every classic load balancer,
 * so no user traffic reaches it. Targets are deregistered by the id, port and zone the target group
 * reports, which release registers again.
 */
import {
  DeregisterInstancesFromLoadBalancerCommand,
  DescribeLoadBalancersCommand,
} from "@aws-sdk/client-elastic-load-balancing";
import {
  DeregisterTargetsCommand,
  DescribeTargetHealthCommand,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { type CaseContext, resolved } from "../case/context";
import type { Json, Step } from "../engine/types";

export interface ElbRecord {
  targets: { targetGroupArn: string; id: string; port?: number; availabilityZone?: string }[];
  classicElbs: string[];
}

function byGroup(targets: ElbRecord["targets"]) {
  const m = new Map<string, ElbRecord["targets"]>();
  for (const t of targets) m.set(t.targetGroupArn, [...(m.get(t.targetGroupArn) ?? []), t]);
  return m;
}

/** Whether any of `ts` is still registered (not draining or unused) in the target group. */
async function registered(ctx: CaseContext, arn: string, ts: ElbRecord["targets"]): Promise<boolean> {
  const res = await ctx.clients.elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: arn }));
  return (res.TargetHealthDescriptions ?? []).some(
    (d) =>
      ts.some((t) => t.id === d.Target?.Id) &&
      d.TargetHealth?.State !== "draining" &&
      d.TargetHealth?.State !== "unused",
  );
}

/** Deregisters every recorded target and classic ELB membership; idempotent (run, and re-applied). */
async function deregister(ctx: CaseContext, record: ElbRecord): Promise<void> {
  await Promise.all([
    ...[...byGroup(record.targets)].map(([arn, ts]) =>
      ctx.clients.elbv2
        .send(
          new DeregisterTargetsCommand({
            TargetGroupArn: arn,
            Targets: ts.map((t) => ({
              Id: t.id,
              ...(t.port ? { Port: t.port } : {}),
              ...(t.availabilityZone ? { AvailabilityZone: t.availabilityZone } : {}),
            })),
          }),
        )
        // Already out (a crashed run or a retried call whose answer was lost deregistered it): fine.
        .catch(async (err) => {
          if ((err as Error).name !== "InvalidTargetException" || (await registered(ctx, arn, ts))) throw err;
        }),
    ),
    ...record.classicElbs.map((name) =>
      ctx.clients.elb.send(
        new DeregisterInstancesFromLoadBalancerCommand({
          LoadBalancerName: name,
          Instances: [{ InstanceId: ctx.instanceId }],
        }),
      ),
    ),
  ]);
}

export const elbStep: Step<CaseContext> = {
  id: "elb-deregister",
  title: "Deregister from target groups and classic load balancers",
  needs: ["resolve"],
  purpose: "containment",
  async plan(ctx) {
    return [
      ...resolved(ctx).targets.map((t) => ({
        action: "elasticloadbalancing:DeregisterTargets",
        target: t.targetGroupArn,
        detail: `deregister target ${t.id}${t.port ? `:${t.port}` : ""}`,
      })),
      ...resolved(ctx).classicElbs.map((name) => ({
        action: "elasticloadbalancing:DeregisterInstancesFromLoadBalancer",
        target: name,
        detail: `deregister ${ctx.instanceId} from classic load balancer ${name}`,
      })),
    ];
  },
  async run(ctx) {
    const record: ElbRecord = { targets: resolved(ctx).targets, classicElbs: resolved(ctx).classicElbs };
    if (record.targets.length === 0 && record.classicElbs.length === 0) {
      return {
        status: "skipped",
        reason: "the instance is registered with no load balancer",
        record: record as unknown as Json,
      };
    }
    await deregister(ctx, record);
    return { status: "done", record: record as unknown as Json };
  },
  // An Auto Scaling group re-registers the instances it holds when it changes (moto does so for every
  // member on DetachInstances/AttachInstances; so can a controller that owns the target group): the
  // instance must stay out, so a registration found after ours is removed again.
  async reapply(ctx, record) {
    await deregister(ctx, record as unknown as ElbRecord);
  },
  async verify(ctx, record) {
    const r = record as unknown as ElbRecord;
    const still: string[] = [];
    await Promise.all([
      ...[...byGroup(r.targets)].map(async ([arn, ts]) => {
        const res = await ctx.clients.elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: arn }));
        for (const d of res.TargetHealthDescriptions ?? []) {
          const state = d.TargetHealth?.State;
          if (ts.some((t) => t.id === d.Target?.Id) && state !== "draining" && state !== "unused") {
            still.push(`${d.Target?.Id} in ${arn.split(":").pop()} (${state})`);
          }
        }
      }),
      ...(r.classicElbs.length > 0
        ? [
            ctx.clients.elb
              .send(new DescribeLoadBalancersCommand({ LoadBalancerNames: r.classicElbs }))
              .then((res) => {
                for (const lb of res.LoadBalancerDescriptions ?? []) {
                  if ((lb.Instances ?? []).some((i) => i.InstanceId === ctx.instanceId))
                    still.push(lb.LoadBalancerName!);
                }
              }),
          ]
        : []),
    ]);
    return still.length > 0
      ? { ok: false, detail: `still registered: ${still.join(", ")}` }
      : {
          ok: true,
          detail: `out of ${r.targets.length} target(s) and ${r.classicElbs.length} classic ELB(s)`,
        };
  },
};
