/**
 * `ir analyze <case-id>`: the addresses that matter (the role's credentials used from outside the
 * instance, the finding's peers, the flow logs' peers; AWS addresses marked, with where to report
 * them) and the change timeline of the instance, its interfaces, groups and role. Journaled on the case
 * and written as a locked `analysis.json`. Reads AWS only, apart from that evidence write: no --yes.
 */
import { analyzeCase, type CaseAnalysis } from "../../analyze/case";
import { renderAttackerIps, renderTimeline } from "../../analyze/render";
import { InputError } from "../../input/targets";
import { EXIT } from "../exit-codes";
import { progress, safe, stepLine } from "../render";
import { type Common, clientsFor, commonOptions } from "../shared";
import type { AddCommand } from "./index";

interface AnalyzeFlags extends Common {
  ipRanges?: string;
  since?: string;
  until?: string;
}

export function analyzeExitCode(r: CaseAnalysis): number {
  switch (r.status) {
    case "analyzed":
      return EXIT.ok;
    case "busy":
      return EXIT.busy;
    case "incomplete":
      return EXIT.preserveIncomplete;
    default:
      return EXIT.error;
  }
}

export const addAnalyzeCommand: AddCommand = (program, io, setCode) => {
  commonOptions(
    program
      .command("analyze")
      .description(
        "attacker addresses (CloudTrail, finding, flow logs; AWS ranges marked) and the change timeline of a case",
      )
      .argument("<case-id>", "the case to analyze (as `ir respond` printed it)"),
  )
    .option(
      "--ip-ranges <file>",
      "AWS's ip-ranges.json (download https://ip-ranges.amazonaws.com/ip-ranges.json) to mark AWS addresses",
    )
    .option("--since <iso>", "window start, e.g. 2026-11-28T02:00:00Z (default: 24 h before the finding)")
    .option("--until <iso>", "window end (default: now)")
    .action(async (caseId: string, opts: AnalyzeFlags) => {
      const { settings, clients } = clientsFor(opts);
      try {
        const ui = progress(io.err, Boolean(opts.json));
        let r: CaseAnalysis;
        try {
          r = await analyzeCase({
            caseId,
            settings,
            clients,
            observe: ui.observe,
            ...(opts.ipRanges ? { ipRangesFile: opts.ipRanges } : {}),
            ...(opts.since ? { since: opts.since } : {}),
            ...(opts.until ? { until: opts.until } : {}),
          });
        } catch (err) {
          ui.stop();
          if (!(err instanceof InputError)) throw err;
          if (opts.json)
            io.out(
              JSON.stringify(
                { command: "analyze", exitCode: EXIT.usage, caseId, error: err.message },
                null,
                2,
              ),
            );
          else io.err.write(`ir: ${safe(err.message)}\n`);
          setCode(EXIT.usage);
          return;
        }
        ui.stop();
        const code = analyzeExitCode(r);
        if (opts.json) io.out(JSON.stringify({ command: "analyze", exitCode: code, ...r }, null, 2));
        else {
          io.out(
            `case ${r.caseId}: ${r.status}, window ${r.window.start} .. ${r.window.end} (${safe(r.window.source)})`,
          );
          if (r.error) io.out(`  error: ${safe(r.error)}`);
          for (const n of r.notes) io.out(`  note: ${safe(n, 300)}`);
          if (r.attackerIps) io.out(`\n${renderAttackerIps(r.attackerIps)}`);
          if (r.changeHistory) io.out(`\n${renderTimeline(r.changeHistory)}`);
          if (!io.err.isTTY) for (const s of r.steps) io.out(stepLine(process.stdout, s, "  "));
        }
        setCode(code);
      } finally {
        clients.destroy();
      }
    });
};
