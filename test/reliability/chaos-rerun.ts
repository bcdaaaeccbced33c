/**
 * What an operator does when a phase ends incomplete under faults: runs it again (`ir respond` resumes
 * the case, `ir investigate`, `ir recover`...). Only the stages whose checks failed are rerun, in order,
 * through the same (faulty) clients, and their checks are taken again; bounded by `maxReruns`. A stage
 * that passed is never rerun (a second `investigate` after the workstation was stopped would rightly
 * launch another one, which would then count as a duplicate).
 */
import { containmentChecks, finalChecks, investigationChecks } from "../../automation/gameday/checks";
import type { ScenarioRun } from "../../automation/gameday/lifecycle";
import type { PhaseApi } from "../../automation/gameday/phases";
import { respond } from "../../automation/respond/respond";

/** How many checks each stage had added by the time the next stage began (from the lifecycle hook). */
export interface StageMarks {
  investigated?: number;
  final?: number;
}

const failed = (checks: { ok: boolean }[]) => checks.some((c) => !c.ok);

/** Reruns failing stages until every check passes or `maxReruns` is spent; returns the rounds used. */
export async function rerunUntilDone(
  run: ScenarioRun,
  phases: PhaseApi,
  marks: StageMarks,
  o: { maxReruns: number; healthTimeoutMs: number },
): Promise<number> {
  const a = marks.investigated ?? run.checks.length;
  const b = marks.final ?? run.checks.length;
  let containment = run.checks.slice(0, a);
  let investigation = run.checks.slice(a, b);
  let final = run.checks.slice(b);
  const { clients, settings } = run.account;
  const request = {
    targets: [
      { instanceId: run.victim.instanceId, region: run.victim.region, source: { kind: "argument" as const } },
    ],
    settings,
    clients,
    options: { dwellMs: 0, decrementCapacity: true },
  };
  for (let k = 1; k <= o.maxReruns; k++) {
    if (run.checks.length > 0 && !failed(run.checks)) return k - 1;
    if (failed(containment) || !run.caseId) {
      let [r] = await respond(request);
      // A run that ended in an error may still hold the lease: wait for it, as `ir status` would say.
      for (let wait = 0; r?.status === "busy" && wait < 4; wait++) {
        await new Promise((done) => setTimeout(done, settings.leaseMs + 500));
        [r] = await respond(request);
      }
      run.respond = r;
      run.caseId ??= r?.caseId;
      containment = await containmentChecks(run);
    }
    const caseId = run.caseId;
    if (!caseId) continue;
    const req = { caseId, settings, clients };
    if (failed(investigation) && "fn" in phases.investigate) {
      run.investigate = await phases.investigate
        .fn({ ...req, owner: "gameday", ttlHours: 1 })
        .catch((err: Error) => ({ caseId, status: "error", steps: [], notes: [], error: err.message }));
      investigation = await investigationChecks(run, phases);
      if ("fn" in phases.analyzeCase)
        run.analyze = await phases.analyzeCase.fn(req).catch((err: Error) => ({
          caseId,
          status: "error",
          attackerIps: [],
          steps: [],
          notes: [],
          error: err.message,
        }));
      if (run.investigate?.workstation && "fn" in phases.stopInvestigation)
        await phases.stopInvestigation.fn(req).catch(() => undefined);
    }
    if (failed(final) && "fn" in phases.recover) {
      run.recover = await phases.recover
        .fn({
          ...req,
          via: "asg",
          before: run.began.toISOString(),
          healthTimeoutMs: o.healthTimeoutMs,
          terminate: "yes",
        })
        .catch((err: Error) => ({ caseId, status: "error", steps: [], notes: [], error: err.message }));
      final = await finalChecks(run, phases);
    }
    run.checks = [...containment, ...investigation, ...final];
  }
  return o.maxReruns;
}
