/**
 * `ir investigate <case-id>`: a forensic workstation with the case's snapshots attached as volumes and
 * mounted read-only (reused when it already runs); `--stop` tears it and its volumes down and keeps the
 * snapshots. Asks for confirmation on a terminal, `--yes` otherwise; `--dry-run` plans only.
 */

import { checkCaseId } from "../../case/ids";
import { InputError } from "../../input/targets";
import { type InvestigateResult, investigate, stopInvestigation } from "../../investigate/investigate";
import type { StopResult } from "../../investigate/stop";
import { confirm } from "../confirm";
import { EXIT } from "../exit-codes";
import { progress, safe, stepLine } from "../render";
import { type Common, clientsFor, commonOptions, type Io } from "../shared";
import type { AddCommand } from "./index";

interface InvestigateOptions extends Common {
  stop?: boolean;
  owner?: string;
  ttlHours?: string;
  instanceType?: string;
  dryRun?: boolean;
}

const OK = new Set(["ready", "reused", "planned", "stopped", "nothing-to-stop"]);

export function investigateExitCode(status: InvestigateResult["status"] | StopResult["status"]): number {
  if (OK.has(status)) return EXIT.ok;
  return status === "busy" ? EXIT.busy : EXIT.error;
}

function parseTtl(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value))
    throw new InputError(
      `ttl "${safe(value, 50)}" is not valid: expected whole hours from 1 to 720 (--ttl-hours 24)`,
    );
  return Number(value);
}

function printSetup(io: Io, r: InvestigateResult) {
  const ws = r.workstation;
  io.out(
    `case ${r.caseId}: ${r.status}${ws ? `, workstation ${ws.instanceId} in ${ws.availabilityZone} (owner ${safe(ws.owner)}, expires ${ws.expiresAt})` : ""}`,
  );
  for (const n of r.notes) io.out(`  note: ${safe(n)}`);
  if (r.error) io.out(`  error: ${safe(r.error)}`);
  for (const v of ws?.volumes ?? [])
    io.out(
      `  ${v.mountPoint}  <- ${v.snapshotId} (${v.volumeId} on ${v.device})${ws?.mounted ? "" : " not mounted"}`,
    );
  if (r.status === "planned")
    for (const s of r.steps) {
      for (const c of s.changes ?? [])
        io.out(
          `  would ${c.action} ${safe(c.target)}: ${safe(c.detail)}${c.dryRun ? ` [dry run: ${safe(c.dryRun)}]` : ""}`,
        );
      if (s.status === "failed") io.out(`  cannot plan ${s.id}: ${safe(s.detail)}`);
    }
  else if (!io.err.isTTY) for (const s of r.steps) io.out(stepLine(process.stdout, s, "  "));
  if (ws && (r.status === "ready" || r.status === "reused"))
    io.out(
      `  connect: aws ssm start-session --target ${ws.instanceId}; stop: ir investigate ${r.caseId} --stop`,
    );
}

function printStop(io: Io, r: StopResult) {
  io.out(`case ${r.caseId}: ${r.status}${r.error ? `: ${safe(r.error)}` : ""}`);
  if (r.terminated.length) io.out(`  terminated ${r.terminated.join(", ")}`);
  if (r.deletedVolumes.length) io.out(`  deleted volumes ${r.deletedVolumes.join(", ")}`);
  io.out(`  kept snapshots ${r.keptSnapshots.join(", ") || "(none recorded)"}`);
  if (!io.err.isTTY) for (const s of r.steps) io.out(stepLine(process.stdout, s, "  "));
}

export const addInvestigateCommand: AddCommand = (program, io, setCode) => {
  commonOptions(
    program
      .command("investigate")
      .description(
        "forensic workstation for a case: launched in the forensic VPC, the case snapshots attached as volumes and mounted read-only; --stop tears it down and keeps the snapshots",
      )
      .argument("<case-id>", "the case (c-...), as `ir respond` printed it"),
  )
    .option("--stop", "terminate the case's workstation and delete its evidence volumes (snapshots stay)")
    .option("--owner <who>", "ir:owner tag of a new workstation (default: the caller identity ARN)")
    .option("--ttl-hours <n>", "hours until ir:expires-at; `ir status` reports it after that (default 24)")
    .option("--instance-type <type>", "workstation instance type (default t3.large)")
    .option("--forensic-vpc <vpc-id>", "forensic VPC (default: IR_FORENSIC_VPC, config forensic.vpcId)")
    .option("--forensic-subnet <subnet-id...>", "forensic subnets (default: IR_FORENSIC_SUBNETS, config)")
    .option(
      "--forensic-security-group <sg-id>",
      "workstation group (default: IR_FORENSIC_SECURITY_GROUP, config)",
    )
    .option(
      "--forensic-profile <name>",
      "SSM-only workstation profile (default: IR_FORENSIC_PROFILE, config)",
    )
    .option("--forensic-ami-parameter <name>", "SSM parameter of the forensic AMI (default /ir/forensic-ami)")
    .option("--dry-run", "plan only: print every change, make none")
    .option("--yes", "do not ask for confirmation (required without a terminal)")
    .action(async (caseId: string, opts: InvestigateOptions) => {
      checkCaseId(caseId);
      if (opts.stop && opts.dryRun)
        throw new InputError(
          "--stop cannot be combined with --dry-run: run --stop without --yes to be asked first",
        );
      const ttlHours = parseTtl(opts.ttlHours);
      const { settings, clients } = clientsFor(opts);
      try {
        if (!opts.dryRun) {
          const question = opts.stop
            ? `terminate the forensic workstation of case ${caseId} and delete its evidence volumes (the snapshots stay)?`
            : `launch (or reuse) a forensic workstation for case ${caseId} and attach its snapshots read-only?`;
          const ok = await confirm(question, opts.yes);
          if (ok !== true) {
            const message =
              ok === "no-tty"
                ? "no terminal to confirm on: pass --yes (or --dry-run)"
                : "not confirmed: nothing changed";
            if (opts.json)
              io.out(JSON.stringify({ command: "investigate", exitCode: EXIT.notConfirmed, error: message }));
            else io.err.write(`ir: ${message}\n`);
            setCode(EXIT.notConfirmed);
            return;
          }
        }
        const ui = progress(io.err, Boolean(opts.json) || Boolean(opts.dryRun));
        if (opts.stop) {
          const r = await stopInvestigation({ caseId, settings, clients, observe: ui.observe });
          ui.stop();
          const code = investigateExitCode(r.status);
          if (opts.json)
            io.out(JSON.stringify({ command: "investigate", stop: true, exitCode: code, ...r }, null, 2));
          else printStop(io, r);
          setCode(code);
          return;
        }
        const r = await investigate({
          caseId,
          settings,
          clients,
          ...(opts.owner !== undefined ? { owner: opts.owner } : {}),
          ...(ttlHours !== undefined ? { ttlHours } : {}),
          ...(opts.instanceType ? { instanceType: opts.instanceType } : {}),
          dryRun: Boolean(opts.dryRun),
          observe: ui.observe,
        });
        ui.stop();
        const code = investigateExitCode(r.status);
        if (opts.json)
          io.out(
            JSON.stringify(
              { command: "investigate", dryRun: Boolean(opts.dryRun), exitCode: code, ...r },
              null,
              2,
            ),
          );
        else printSetup(io, r);
        setCode(code);
      } finally {
        clients.destroy();
      }
    });
};
