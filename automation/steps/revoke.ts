/**
 * revoke-credentials: an inline deny on the instance's role for every session issued before now (UTC),
 * scoped to this instance (`ec2:SourceInstanceARN`): copies of its credentials stolen from IMDS die,
 * siblings sharing the role keep working. `--whole-role` drops the scope (the role itself is suspect).
 * Long-term access keys (AKIA...) are not affected by aws:TokenIssueTime: they must be deactivated.
 */
import { GetRolePolicyCommand, PutRolePolicyCommand } from "@aws-sdk/client-iam";
import { revokePolicyName } from "../../facts/names";
import { type CaseContext, facts, resolved } from "../case/context";
import type { Json, Step } from "../engine/types";

export interface RevokeRecord {
  role: string;
  policyName: string;
  issuedBefore: string;
  scope: "instance" | "whole-role";
  instanceArn: string;
}

/** The deny policy document. */
export function revokeDocument(instanceArn: string, issuedBefore: string, wholeRole: boolean): string {
  const condition: Record<string, Record<string, string>> = {
    DateLessThan: { "aws:TokenIssueTime": issuedBefore },
  };
  if (!wholeRole) condition.ArnEquals = { "ec2:SourceInstanceARN": instanceArn };
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Sid: wholeRole ? "IrRevokeAllOlderSessions" : "IrRevokeInstanceSessions",
        Effect: "Deny",
        Action: "*",
        Resource: "*",
        Condition: condition,
      },
    ],
  });
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
        action: "iam:PutRolePolicy",
        target: role.arn,
        detail: `inline deny "${revokePolicyName(ctx.caseId)}": every action for sessions issued before now${
          ctx.options.wholeRole ? " (whole role)" : ` from ${facts(ctx).arn}`
        }`,
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
    // IAM compares whole seconds: round UP, so a session minted earlier in this same second (a thief's
    // last refresh) is denied too. Denying a few hundred ms more is the safe direction.
    const issuedBefore = new Date(Math.ceil(Date.now() / 1000) * 1000)
      .toISOString()
      .replace(/\.\d{3}Z$/, "Z");
    const record: RevokeRecord = {
      role: role.name,
      policyName: revokePolicyName(ctx.caseId),
      issuedBefore,
      scope: ctx.options.wholeRole ? "whole-role" : "instance",
      instanceArn: facts(ctx).arn,
    };
    await ctx.clients.iam.send(
      new PutRolePolicyCommand({
        RoleName: role.name,
        PolicyName: record.policyName,
        PolicyDocument: revokeDocument(record.instanceArn, issuedBefore, ctx.options.wholeRole),
      }),
    );
    return { status: "done", record: record as unknown as Json };
  },
  async verify(ctx, record) {
    const r = record as unknown as RevokeRecord;
    const res = await ctx.clients.iam.send(
      new GetRolePolicyCommand({ RoleName: r.role, PolicyName: r.policyName }),
    );
    const doc = JSON.parse(decodeURIComponent(res.PolicyDocument ?? "%7B%7D")) as {
      Statement?: { Effect?: string; Condition?: Record<string, Record<string, string>> }[];
    };
    const st = doc.Statement?.[0];
    const arnOk =
      r.scope === "whole-role" || st?.Condition?.ArnEquals?.["ec2:SourceInstanceARN"] === r.instanceArn;
    const timeOk = Boolean(st?.Condition?.DateLessThan?.["aws:TokenIssueTime"]);
    return st?.Effect === "Deny" && arnOk && timeOk
      ? {
          ok: true,
          detail: `${r.policyName} on ${r.role}: deny sessions issued before ${r.issuedBefore} (${r.scope})`,
        }
      : { ok: false, detail: `policy ${r.policyName} on ${r.role} does not deny this instance's sessions` };
  },
};
