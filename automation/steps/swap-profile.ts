/**
 * swap-profile: the instance profile is replaced by the deny-all profile, so IMDS hands out credentials
 * that can do nothing. The original association is recorded (discover) for `release`.
 */
import {
  AssociateIamInstanceProfileCommand,
  DescribeIamInstanceProfileAssociationsCommand,
  ReplaceIamInstanceProfileAssociationCommand,
} from "@aws-sdk/client-ec2";
import { type CaseContext, facts } from "../case/context";
import type { Json, Step } from "../engine/types";
import type { DenyAllProfile } from "./deny-all-profile";
import { errorName, mayHaveRun, sleep } from "./util";

export interface SwapRecord {
  original: string | null;
  denyAll: string;
}

async function currentAssociation(ctx: CaseContext) {
  const res = await ctx.clients.ec2.send(
    new DescribeIamInstanceProfileAssociationsCommand({
      Filters: [{ Name: "instance-id", Values: [ctx.instanceId] }],
    }),
  );
  return (res.IamInstanceProfileAssociations ?? []).find(
    (a) => a.State === "associated" || a.State === "associating",
  );
}

const isDenyAll = (arn: string | undefined, name: string) => Boolean(arn && arn.split("/").pop() === name);

export const swapProfileStep: Step<CaseContext> = {
  id: "swap-profile",
  title: "Swap the instance profile for the deny-all profile",
  needs: ["discover", "deny-all-profile"],
  purpose: "containment",
  async plan(ctx) {
    const p = facts(ctx).profile;
    const name = ctx.settings.denyAllInstanceProfile;
    return [
      p
        ? {
            action: "ec2:ReplaceIamInstanceProfileAssociation",
            target: ctx.instanceId,
            detail: `profile ${p.arn.split("/").pop()} -> ${name}`,
          }
        : {
            action: "ec2:AssociateIamInstanceProfile",
            target: ctx.instanceId,
            detail: `associate ${name} (no profile now)`,
          },
    ];
  },
  async run(ctx, attempt) {
    const denyAll = ctx.records.get("deny-all-profile") as unknown as DenyAllProfile;
    const original = facts(ctx).profile;
    const now = mayHaveRun(ctx, attempt)
      ? await currentAssociation(ctx)
      : original
        ? { AssociationId: original.associationId, IamInstanceProfile: { Arn: original.arn } }
        : undefined;
    const record: SwapRecord = { original: original?.arn ?? null, denyAll: denyAll.name };
    if (isDenyAll(now?.IamInstanceProfile?.Arn, denyAll.name))
      return { status: "done", record: record as unknown as Json };
    // A profile created moments ago may not be visible to EC2 yet (IAM is eventually consistent).
    for (let attempt = 1; ; attempt++) {
      try {
        if (now?.AssociationId) {
          await ctx.clients.ec2.send(
            new ReplaceIamInstanceProfileAssociationCommand({
              AssociationId: now.AssociationId,
              IamInstanceProfile: { Name: denyAll.name },
            }),
          );
        } else {
          await ctx.clients.ec2.send(
            new AssociateIamInstanceProfileCommand({
              InstanceId: ctx.instanceId,
              IamInstanceProfile: { Name: denyAll.name },
            }),
          );
        }
        break;
      } catch (err) {
        if (!(denyAll.created && errorName(err) === "InvalidParameterValue" && attempt < 10)) throw err;
        await sleep(1000);
      }
    }
    return { status: "done", record: record as unknown as Json };
  },
  async verify(ctx, record) {
    const r = record as unknown as SwapRecord;
    const now = await currentAssociation(ctx);
    return isDenyAll(now?.IamInstanceProfile?.Arn, r.denyAll)
      ? { ok: true, detail: `profile is ${r.denyAll} (was ${r.original?.split("/").pop() ?? "none"})` }
      : { ok: false, detail: `profile is ${now?.IamInstanceProfile?.Arn ?? "none"}, not ${r.denyAll}` };
  },
};
