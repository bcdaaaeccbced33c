/**
 * The `ir` command line: respond, plan, status, release, bootstrap. Settings come from flags, then IR_*
 * environment variables, then the config file (the baseline's responderSettings output), then defaults;
 * AWS credentials from the standard chain, AWS_ENDPOINT_URL for emulators.
 */
import { Command, CommanderError, Option } from "commander";
import { errorName } from "../aws/errors";
import { actionableProblem } from "../aws/problems";
import { bootstrap } from "../bootstrap/bootstrap";
import { bootstrapForensic } from "../bootstrap/forensic";
import { InputError, parseTargets } from "../input/targets";
import { workstationLines } from "../investigate/expiry";
import { release } from "../respond/release";
import { type CaseResult, respond } from "../respond/respond";
import { caseStatus } from "../respond/status";
import { describeWholeRoleImpact, wholeRoleImpact } from "../respond/whole-role";
import { COMMANDS } from "./commands";
import { confirm } from "./confirm";
import { EXIT, exitCodeOf, worstExitCode } from "./exit-codes";
import { clip, progress, safe, stepLine } from "./render";
import { type Common, clientsFor, commonOptions, type Io } from "./shared";

export type { Io } from "./shared";

function caseJson(r: CaseResult) {
  return {
    caseId: r.caseId ?? null,
    target: { instanceId: r.instanceId, region: r.region },
    status: r.status,
    exitCode: exitCodeOf(r),
    resumed: r.resumed ?? false,
    journal: r.journal ?? null,
    timeToContainmentMs: r.timeToContainmentMs ?? null,
    startedAt: r.startedAt,
    endedAt: r.endedAt,
    notes: r.notes,
    ...(r.error ? { error: r.error } : {}),
    ...(r.heldBy ? { heldBy: r.heldBy } : {}),
    steps: r.steps.map((s) => ({
      id: s.id,
      status: s.status,
      startedAt: s.startedAt ?? null,
      endedAt: s.endedAt ?? null,
      ...(s.detail ? { detail: s.detail } : {}),
      ...(s.resumed ? { resumed: true } : {}),
      ...(s.changes ? { changes: s.changes } : {}),
    })),
  };
}

function summary(io: Io, results: CaseResult[], dryRun: boolean) {
  for (const r of results) {
    const head = r.caseId && !dryRun ? `case ${r.caseId} ` : "";
    io.out(
      `${head}instance ${r.instanceId} (${r.region}): ${r.status}${r.timeToContainmentMs !== undefined ? `, contained in ${r.timeToContainmentMs} ms` : ""}`,
    );
    for (const n of r.notes) io.out(`  note: ${safe(n)}`);
    if (r.error) io.out(`  error: ${safe(r.error)}`);
    if (dryRun) {
      for (const s of r.steps) {
        for (const c of s.changes ?? [])
          io.out(
            `  would ${c.action} ${safe(c.target)}: ${safe(c.detail)}${c.dryRun ? ` [dry run: ${safe(c.dryRun)}]` : ""}`,
          );
        if (s.status === "failed") io.out(`  cannot plan ${s.id}: ${safe(s.detail)}`);
      }
    } else if (!process.stderr.isTTY || results.length === 1) {
      // On a TTY the steps were already shown as they finished.
      if (!io.err.isTTY) for (const s of r.steps) io.out(stepLine(process.stdout, s, "  "));
    }
  }
}

/** `--dwell-seconds`: checked before anything changes (a typo must not become "no dwell"). */
function dwellMsOf(value: unknown): number {
  if (value === undefined) return 2000;
  const n = Number(value);
  if (String(value).trim() === "" || !Number.isFinite(n) || n < 0 || n > 300)
    throw new InputError(
      `--dwell-seconds "${safe(value, 40)}" is not valid: expected a number of seconds from 0 to 300 (default 2)`,
    );
  return Math.round(n * 1000);
}

async function doRespond(
  io: Io,
  targets: string[],
  opts: Common & Record<string, any>,
  dryRun: boolean,
): Promise<number> {
  const { settings, clients } = clientsFor(opts);
  try {
    const parsed = parseTargets(targets, opts.region);
    const dwellMs = dwellMsOf(opts.dwellSeconds);
    // The outage --whole-role causes is stated before anything is done (and in a plan too).
    const outage = opts.wholeRole
      ? describeWholeRoleImpact(
          await wholeRoleImpact(
            clients,
            parsed.map((t) => t.instanceId),
          ),
        )
      : undefined;
    if (outage) io.err.write(`ir: ${outage}\n`);
    if (!dryRun) {
      const ok = await confirm(
        `contain ${parsed.map((t) => t.instanceId).join(", ")}? this snapshots, isolates and revokes credentials${outage ? " of the whole role" : ""}`,
        opts.yes,
      );
      if (ok !== true) {
        const message =
          ok === "no-tty"
            ? "no terminal to confirm on: pass --yes to contain without a prompt"
            : "not confirmed: nothing changed";
        if (opts.json)
          io.out(JSON.stringify({ command: "respond", exitCode: EXIT.notConfirmed, error: message }));
        else io.err.write(`ir: ${message}\n`);
        return EXIT.notConfirmed;
      }
    }
    const ui = progress(io.err, Boolean(opts.json) || dryRun);
    const results = await respond({
      targets: parsed,
      settings,
      clients,
      dryRun,
      observe: ui.observe,
      options: {
        wholeRole: Boolean(opts.wholeRole),
        decrementCapacity: Boolean(opts.decrementCapacity),
        asgAction: opts.standby ? "standby" : "detach",
        dwellMs,
        memory: opts.memory !== false,
      },
    });
    ui.stop();
    const code = worstExitCode(results);
    if (opts.json)
      io.out(
        JSON.stringify(
          { command: dryRun ? "plan" : "respond", dryRun, exitCode: code, cases: results.map(caseJson) },
          null,
          2,
        ),
      );
    else summary(io, results, dryRun);
    return code;
  } finally {
    clients.destroy();
  }
}

type BootstrapOptions = Common & {
  vpc?: string[];
  dryRun?: boolean;
  forensic?: boolean;
  forensicAmi?: string;
};

export function buildProgram(io: Io, setCode: (code: number) => void): Command {
  const program = new Command("ir")
    .description("contain, preserve and release compromised EC2 instances (see automation/README.md)")
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err.write(s) });

  const respondCmd = commonOptions(
    program
      .command("respond")
      .description(
        "contain and preserve: snapshot, out of service, isolate, revoke credentials, protect, evidence",
      )
      .argument(
        "<target...>",
        "instance ids (i-...) and/or finding files (GuardDuty, EventBridge event, Security Hub ASFF)",
      ),
  )
    .option(
      "--evidence-bucket <name>",
      "Object-Lock evidence bucket (default: IR_EVIDENCE_BUCKET, config, ir-evidence-<account>-<region>)",
    )
    .option("--whole-role", "deny every session of the role issued before now, not only this instance's")
    .option("--decrement-capacity", "detach from the ASG decrementing its desired capacity (no replacement)")
    .option("--standby", "put the instance in Standby instead of detaching it")
    .addOption(
      new Option("--dwell-seconds <n>", "seconds in the untrack group before isolation").default("2"),
    )
    .option("--no-memory", "skip the memory capture")
    .option("--dry-run", "plan only: print every change, make none (same as `ir plan`)")
    .option("--yes", "do not ask for confirmation (required without a terminal)")
    .action(async (targets: string[], opts: Common & Record<string, any>) => {
      setCode(await doRespond(io, targets, opts, Boolean(opts.dryRun)));
    });
  void respondCmd;

  commonOptions(
    program
      .command("plan")
      .description(
        "dry run of respond: every change it would make (EC2 DryRun where the API has it), none made",
      )
      .argument("<target...>", "instance ids and/or finding files"),
  )
    .option("--evidence-bucket <name>", "Object-Lock evidence bucket")
    .option("--whole-role", "plan the whole-role revocation")
    .option("--decrement-capacity", "plan a detach that decrements the desired capacity")
    .option("--standby", "plan Standby instead of detach")
    .option("--no-memory", "plan without the memory capture")
    .action(async (targets: string[], opts: Common & Record<string, any>) => {
      setCode(await doRespond(io, targets, opts, true));
    });

  commonOptions(
    program
      .command("status")
      .description("a case's steps, lock and journal chain")
      .argument("<case-or-instance>", "case id (c-...) or instance id"),
  ).action(async (ref: string, opts: Common) => {
    const { settings, clients } = clientsFor(opts);
    try {
      const s = await caseStatus({ ref, settings, clients });
      const code = s.chain.ok ? EXIT.ok : EXIT.journalBroken;
      if (opts.json) io.out(JSON.stringify({ command: "status", exitCode: code, ...s }, null, 2));
      else {
        io.out(
          `case ${s.caseId}: instance ${s.meta.instanceId} (${s.meta.region}), ${s.state}${s.heldBy ? ` by ${s.heldBy} until ${s.leaseUntil}` : ""}`,
        );
        io.out(
          `  journal: ${s.journal}, ${s.chain.entries} entries, chain ${s.chain.ok ? "intact" : `BROKEN: ${s.chain.problem}`}`,
        );
        for (const st of s.steps)
          io.out(`  ${st.event.padEnd(10)} ${st.id}${st.detail ? `: ${safe(st.detail, 200)}` : ""}`);
        for (const line of workstationLines(s.caseId, s.workstations, s.workstationsError))
          io.out(safe(line));
      }
      setCode(code);
    } finally {
      clients.destroy();
    }
  });

  commonOptions(
    program
      .command("release")
      .description(
        "undo containment from the journal: groups, profile, ASG, targets, Elastic IPs; remove the deny policy",
      )
      .argument("<case-id>", "the case to release"),
  )
    .option("--yes", "do not ask for confirmation (required without a terminal)")
    .action(async (caseId: string, opts: Common) => {
      const { settings, clients } = clientsFor(opts);
      try {
        const ok = await confirm(
          `release case ${safe(caseId)}? the instance returns to service with its original access`,
          opts.yes,
        );
        if (ok !== true) {
          io.err.write(
            `ir: ${ok === "no-tty" ? "no terminal to confirm on: pass --yes" : "not confirmed: nothing changed"}\n`,
          );
          setCode(EXIT.notConfirmed);
          return;
        }
        const ui = progress(io.err, Boolean(opts.json));
        const r = await release({ caseId, settings, clients, observe: ui.observe });
        ui.stop();
        const code =
          r.status === "released"
            ? EXIT.ok
            : r.status === "busy"
              ? EXIT.busy
              : r.status === "error"
                ? EXIT.error
                : EXIT.releaseIncomplete;
        if (opts.json) io.out(JSON.stringify({ command: "release", exitCode: code, ...r }, null, 2));
        else {
          io.out(`case ${r.caseId}: ${r.status}${r.error ? `: ${safe(r.error)}` : ""}`);
          if (!io.err.isTTY) for (const s of r.steps) io.out(stepLine(process.stdout, s, "  "));
        }
        setCode(code);
      } finally {
        clients.destroy();
      }
    });

  commonOptions(
    program
      .command("bootstrap")
      .description(
        "create, where missing, what the responder needs: evidence bucket, journal table, isolation groups, deny-all profile",
      ),
  )
    .option("--evidence-bucket <name>", "evidence bucket name (default: ir-evidence-<account>-<region>)")
    .option("--vpc <vpc-id...>", "VPCs that need isolation groups")
    .option(
      "--forensic",
      "also a minimal forensic VPC, workstation group and SSM-only profile (ir investigate)",
    )
    .option(
      "--forensic-ami <ami-id>",
      "with --forensic: publish this AMI to /ir/forensic-ami when it is missing",
    )
    .option("--dry-run", "report what is missing, create nothing")
    .option("--yes", "do not ask for confirmation (required without a terminal)")
    .action(async (opts: BootstrapOptions) => {
      const { settings, clients } = clientsFor(opts);
      try {
        if (!opts.dryRun) {
          const ok = await confirm(`create missing responder prerequisites in ${settings.region}?`, opts.yes);
          if (ok !== true) {
            io.err.write(
              `ir: ${ok === "no-tty" ? "no terminal to confirm on: pass --yes (or --dry-run)" : "not confirmed: nothing changed"}\n`,
            );
            setCode(EXIT.notConfirmed);
            return;
          }
        }
        const items = await bootstrap({
          clients,
          settings,
          vpcIds: opts.vpc ?? [],
          dryRun: Boolean(opts.dryRun),
        });
        const forensic = opts.forensic
          ? await bootstrapForensic({
              clients,
              dryRun: Boolean(opts.dryRun),
              ...(opts.forensicAmi ? { amiId: opts.forensicAmi } : {}),
            })
          : undefined;
        const all = [...items, ...(forensic?.items ?? [])];
        const settingsOut = forensic?.forensic ? { forensic: forensic.forensic } : {};
        if (opts.json)
          io.out(
            JSON.stringify(
              {
                command: "bootstrap",
                dryRun: Boolean(opts.dryRun),
                exitCode: 0,
                items: all,
                ...settingsOut,
              },
              null,
              2,
            ),
          );
        else {
          for (const i of all)
            io.out(`${i.status.padEnd(8)} ${i.kind} ${i.name}${i.detail ? `: ${i.detail}` : ""}`);
          if (forensic?.forensic)
            io.out(`forensic settings (config file key "forensic"): ${JSON.stringify(forensic.forensic)}`);
        }
        setCode(EXIT.ok);
      } finally {
        clients.destroy();
      }
    });
  for (const add of COMMANDS) add(program, io, setCode);
  return program;
}

/** The value of `--name value` or `--name=value` in argv. */
function flagOf(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  if (i >= 0) return argv[i + 1];
  return argv.find((a) => a.startsWith(`${name}=`))?.slice(name.length + 1);
}

const envRegion = () =>
  process.env.IR_REGION || process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION || "us-east-1";

/** An access denial names the action and the resource (AWS's message); ir doctor checks them all. */
export function withDoctorHint(err: unknown): string {
  const message = (err as Error)?.message ?? String(err);
  return ["AccessDenied", "AccessDeniedException", "UnauthorizedOperation"].includes(errorName(err))
    ? `${message}: ir doctor checks every permission the responder needs, and names what to fix`
    : message;
}

/** Runs the CLI; resolves with the exit code (never calls process.exit). */
export async function run(
  argv: string[],
  io: Io = { out: (s) => process.stdout.write(`${s}\n`), err: process.stderr },
): Promise<number> {
  let code: number = EXIT.ok;
  const program = buildProgram(io, (c) => {
    code = c;
  });
  const json = argv.includes("--json");
  try {
    await program.parseAsync(argv);
    return code;
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.code === "commander.helpDisplayed" || err.code === "commander.version" || err.exitCode === 0
        ? EXIT.ok
        : EXIT.usage;
    }
    // No credentials, an expired session, a dead endpoint: the cause and the fix, exit 2.
    const problem = actionableProblem(
      err,
      flagOf(argv, "--region") ?? envRegion(),
      flagOf(argv, "--endpoint") ?? process.env.AWS_ENDPOINT_URL,
    );
    const usage =
      problem !== undefined ||
      err instanceof InputError ||
      /is not valid|must be|cannot be read|not valid JSON/.test((err as Error).message);
    const c = usage ? EXIT.usage : EXIT.error;
    const message = problem?.message ?? withDoctorHint(err);
    // --json escapes control characters itself; the length is bounded like the terminal's.
    if (json) io.out(JSON.stringify({ exitCode: c, error: clip(message, 2000) }));
    else io.err.write(`ir: ${safe(message, 2000)}\n`);
    return c;
  }
}
