/**
 * close-forensic-egress: once the memory capture ended (well or not), the ENIs drop the forensic-egress
 * group and keep the isolation group alone.
 */
import { ModifyNetworkInterfaceAttributeCommand } from "@aws-sdk/client-ec2";
import { type CaseContext, groups } from "../case/context";
import type { Step } from "../engine/types";
import type { IsolateRecord } from "./isolate";
import { describeEnis, groupIds } from "./network";
import { sameSet } from "./util";

export const closeEgressStep: Step<CaseContext> = {
  id: "close-forensic-egress",
  title: "Remove forensic egress after the memory capture",
  after: ["isolate", "memory"],
  async plan() {
    return [];
  },
  async run(ctx) {
    const iso = ctx.records.get("isolate") as unknown as IsolateRecord | undefined;
    if (!iso) throw new Error("the isolate step did not run: nothing to tighten");
    if (!iso.forensicEgress && !ctx.records.get("memory-egress")) {
      return { status: "skipped", reason: "no forensic egress was opened" };
    }
    const g = groups(ctx);
    await Promise.all(
      iso.enis.map((id) =>
        ctx.clients.ec2.send(
          new ModifyNetworkInterfaceAttributeCommand({ NetworkInterfaceId: id, Groups: [g.isolation] }),
        ),
      ),
    );
    return { status: "done", record: { enis: iso.enis } };
  },
  async verify(ctx, record) {
    const enis = (record as { enis: string[] }).enis;
    const now = await describeEnis(ctx, enis);
    const bad = enis.filter((id) => !sameSet(groupIds(now.get(id)), [groups(ctx).isolation]));
    return bad.length > 0 ? { ok: false, detail: `still open: ${bad.join(", ")}` } : { ok: true };
  },
};
