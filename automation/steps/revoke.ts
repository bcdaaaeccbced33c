/**
 * revoke-credentials: an inline deny on the instance's role for every session issued before now (UTC),
 * scoped to this instance (`ec2:SourceInstanceARN`): copies of its credentials stolen from IMDS die,
 * siblings sharing the role keep working. Put at once, then again with a fresh cut-off once the deny-all
 * profile is seen associated (the swap runs beside this step), so no session IMDS issued for the role
 * before the swap outlives it. When the role's inline budget is full, instance denies are folded
 * (revoke-fold.ts). `--whole-role` drops the scope (the role itself is suspect).
 * Long-term access keys (AKIA...) are not affected by aws:TokenIssueTime: they must be deactivated.
 */
import { DescribeIamInstanceProfileAssociationsCommand } from "@aws-sdk/client-ec2";
import { GetRolePolicyCommand } from "@aws-sdk/client-iam";
import { revokePolicyName } from "../../facts/names";
import { revokeDocument } from "../../facts/revoke-policy";

import { isLimitExceeded, isNoSuchEntity } from "../aws/errors";
import { sleep } from "../aws/retry";
import { type CaseContext, facts, resolved } from "../case/context";
import type { Json, Step } from "../engine/types";
import { FOLDED_POLICY_NAME, type FoldResult, foldDenies, foldedCovers } from "./revoke-fold";
import { roleWriterOf } from "./role-writer";

/** The deny policy document (built in facts/revoke-policy.ts, shared with the role writer). */
export { revokeDocument };

/** One fold at a time per role in this process (a fold reads, rewrites and deletes several policies). */
const roleLocks = new Map<string, Promise<unknown>>();
export function withRoleLock<T>(role: string, work: () => Promise<T>): Promise<T> {
  const run = (roleLocks.get(role) ?? Promise.resolve()).then(work);
  roleLocks.set(
    role,
    run.catch(() => undefined),
  );
  return run;
}

export interface RevokeRecord {
  role: string;
  /** The case's own policy, or the folded one (FOLDED_POLICY_NAME) when the role's budget was full. */
  policyName: string;
  issuedBefore: string;
  scope: "instance" | "whole-role";
  instanceArn: string;
  /** The first cut-off, set at once; `issuedBefore` is the one set after the profile swap held. */
  firstIssuedBefore?: string;
  /** Whether the cut-off was set again after the deny-all profile was seen associated, or why not. */
  afterSwap?: string;
  /** Case policies folded into the folded deny, and instances dropped from it (gone, credentials expired). */
  fold?: FoldResult;
  /** Who wrote the deny: "function ir-role-writer" (the baseline's role writer) or "direct". */
  writer?: string;
}

/** Bound of the wait for the deny-all profile to be associated (the swap runs beside this step). */
const SWAP_WAIT_MS = 15_000;
const SWAP_POLL_MS = 250;

/** Whole seconds, rounded UP: IAM compares whole seconds, so a session minted earlier in this same
 * second (a thief's last refresh) is denied too. Denying a few hundred ms more is the safe direction. */
function cutOffNow(): string {
  return new Date(Math.ceil(Date.now() / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/**
 * Waits until the instance holds the deny-all profile: from then on, IMDS hands out deny-all credentials,
 * so a cut-off set now leaves no session of the original role issued after it.
 */
async function swapHeld(ctx: CaseContext): Promise<string> {
  const name = ctx.settings.denyAllInstanceProfile;
  const deadline = Date.now() + SWAP_WAIT_MS;
  for (;;) {
    const res = await ctx.clients.ec2.send(
      new DescribeIamInstanceProfileAssociationsCommand({
        Filters: [{ Name: "instance-id", Values: [ctx.instanceId] }],
      }),
    );
    const held = (res.IamInstanceProfileAssociations ?? []).some(
      (x) => x.State === "associated" && x.IamInstanceProfile?.Arn?.split("/").pop() === name,
    );
    if (held) return "verified";
    if (Date.now() + SWAP_POLL_MS >= deadline)
      return `the deny-all profile was not seen associated within ${SWAP_WAIT_MS / 1000} s: the first cut-off stands`;
    await sleep(SWAP_POLL_MS);
  }
}

export const revokeStep: Step<CaseContext> = {
  id: "revoke-credentials",
  title: "Revoke the instance role's sessions issued before now",
  needs: ["resolve"],
  purpose: "containment",
  async plan(ctx) {
    const role = resolved(ctx).role;
    if (!role) return [];
    return [
      {
        action: ctx.settings.roleWriterFunction ? "lambda:InvokeFunction" : "iam:PutRolePolicy",
        target: role.arn,
        detail: `inline deny "${revokePolicyName(ctx.caseId)}": every action for sessions issued before now${
          ctx.options.wholeRole ? " (whole role)" : ` from ${facts(ctx).arn}`
        }${ctx.settings.roleWriterFunction ? `, written by the role writer ${ctx.settings.roleWriterFunction}` : ""}`,
      },
    ];
  },
  async run(ctx) {
    const role = resolved(ctx).role;
    if (!role)
      return {
        status: "skipped",
        reason: "the instance has no instance profile: no role credentials to revoke",
      };
    const wholeRole = ctx.options.wholeRole;
    const record: RevokeRecord = {
      role: role.name,
      policyName: revokePolicyName(ctx.caseId),
      issuedBefore: cutOffNow(),
      scope: wholeRole ? "whole-role" : "instance",
      instanceArn: facts(ctx).arn,
    };
    const writer = roleWriterOf(ctx, record.instanceArn);
    record.writer = writer.via;
    const put = async (issuedBefore: string) => {
      if (record.policyName === FOLDED_POLICY_NAME) {
        record.fold = await withRoleLock(role.name, () =>
          foldDenies(ctx.clients, writer, role.name, { instanceArns: [record.instanceArn], issuedBefore }),
        );
        return;
      }
      try {
        await writer.write({
          op: "put-case-deny",
          roleName: role.name,
          policyName: record.policyName,
          instanceArn: record.instanceArn,
          issuedBefore,
          wholeRole,
        });
      } catch (err) {
        // The role's inline budget is full (a few dozen earlier cases): fold the instance denies.
        if (!isLimitExceeded(err) || wholeRole) throw err;
        record.policyName = FOLDED_POLICY_NAME;
        await put(issuedBefore);
      }
    };
    // At once, then again once the swap holds: credentials IMDS issued for the role between the first
    // cut-off and the swap would otherwise stay valid for hours.
    await put(record.issuedBefore);
    record.firstIssuedBefore = record.issuedBefore;
    record.afterSwap = await swapHeld(ctx);
    if (record.afterSwap === "verified") {
      const again = cutOffNow();
      if (again !== record.issuedBefore) {
        await put(again);
        record.issuedBefore = again;
      }
    }
    return { status: "done", record: record as unknown as Json };
  },
  async verify(ctx, record) {
    const r = record as unknown as RevokeRecord;
    const propagating = "applied; IAM may take a few minutes to enforce it everywhere (propagating)";
    const when = r.afterSwap === "verified" ? "after the deny-all profile held" : (r.afterSwap ?? "");
    if (r.policyName === FOLDED_POLICY_NAME) {
      return (await foldedCovers(ctx.clients.iam, r.role, r.instanceArn, r.issuedBefore))
        ? {
            ok: true,
            detail: `${FOLDED_POLICY_NAME} on ${r.role}: deny sessions issued before ${r.issuedBefore} (${when}); ${propagating}; ${r.fold?.folded.length ?? 0} case denies folded to keep the role's inline budget${r.fold?.gaps.length ? ` (${r.fold.gaps.length} deleted before folding: the budget was full)` : ""}`,
          }
        : { ok: false, detail: `${FOLDED_POLICY_NAME} on ${r.role} does not deny this instance's sessions` };
    }
    const res = await ctx.clients.iam
      .send(new GetRolePolicyCommand({ RoleName: r.role, PolicyName: r.policyName }))
      .catch(async (err) => {
        // Another case on the role folded this one's deny in the meantime.
        if (isNoSuchEntity(err)) return undefined;
        throw err;
      });
    if (!res) {
      return (await foldedCovers(ctx.clients.iam, r.role, r.instanceArn, r.issuedBefore))
        ? {
            ok: true,
            detail: `folded into ${FOLDED_POLICY_NAME} on ${r.role} by a later case; ${propagating}`,
          }
        : {
            ok: false,
            detail: `no deny of this instance on ${r.role}: ${r.policyName} is gone and not folded`,
          };
    }
    const doc = JSON.parse(decodeURIComponent(res.PolicyDocument ?? "%7B%7D")) as {
      Statement?: { Effect?: string; Condition?: Record<string, Record<string, string>> }[];
    };
    const st = doc.Statement?.[0];
    const arnOk =
      r.scope === "whole-role" || st?.Condition?.ArnEquals?.["ec2:SourceInstanceARN"] === r.instanceArn;
    const timeOk = st?.Condition?.DateLessThan?.["aws:TokenIssueTime"] === r.issuedBefore;
    return st?.Effect === "Deny" && arnOk && timeOk
      ? {
          ok: true,
          detail: `${r.policyName} on ${r.role}: deny sessions issued before ${r.issuedBefore} (${r.scope}, ${when}); ${propagating}`,
        }
      : { ok: false, detail: `policy ${r.policyName} on ${r.role} does not deny this instance's sessions` };
  },
};
