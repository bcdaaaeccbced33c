/**
 * The revoke denies `ir` puts on a compromised instance's role: one document per case
 * (`ir-revoke-<case>`), and the folded one (`ir-revoke-folded`) that keeps a role inside IAM's inline
 * budget after many cases. Built here only, from instance ARNs and cut-offs, so the role writer (the
 * only holder of iam:PutRolePolicy, docs/architecture.md "Who may write a role's policies") and `ir`
 * running without it write the same bytes.
 *
 * Every document is Deny-only: Action "*", Resource "*", conditioned on the session's issue time (and,
 * scoped to an instance, on `ec2:SourceInstanceARN`). A deny can never grant anything, which is why a
 * writer that accepts nothing but these parameters cannot be turned into a path to admin.
 */
import { NAME_PREFIX } from "./names";

export const REVOKE_POLICY_PREFIX = `${NAME_PREFIX}-revoke-`;
export const FOLDED_POLICY_NAME = `${REVOKE_POLICY_PREFIX}folded`;
/** A case's own deny (`ir-revoke-c-20261203t101500z-a1b2c3`; IAM allows 128 characters in a name). */
export const CASE_POLICY = new RegExp(`^${REVOKE_POLICY_PREFIX}c-[a-z0-9-]{1,100}$`);

/** One deny: sessions of the role issued before `issuedBefore` on any of these instances. */
export interface InstanceDeny {
  instanceArns: string[];
  issuedBefore: string;
}

/** A case's deny: scoped to its instance, or to every session of the role (`--whole-role`). */
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

/** The folded policy: one statement per fold, each with its own cut-off and instances. */
export function foldedDocument(denies: InstanceDeny[]): string {
  return JSON.stringify({
    Version: "2012-10-17",
    // No Sid: every character counts against the role's budget.
    Statement: denies.map((d) => ({
      Effect: "Deny",
      Action: "*",
      Resource: "*",
      Condition: {
        DateLessThan: { "aws:TokenIssueTime": d.issuedBefore },
        ArnEquals: { "ec2:SourceInstanceARN": d.instanceArns },
      },
    })),
  });
}

interface Statement {
  Effect?: string;
  Condition?: {
    DateLessThan?: Record<string, string>;
    ArnEquals?: Record<string, string | string[]>;
  };
}

/** The instance-scoped denies a policy document holds (none for a whole-role deny or another policy). */
export function instanceDeniesOf(document: string | undefined): InstanceDeny[] {
  if (!document) return [];
  const doc = JSON.parse(decodeURIComponent(document)) as { Statement?: Statement[] | Statement };
  const statements = Array.isArray(doc.Statement) ? doc.Statement : doc.Statement ? [doc.Statement] : [];
  return statements.flatMap((st) => {
    const arns = st.Condition?.ArnEquals?.["ec2:SourceInstanceARN"];
    const issuedBefore = st.Condition?.DateLessThan?.["aws:TokenIssueTime"];
    if (st.Effect !== "Deny" || !arns || !issuedBefore) return [];
    return [{ instanceArns: Array.isArray(arns) ? arns : [arns], issuedBefore }];
  });
}

/** Latest cut-off per instance over these denies: how long each instance's old sessions stay denied. */
export function coverageOf(denies: InstanceDeny[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const d of denies)
    for (const arn of d.instanceArns) out.set(arn, Math.max(out.get(arn) ?? 0, Date.parse(d.issuedBefore)));
  return out;
}
