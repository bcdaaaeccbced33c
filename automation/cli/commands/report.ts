/**
 * `ir report <case-id>`: writes the case's report.json, report.md and report.html (or one of them) to
 * `--out` (default ./ir-reports/<case-id>/). Reads only. Exits 8 when the journal's hash chain is
 * broken: the report is still written, and says so, because a responder needs it most then.
 */
import { join } from "node:path";
import { Option } from "commander";
import { checkCaseId } from "../../case/ids";
import { InputError } from "../../input/targets";
import { loadCaseReport } from "../../report/load";
import { REPORT_FORMATS, type ReportFormat, writeReportFiles } from "../../report/write";
import { EXIT } from "../exit-codes";
import { safe } from "../render";
import { type Common, clientsFor, commonOptions } from "../shared";
import type { AddCommand } from "./index";

const FORMAT_CHOICES = [...REPORT_FORMATS, "all"];

export function parseFormat(value: string): readonly ReportFormat[] {
  if (value === "all") return REPORT_FORMATS;
  if ((REPORT_FORMATS as readonly string[]).includes(value)) return [value as ReportFormat];
  throw new InputError(`report format "${safe(value, 100)}" is not valid: use json, md, html or all`);
}

export const addReportCommand: AddCommand = (program, io, setCode) => {
  commonOptions(
    program
      .command("report")
      .description(
        "write a case's report.json, report.md and report.html (timeline, evidence, analysis, figures)",
      )
      .argument("<case-id>", "the case to report on (c-...), as `ir respond` printed it"),
  )
    .option("--out <dir>", "directory for the reports (default: ./ir-reports/<case-id>/)")
    .addOption(
      new Option("--format <format>", `which report to write: ${FORMAT_CHOICES.join(", ")}`).default("all"),
    )
    .option("--evidence-bucket <name>", "Object-Lock evidence bucket holding the manifest")
    .action(async (caseId: string, opts: Common & { out?: string; format: string }) => {
      // Bad input fails before any AWS call and before anything is written.
      checkCaseId(caseId);
      const formats = parseFormat(opts.format);
      const { settings, clients } = clientsFor(opts);
      try {
        const report = await loadCaseReport({ caseId, settings, clients });
        const dir = opts.out ?? join("ir-reports", caseId);
        const files = await writeReportFiles(report, dir, formats);
        const code = report.journal.chainOk ? EXIT.ok : EXIT.journalBroken;
        const f = report.figures;
        if (opts.json) {
          io.out(
            JSON.stringify(
              {
                command: "report",
                exitCode: code,
                caseId,
                files,
                chain: {
                  ok: report.journal.chainOk,
                  ...(report.journal.problem ? { problem: report.journal.problem } : {}),
                },
                figures: f,
                phases: report.phases.map((p) => ({ phase: p.phase, status: p.status })),
              },
              null,
              2,
            ),
          );
        } else {
          io.out(`case ${caseId}: reports written`);
          for (const path of Object.values(files)) io.out(`  ${path}`);
          io.out(
            `  time to contain ${safe(f.timeToContain.human)}; time to evidence ${safe(f.timeToEvidence.human)}; time to recover ${safe(f.timeToRecover.human)}`,
          );
          if (!report.journal.chainOk) io.out(`  journal hash chain BROKEN: ${safe(report.journal.problem)}`);
        }
        setCode(code);
      } finally {
        clients.destroy();
      }
    });
};
