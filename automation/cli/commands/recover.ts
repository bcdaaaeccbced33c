/**
 * `ir recover <case-id> --via asg|pulumi`: rebuild the workload from the newest known-good AMI published
 * before the compromise, wait for its target groups to be healthy again, re-verify the evidence, then
 * terminate the compromised instance (asking first unless --yes; --no-terminate stops after the gate).
 * Exits 0 recovered, 9 incomplete (rebuild failed, unhealthy, termination refused), 2 bad input,
 * 5 busy, 6 not confirmed.
 */
import { Option } from "commander";
import { checkCaseId } from "../../case/ids";
import { InputError } from "../../input/targets";
import { type RecoverResult, recover } from "../../recover/recover";
import { confirm } from "../confirm";
import { EXIT } from "../exit-codes";
import { progress, safe, stepLine } from "../render";
import { type Common, clientsFor, commonOptions, type Io } from "../shared";
import type { AddCommand } from "./index";

interface RecoverFlags extends Common {
  via: "asg" | "pulumi";
  parameter?: string;
  before?: string;
  ami?: string;
  allowAmi?: boolean;
  workdir?: string;
  stack?: string;
  amiConfigKey?: string;
  healthTimeout: string;
  terminate?: boolean;
  dryRun?: boolean;
}

export function recoverExitCode(r: RecoverResult): number {
  if (r.declined) return EXIT.notConfirmed;
  switch (r.status) {
    case "recovered":
    case "planned":
      return EXIT.ok;
    case "invalid":
      return EXIT.usage;
    case "busy":
      return EXIT.busy;
    case "error":
      return EXIT.error;
    default:
      return EXIT.recoverIncomplete;
  }
}

function healthSeconds(value: string): number {
  const n = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value) || n <= 0)
    throw new InputError(
      `--health-timeout "${safe(value, 50)}" is not valid: expected a positive number of seconds`,
    );
  return n * 1000;
}

function printResult(io: Io, r: RecoverResult) {
  io.out(`case ${r.caseId}: ${r.status}${r.terminated ? ", compromised instance terminated" : ""}`);
  if (r.ami)
    io.out(
      `  AMI ${r.ami.imageId} (${safe(r.ami.parameter)} version ${r.ami.version}, ${r.ami.publishedAt})`,
    );
  for (const h of r.health ?? [])
    io.out(`  ${safe(h.targetGroupArn.split(":").pop())}: ${h.healthy}/${h.expected} healthy`);
  for (const n of r.notes) io.out(`  note: ${safe(n)}`);
  if (r.error) io.out(`  error: ${safe(r.error, 2000)}`);
  for (const s of r.steps) {
    for (const c of s.changes ?? []) io.out(`  would ${c.action} ${safe(c.target)}: ${safe(c.detail)}`);
    if (!io.err.isTTY && s.status !== "planned") io.out(stepLine(process.stdout, s, "  "));
  }
}

export const addRecoverCommand: AddCommand = (program, io, setCode) => {
  commonOptions(
    program
      .command("recover")
      .description(
        "rebuild from the known-good AMI, gate on target health, re-verify the evidence, then terminate the compromised instance",
      )
      .argument("<case-id>", "the contained case (c-...), as `ir respond` printed it"),
  )
    .addOption(
      new Option(
        "--via <how>",
        "asg: new launch-template version on the instance's group; pulumi: the workload's stack",
      )
        .choices(["asg", "pulumi"])
        .makeOptionMandatory(),
    )
    .option("--parameter <name>", "known-good AMI parameter (default: /ir/known-good-ami/<ir:workload tag>)")
    .option(
      "--before <iso-time>",
      "start of the compromise (default: the finding's first sighting, else the case's opening)",
    )
    .option("--ami <ami-id>", "rebuild from this AMI instead of the newest known-good one")
    .option("--allow-ami", "accept the compromised instance's own AMI")
    .option("--workdir <dir>", "--via pulumi: the workload's Pulumi project directory")
    .option("--stack <name>", "--via pulumi: the workload's stack")
    .option("--ami-config-key <key>", "--via pulumi: config key of the AMI, e.g. web:amiId")
    .addOption(new Option("--health-timeout <seconds>", "bound of the health gate").default("600"))
    .option("--no-terminate", "stop after the health gate: keep the compromised instance")
    .option("--evidence-bucket <name>", "Object-Lock evidence bucket (when the case did not record it)")
    .option("--dry-run", "plan only: the AMI it would pin and every change, none made")
    .option("--yes", "do not ask for confirmation (required without a terminal)")
    .action(async (caseId: string, opts: RecoverFlags) => {
      // Bad input fails before any AWS call.
      checkCaseId(caseId);
      const healthTimeoutMs = healthSeconds(opts.healthTimeout);
      const dryRun = Boolean(opts.dryRun);
      const terminate = opts.terminate === false ? "no" : opts.yes ? "yes" : "ask";
      if (!dryRun) {
        const ok = await confirm(
          `recover case ${safe(caseId)} via ${opts.via}? this rebuilds the workload${terminate === "no" ? "" : " and then terminates the compromised instance (asked again unless --yes)"}`,
          opts.yes,
        );
        if (ok !== true) {
          const message =
            ok === "no-tty"
              ? "no terminal to confirm on: pass --yes (add --no-terminate to keep the instance)"
              : "not confirmed: nothing changed";
          if (opts.json)
            io.out(JSON.stringify({ command: "recover", exitCode: EXIT.notConfirmed, error: message }));
          else io.err.write(`ir: ${message}\n`);
          setCode(EXIT.notConfirmed);
          return;
        }
      }
      const { settings, clients } = clientsFor(opts);
      const ui = progress(io.err, Boolean(opts.json) || dryRun);
      try {
        const r = await recover({
          caseId,
          settings,
          clients,
          via: opts.via,
          ...(opts.parameter ? { parameter: opts.parameter } : {}),
          ...(opts.before ? { before: opts.before } : {}),
          ...(opts.ami ? { ami: opts.ami } : {}),
          allowAmi: Boolean(opts.allowAmi),
          ...(opts.via === "pulumi"
            ? {
                pulumi: {
                  workDir: opts.workdir ?? "",
                  stackName: opts.stack ?? "",
                  amiConfigKey: opts.amiConfigKey ?? "",
                  // Pulumi's own output is progress: stderr, never the --json document.
                  onOutput: (line: string) => {
                    if (!opts.json) io.err.write(line.endsWith("\n") ? line : `${line}\n`);
                  },
                },
              }
            : {}),
          healthTimeoutMs,
          terminate,
          confirm: async (question) => (await confirm(question, opts.yes)) === true,
          dryRun,
          observe: ui.observe,
        });
        ui.stop();
        const code = recoverExitCode(r);
        if (opts.json) io.out(JSON.stringify({ command: "recover", dryRun, exitCode: code, ...r }, null, 2));
        else printResult(io, r);
        setCode(code);
      } finally {
        clients.destroy();
      }
    });
};
