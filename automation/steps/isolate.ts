/**
 * isolate: after a short dwell in the untrack group, every ENI moves to the isolation group alone (plus
 * forensic egress while a memory capture runs). Runs only once the instance is out of its Auto Scaling
 * group and load balancers. Security groups cannot cut everything: ICMP and flows through a NAT
 * gateway, NLB, Transit Gateway or PrivateLink endpoint stay tracked (see automation/README.md).
 */
import { ModifyNetworkInterfaceAttributeCommand } from "@aws-sdk/client-ec2";
import { type CaseContext, facts, groups } from "../case/context";
import type { Json, Step } from "../engine/types";
import { describeEnis, groupIds } from "./network";
import type { UntrackRecord } from "./untrack";
import { dryRun, sameSet, sleep } from "./util";

export interface IsolateRecord {
  enis: string[];
  groups: string[];
  forensicEgress: boolean;
  at: number;
}

/** True when a memory capture will run (the host needs outbound HTTPS to S3 for it). */
export function wantsForensicEgress(ctx: CaseContext): boolean {
  const ssm = ctx.records.get("ssm-check") as { managed?: boolean } | undefined;
  return Boolean(ctx.options.memory && ssm?.managed && ctx.records.get("isolation-groups"));
}

export const isolateStep: Step<CaseContext> = {
  id: "isolate",
  title: "Move every ENI to the isolation group",
  // Not after ssm-check: containment never waits on SSM. If SSM answered by now and a capture will
  // run, forensic egress is opened here; otherwise the memory step opens it itself.
  after: ["untrack", "asg-out-of-service", "elb-deregister"],
  containment: true,
  async plan(ctx) {
    const g = ctx.records.get("isolation-groups") as { isolation?: string } | undefined;
    const target = g?.isolation ?? "(the isolation group)";
    return Promise.all(
      facts(ctx).enis.map(async (eni) => ({
        action: "ec2:ModifyNetworkInterfaceAttribute",
        target: eni.id,
        detail: `after ${ctx.options.dwellMs} ms untracked: groups -> [${target}]`,
        dryRun: g?.isolation
          ? await dryRun(() =>
              ctx.clients.ec2.send(
                new ModifyNetworkInterfaceAttributeCommand({
                  DryRun: true,
                  NetworkInterfaceId: eni.id,
                  Groups: [target],
                }),
              ),
            )
          : undefined,
      })),
    );
  },
  async run(ctx) {
    const g = groups(ctx);
    const untracked = ctx.records.get("untrack") as unknown as UntrackRecord | undefined;
    const wait = (untracked?.at ?? 0) + ctx.options.dwellMs - Date.now();
    if (wait > 0) await sleep(Math.min(wait, ctx.options.dwellMs));
    const egress = wantsForensicEgress(ctx) && g.forensicEgress !== undefined;
    const target = egress ? [g.isolation, g.forensicEgress!] : [g.isolation];
    const enis = facts(ctx).enis.map((e) => e.id);
    await Promise.all(
      enis.map((id) =>
        ctx.clients.ec2.send(
          new ModifyNetworkInterfaceAttributeCommand({ NetworkInterfaceId: id, Groups: target }),
        ),
      ),
    );
    const record: IsolateRecord = { enis, groups: target, forensicEgress: egress, at: Date.now() };
    return { status: "done", record: record as unknown as Json };
  },
  async verify(ctx, record) {
    const r = record as unknown as IsolateRecord;
    const g = groups(ctx);
    const now = await describeEnis(ctx, r.enis);
    const bad = r.enis.filter((id) => {
      const gs = groupIds(now.get(id));
      // After the memory capture, forensic egress is removed: isolation alone is the final state.
      return !(sameSet(gs, r.groups) || sameSet(gs, [g.isolation]));
    });
    return bad.length > 0
      ? {
          ok: false,
          detail: `not isolated: ${bad.map((id) => `${id} [${groupIds(now.get(id)).join(", ")}]`).join("; ")}`,
        }
      : { ok: true, detail: `${r.enis.length} ENI(s) only in ${r.groups.join(" + ")}` };
  },
};
