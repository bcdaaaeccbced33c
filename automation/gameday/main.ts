#!/usr/bin/env node
/**
 * `npm run gameday`: a whole incident on a laptop, against an emulated AWS (moto). See docs/gameday.md.
 *
 * Default `--scenario all`: the first run should show the whole range (network intrusion, stolen
 * credentials, resource abuse), and each scenario plays in its own emulated account, so "all" costs
 * only seconds more than one.
 */
import { Command, InvalidArgumentError } from "commander";
import { GAMEDAY_EXIT, type GamedayOptions, runGameday } from "./run";
import { pickScenarios, SCENARIO_IDS } from "./scenarios";

const wholeNumber = (name: string) => (value: string) => {
  if (!/^\d+$/.test(value))
    throw new InvalidArgumentError(
      `${name} "${value}" is not valid: expected a whole number >= 0 (e.g. ${name} 50)`,
    );
  return Number(value);
};

/** Only an emulator on this machine: the game day terminates instances, it must never reach real AWS. */
export function checkEndpoint(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`endpoint "${value}" is not a URL: expected e.g. http://127.0.0.1:5000`);
  }
  if (!["127.0.0.1", "localhost", "[::1]"].includes(url.hostname) || !/^https?:$/.test(url.protocol))
    throw new Error(
      `endpoint "${value}" is not a loopback emulator: the game day terminates instances, so it only runs against an emulator on 127.0.0.1 or localhost`,
    );
  return value.replace(/\/+$/, "");
}

export function gamedayProgram(onRun: (o: GamedayOptions) => Promise<void>): Command {
  return new Command("gameday")
    .description(
      "play an EC2 incident end to end (respond, investigate, analyze, recover, terminate) against an emulated AWS, check the outcome, print the timeline",
    )
    .option("--scenario <name>", `${SCENARIO_IDS.join(" | ")} | all (comma-separate several)`, "all")
    .option("--endpoint <url>", "use this running emulator (loopback only) instead of starting moto")
    .option(
      "--latency-ms <n>",
      "simulated latency per AWS call, as in a real region",
      wholeNumber("--latency-ms"),
      0,
    )
    .option("--dwell-ms <n>", "time in the untrack group before isolation", wholeNumber("--dwell-ms"), 2000)
    .option("--keep", "leave the emulator running afterwards to explore the accounts")
    .option(
      "--no-strict",
      "plain moto: no strict layer (AWS's refusals, IAM evaluation of the responder, the SSM agent)",
    )
    .option("--report-dir <dir>", "where the report files go", "gameday-report")
    .option(
      "--state-dir <dir>",
      "settings files, findings and the local journal (default: a new temporary directory)",
    )
    .option("--json", "print one JSON document on stdout (progress on stderr)")
    .exitOverride()
    .action(async (flags) => {
      await onRun({
        scenarios: pickScenarios(flags.scenario),
        ...(flags.endpoint ? { endpoint: checkEndpoint(flags.endpoint) } : {}),
        latencyMs: flags.latencyMs,
        dwellMs: flags.dwellMs,
        keep: Boolean(flags.keep),
        strict: flags.strict !== false,
        reportDir: flags.reportDir,
        ...(flags.stateDir ? { stateDir: flags.stateDir } : {}),
        json: Boolean(flags.json),
      });
    });
}

export interface MainIo {
  out: (text: string) => void;
  err: (text: string) => void;
}

/** Parses argv (without node and script) and runs; returns the exit code. */
export async function gameday(
  argv: string[],
  io: MainIo,
  extra: Partial<GamedayOptions> = {},
): Promise<{ code: number }> {
  let code: number = GAMEDAY_EXIT.usage;
  const program = gamedayProgram(async (o) => {
    const result = await runGameday({ ...o, ...extra }, io);
    if (o.json) io.out(JSON.stringify(result, null, 2));
    else if (result.error && result.scenarios.length === 0) io.err(`gameday: ${result.error}`);
    code = result.exitCode;
  });
  program.configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) });
  try {
    await program.parseAsync(argv, { from: "user" });
  } catch (err) {
    const e = err as { code?: string; exitCode?: number; message?: string };
    if (e.code === "commander.helpDisplayed" || e.code === "commander.version") return { code: 0 };
    if (e.code?.startsWith("commander.")) return { code: GAMEDAY_EXIT.usage };
    io.err(`gameday: ${e.message ?? String(err)}`);
    return { code: GAMEDAY_EXIT.usage };
  }
  return { code };
}

if (require.main === module) {
  // Keeps the process alive while calls are pending (see automation/cli/main.ts).
  const heartbeat = setInterval(() => undefined, 1000);
  // --keep matters only for an emulator this process started (an --endpoint one is the user's).
  const keep = process.argv.includes("--keep") && !process.argv.some((a) => a.startsWith("--endpoint"));
  gameday(process.argv.slice(2), {
    out: (t) => process.stdout.write(`${t}\n`),
    err: (t) => process.stderr.write(`${t}\n`),
  })
    .then(
      ({ code }) => {
        process.exitCode = code;
        // --keep: the emulator child dies with this process, so stay alive until Ctrl-C.
        if (keep && code !== GAMEDAY_EXIT.usage && code !== GAMEDAY_EXIT.noEmulator) {
          // Ctrl-C must end through process.exit, whose handler stops the emulator.
          process.once("SIGINT", () => process.exit(code));
          return new Promise<void>(() => undefined);
        }
        return undefined;
      },
      (err) => {
        process.stderr.write(`gameday: internal error: ${(err as Error).stack ?? err}\n`);
        process.exitCode = 1;
      },
    )
    .finally(() => clearInterval(heartbeat));
}
