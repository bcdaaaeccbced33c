/**
 * fold-denies: after containment, when a role carries 12 or more case denies (about a third of IAM's
 * 10,240-character budget for a role's inline policies), they are folded into one policy
 * (revoke-fold.ts) while there is room to fold each in before deleting it, so the budget never fills and
 * no fold ever has to open a gap. Not a containment step: the case's own deny is already in place, and
 * folding (a read and a write per case deny) stays out of the time to containment.
 */
import { ListRolePoliciesCommand } from "@aws-sdk/client-iam";
import { revokePolicyName } from "../../facts/names";
import type { CaseContext } from "../case/context";
import type { Json, Step } from "../engine/types";
import { type RevokeRecord, withRoleLock } from "./revoke";
import { FOLDED_POLICY_NAME, type FoldResult, foldDenies, foldedCovers } from "./revoke-fold";
import { roleWriterOf } from "./role-writer";

/** Case denies on one role before they are folded. */
export const FOLD_AT = 12;
const CASE_POLICY_PREFIX = revokePolicyName("c-");

export const foldDeniesStep: Step<CaseContext> = {
  id: "fold-denies",
  title: "Fold the role's case denies when they take a third of its inline budget",
  needs: ["revoke-credentials"],
  async plan() {
    return [];
  },
  async run(ctx) {
    const r = ctx.records.get("revoke-credentials") as unknown as RevokeRecord | undefined;
    if (!r) return { status: "skipped", reason: "no deny was put (the instance has no role)" };
    if (r.scope === "whole-role") return { status: "skipped", reason: "a whole-role deny is not folded" };
    const outcome = await withRoleLock(r.role, async () => {
      const names =
        (await ctx.clients.iam.send(new ListRolePoliciesCommand({ RoleName: r.role }))).PolicyNames ?? [];
      const cases = names.filter((n) => n.startsWith(CASE_POLICY_PREFIX)).length;
      return cases >= FOLD_AT ? foldDenies(ctx.clients, roleWriterOf(ctx, r.instanceArn), r.role) : cases;
    });
    if (typeof outcome === "number")
      return { status: "skipped", reason: `${outcome} case denies on ${r.role}: folded from ${FOLD_AT} on` };
    return {
      status: "done",
      record: { role: r.role, instanceArn: r.instanceArn, ...outcome } as unknown as Json,
    };
  },
  async verify(ctx, record) {
    const r = record as unknown as FoldResult & { role: string; instanceArn: string };
    // This case's instance may have been folded by this run or by another case's: either way it is
    // denied by the folded policy, or still by its own.
    const folded = await foldedCovers(ctx.clients.iam, r.role, r.instanceArn, "1970-01-01T00:00:00Z");
    return folded
      ? {
          ok: true,
          detail: `${r.folded.length} case denies folded into ${FOLDED_POLICY_NAME} on ${r.role}${r.dropped.length ? `; ${r.dropped.length} instance(s) gone with expired credentials dropped` : ""}`,
        }
      : { ok: false, detail: `${FOLDED_POLICY_NAME} on ${r.role} does not deny ${r.instanceArn}` };
  },
};
