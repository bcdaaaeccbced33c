/**
 * The host must reach S3 to upload what an SSM capture collects (memory, logs). The first step that
 * needs it adds the forensic-egress group to the isolated ENIs and flags it (`memory-egress`) so
 * close-forensic-egress closes it again; a later step finds the flag and leaves the ENIs alone.
 */
import { ModifyNetworkInterfaceAttributeCommand } from "@aws-sdk/client-ec2";
import type { CaseContext, IsolationGroups } from "../case/context";
import type { IsolateRecord } from "./isolate";

export async function openForensicEgress(ctx: CaseContext): Promise<void> {
  const iso = ctx.records.get("isolate") as unknown as IsolateRecord | undefined;
  const g = ctx.records.get("isolation-groups") as unknown as IsolationGroups | undefined;
  if (!iso || iso.forensicEgress || ctx.records.get("memory-egress") === "open" || !g?.forensicEgress) return;
  // Marked before the change so close-forensic-egress closes a half-applied one; "open" only once every
  // ENI has it, so an attempt run again after a transient failure opens it again.
  ctx.records.set("memory-egress", "opening");
  await Promise.all(
    iso.enis.map((id) =>
      ctx.clients.ec2.send(
        new ModifyNetworkInterfaceAttributeCommand({
          NetworkInterfaceId: id,
          Groups: [g.isolation, g.forensicEgress!],
        }),
      ),
    ),
  );
  ctx.records.set("memory-egress", "open");
}
