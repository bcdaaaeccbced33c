/**
 * `ir doctor`: checks an account's readiness before an incident and says what to fix
 * (automation/doctor/, docs/doctor.md). Read-only. Exits 0 when no check fails, 11 when one does,
 * 2 on bad input (unknown Region, no credentials, no baseline): nothing changed either way.
 */
import { runDoctor } from "../../doctor/doctor";
import { renderReport } from "../../doctor/render";
import { EXIT } from "../exit-codes";
import { type Common, clientsFor, commonOptions } from "../shared";
import type { AddCommand } from "./index";

type DoctorOptions = Common & { responderRole?: string; vpc?: string[]; evidenceBucket?: string };

export const addDoctorCommand: AddCommand = (program, io, setCode) => {
  commonOptions(
    program
      .command("doctor")
      .description(
        "read-only readiness check: responder permissions (IAM policy simulator), evidence bucket, journal, keys, isolation groups, and which instances are containable, capturable, preservable",
      ),
  )
    .option("--responder-role <name-or-arn>", "the role responders assume (default: ir-responder)")
    .option(
      "--evidence-bucket <name>",
      "evidence bucket (default: IR_EVIDENCE_BUCKET, config, ir-evidence-<account>-<region>)",
    )
    .option("--vpc <vpc-id...>", "VPCs to check beyond the configured ones and those with running instances")
    .action(async (opts: DoctorOptions) => {
      const { settings, clients } = clientsFor(opts);
      try {
        const report = await runDoctor({
          clients,
          settings,
          ...(opts.responderRole ? { responderRole: opts.responderRole } : {}),
          ...(opts.vpc ? { vpcIds: opts.vpc } : {}),
        });
        const code = report.ready ? EXIT.ok : EXIT.notReady;
        if (opts.json) io.out(JSON.stringify({ command: "doctor", exitCode: code, ...report }, null, 2));
        else for (const line of renderReport(report)) io.out(line);
        setCode(code);
      } finally {
        clients.destroy();
      }
    });
};
