/**
 * untrack: every ENI moves to the untrack group (all traffic in and out, IPv4 and IPv6), so flows that
 * were tracked (an attacker's established session) become untracked and the isolation group can cut
 * them; connection-tracking timeouts go to their minimum. Each ENI is changed on its own
 * (ModifyNetworkInterfaceAttribute): the instance-level call fails on AWS with more than one ENI.
 * This changes nothing for health checks (everything is still allowed), so it runs beside the ASG step.
 */
import { ModifyNetworkInterfaceAttributeCommand } from "@aws-sdk/client-ec2";
import { type CaseContext, facts, groups } from "../case/context";
import type { Json, Step } from "../engine/types";
import { describeEnis, groupIds, MIN_TRACKING } from "./network";
import { dryRun, mayHaveRun, sameSet } from "./util";

export interface UntrackRecord {
  at: number;
  enis: string[];
  /** ENIs found already isolated on a resume (left alone). */
  alreadyIsolated: string[];
}

export const untrackStep: Step<CaseContext> = {
  id: "untrack",
  title: "Move every ENI to the untrack group; minimum connection tracking",
  after: ["snapshot", "discover", "isolation-groups"],
  containment: true,
  async plan(ctx) {
    const g = ctx.records.get("isolation-groups") as { untrack?: string } | undefined;
    const untrack = g?.untrack ?? "(the untrack group, created first)";
    return Promise.all(
      facts(ctx).enis.map(async (eni) => ({
        action: "ec2:ModifyNetworkInterfaceAttribute",
        target: eni.id,
        detail: `groups [${eni.groups.join(", ")}] -> [${untrack}]; TCP established tracking ${MIN_TRACKING.TcpEstablishedTimeout}s`,
        dryRun: g?.untrack
          ? await dryRun(() =>
              ctx.clients.ec2.send(
                new ModifyNetworkInterfaceAttributeCommand({
                  DryRun: true,
                  NetworkInterfaceId: eni.id,
                  Groups: [untrack],
                }),
              ),
            )
          : undefined,
      })),
    );
  },
  async run(ctx, attempt) {
    const g = groups(ctx);
    const enis = facts(ctx).enis.map((e) => e.id);
    const alreadyIsolated: string[] = [];
    if (mayHaveRun(ctx, attempt)) {
      const now = await describeEnis(ctx, enis);
      for (const id of enis) if (groupIds(now.get(id)).includes(g.isolation)) alreadyIsolated.push(id);
    }
    const todo = enis.filter((id) => !alreadyIsolated.includes(id));
    await Promise.all(
      todo.flatMap((id) => [
        ctx.clients.ec2.send(
          new ModifyNetworkInterfaceAttributeCommand({ NetworkInterfaceId: id, Groups: [g.untrack] }),
        ),
        ctx.clients.ec2.send(
          new ModifyNetworkInterfaceAttributeCommand({
            NetworkInterfaceId: id,
            ConnectionTrackingSpecification: { ...MIN_TRACKING },
          }),
        ),
      ]),
    );
    const record: UntrackRecord = { at: Date.now(), enis, alreadyIsolated };
    return { status: "done", record: record as unknown as Json };
  },
  async verify(ctx, record) {
    const r = record as unknown as UntrackRecord;
    const g = groups(ctx);
    const now = await describeEnis(ctx, r.enis);
    const bad = r.enis.filter((id) => {
      const gs = groupIds(now.get(id));
      // Once isolated (the next step), the untrack state is legitimately gone.
      return !(sameSet(gs, [g.untrack]) || gs.includes(g.isolation));
    });
    const slow = r.enis.filter((id) => {
      const t = now.get(id)?.ConnectionTrackingConfiguration?.TcpEstablishedTimeout;
      return t !== undefined && t > MIN_TRACKING.TcpEstablishedTimeout;
    });
    if (bad.length > 0) return { ok: false, detail: `not in the untrack group: ${bad.join(", ")}` };
    if (slow.length > 0)
      return { ok: false, detail: `connection tracking not minimal on ${slow.join(", ")}` };
    return { ok: true, detail: `${r.enis.length} ENI(s) untracked` };
  },
};
