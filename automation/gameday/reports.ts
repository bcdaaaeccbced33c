/**
 * The case's three report files (JSON, Markdown, HTML) written by the report module from the journal,
 * exactly as `ir report` writes them, plus `ir verify`'s own evidence verification. Both count as
 * checks: a missing module or an empty file fails loudly.
 */
import { statSync } from "node:fs";
import type { Check } from "./checks";
import type { ScenarioRun } from "./lifecycle";
import type { PhaseApi } from "./phases";

export async function writeScenarioReports(
  run: ScenarioRun,
  phases: PhaseApi,
  dir: string,
): Promise<{ files: Record<string, string>; checks: Check[] }> {
  const checks: Check[] = [];
  const req = { caseId: run.caseId!, settings: run.account.settings, clients: run.account.clients };
  const verifyTitle = "ir verify agrees: evidence and journal verify";
  if ("missing" in phases.verifyCase) {
    checks.push({
      id: "verify",
      stage: "final",
      title: verifyTitle,
      ok: false,
      detail: phases.verifyCase.missing,
    });
  } else {
    const v = await phases.verifyCase
      .fn(req)
      .catch((err: Error) => ({ ok: false, problems: [{ kind: "error", detail: err.message }] }));
    checks.push({
      id: "verify",
      stage: "final",
      title: verifyTitle,
      ok: v.ok,
      detail: v.ok ? "no problem found" : v.problems.map((p) => `${p.kind}: ${p.detail}`).join("; "),
    });
  }
  const title = "three report files written (JSON, Markdown, HTML)";
  if ("missing" in phases.loadCaseReport || "missing" in phases.writeReports) {
    const why =
      "missing" in phases.loadCaseReport
        ? phases.loadCaseReport.missing
        : (phases.writeReports as { missing: string }).missing;
    checks.push({ id: "reports", stage: "final", title, ok: false, detail: why });
    return { files: {}, checks };
  }
  try {
    const report = await phases.loadCaseReport.fn(req);
    const files = await phases.writeReports.fn(report, dir);
    const sizes = Object.entries(files).map(([kind, f]) => [kind, statSync(f).size] as const);
    const empty = sizes.filter(([, n]) => n === 0).map(([k]) => k);
    const ok = sizes.length === 3 && empty.length === 0;
    checks.push({
      id: "reports",
      stage: "final",
      title,
      ok,
      detail: ok
        ? `${Object.values(files).join(", ")}`
        : `got ${sizes.length} file(s)${empty.length ? `, empty: ${empty.join(", ")}` : ""}`,
    });
    return { files, checks };
  } catch (err) {
    checks.push({
      id: "reports",
      stage: "final",
      title,
      ok: false,
      detail: `report failed: ${(err as Error).message}`,
    });
    return { files: {}, checks };
  }
}
