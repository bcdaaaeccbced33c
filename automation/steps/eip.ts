/**
 * disassociate-eips: Elastic IPs come off the instance (recorded, so `release` can put them back): its
 * public address stops reaching it even through paths a security group cannot see. DisassociateAddress
 * is idempotent, so the client retries it on a transient error like a read (automation/aws/actions.ts);
 * a retry after the first attempt took effect is answered InvalidAssociationID.NotFound: done.
 */
import { DescribeAddressesCommand, DisassociateAddressCommand } from "@aws-sdk/client-ec2";
import { type CaseContext, facts } from "../case/context";
import type { Json, Step } from "../engine/types";
import { errorName } from "./util";

export const eipStep: Step<CaseContext> = {
  id: "disassociate-eips",
  title: "Disassociate Elastic IPs (recorded)",
  needs: ["discover"],
  // Ordering only: the public address goes once the instance serves no more traffic, or at once when
  // taking it out of service failed (containment never waits on a failed sibling).
  after: ["asg-out-of-service", "elb-deregister"],
  purpose: "containment",
  async plan(ctx) {
    return facts(ctx)
      .addresses.filter((a) => a.associationId)
      .map((a) => ({
        action: "ec2:DisassociateAddress",
        target: a.publicIp ?? a.allocationId ?? "?",
        detail: `disassociate from ${a.networkInterfaceId}`,
      }));
  },
  async run(ctx) {
    const addresses = facts(ctx).addresses.filter((a) => a.associationId);
    if (addresses.length === 0) return { status: "skipped", reason: "the instance has no Elastic IP" };
    await Promise.all(
      addresses.map((a) =>
        ctx.clients.ec2
          .send(new DisassociateAddressCommand({ AssociationId: a.associationId }))
          .catch((err) => {
            // Already gone (a resumed run, or a retried call whose first attempt took effect): done.
            if (errorName(err) !== "InvalidAssociationID.NotFound") throw err;
          }),
      ),
    );
    return { status: "done", record: { addresses } as unknown as Json };
  },
  async verify(ctx) {
    const res = await ctx.clients.ec2.send(
      new DescribeAddressesCommand({ Filters: [{ Name: "instance-id", Values: [ctx.instanceId] }] }),
    );
    const still = (res.Addresses ?? []).map((a) => a.PublicIp);
    return still.length > 0 ? { ok: false, detail: `still associated: ${still.join(", ")}` } : { ok: true };
  },
};
