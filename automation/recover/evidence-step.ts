/**
 * recover-verify-evidence: the case's evidence verifies now (manifest, every artefact, locks, snapshots,
 * journal chain), through the same verifier as `ir verify`. It is this playbook's evidence step, so the
 * engine refuses `terminate` unless it verified; `terminate` re-verifies right before acting anyway, as
 * this step may have verified in an earlier run.
 */
import type { Json, Step } from "../engine/types";
import { type VerifyReport, verifyCase } from "../evidence/verify";
import type { RecoverContext } from "./context";

export function verifyEvidence(ctx: RecoverContext): Promise<VerifyReport> {
  return verifyCase({
    caseId: ctx.caseId,
    settings: ctx.settings,
    clients: ctx.clients,
    journals: ctx.recover.journals,
  });
}

export const describeProblems = (r: VerifyReport) =>
  r.problems
    .slice(0, 10)
    .map((p) => `${p.kind}: ${p.detail}`)
    .join("; ") +
  (r.problems.length > 10 ? `; and ${r.problems.length - 10} more (ir verify ${r.caseId})` : "");

export const evidenceStep: Step<RecoverContext> = {
  id: "recover-verify-evidence",
  title: "Verify the case's evidence (manifest, artefacts, locks, journal chain)",
  purpose: "evidence",
  effect: "reads",
  async plan() {
    return [];
  },
  async run(ctx) {
    const report = await verifyEvidence(ctx);
    return { status: "done", record: report as unknown as Json };
  },
  async verify(_ctx, record) {
    const r = record as unknown as VerifyReport;
    return r.ok
      ? {
          ok: true,
          detail: `${r.artefacts} artefact(s) re-hashed, manifest locked until ${r.lockedUntil}, journal chain intact (${r.chain.entries} entries)`,
        }
      : { ok: false, detail: `evidence does not verify: ${describeProblems(r)}` };
  },
};
