/**
 * `npm run gameday` as a library call (main.ts is its command line, the tests call this): start (or
 * reach) the emulator, then for each scenario seed a fresh emulated account, play the incident through
 * the lifecycle, check the outcome in the account, print the timeline and the figures, write the reports.
 * The exit code is 0 only when every check of every scenario passed.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { MemoryRecorder } from "../aws/clients";
import { type MotoServer, startMoto } from "../emulator/moto";
import { STRICT_API_PATH } from "../emulator/strict/server";
import { withStrictLayer } from "../emulator/strict/start";
import { prepareAccount } from "./account";
import type { Check } from "./checks";
import { playScenario, type ScenarioRun } from "./lifecycle";
import { loadPhases, type PhaseApi } from "./phases";
import { writeScenarioReports } from "./reports";
import type { Scenario } from "./scenarios";
import { countCalls, type Figures, renderFigures, renderTimeline, Timeline } from "./timeline";

export const GAMEDAY_EXIT = {
  ok: 0,
  /** A check failed, or a phase was not available in this build. */
  checkFailed: 1,
  /** Bad option: nothing was started. */
  usage: 2,
  /** moto is not installed, or the --endpoint emulator does not answer. */
  noEmulator: 3,
} as const;

export interface GamedayOptions {
  scenarios: Scenario[];
  /** An emulator already running (loopback only); otherwise one is started on a free port. */
  endpoint?: string;
  latencyMs: number;
  dwellMs: number;
  keep: boolean;
  reportDir: string;
  stateDir?: string;
  json: boolean;
  healthTimeoutMs?: number;
  /** Tests: replaces the phase modules, and a hook before each set of checks. */
  phases?: PhaseApi;
  beforeChecks?: Parameters<typeof playScenario>[4]["beforeChecks"];
  /** Tests: how moto is started. */
  start?: () => Promise<MotoServer>;
  /**
   * Put the strict layer in front of the emulator (AWS's refusals, IAM evaluation of the responder's
   * calls, the SSM agent). @default true; `--no-strict` is the explicit switch for plain moto
   */
  strict?: boolean;
}

export interface Out {
  out: (text: string) => void;
  err: (text: string) => void;
}

export interface ScenarioSummary {
  scenario: string;
  title: string;
  accountId: string;
  instanceId: string;
  caseId?: string;
  ok: boolean;
  checks: Check[];
  figures: Figures;
  timeline: ReturnType<Timeline["sorted"]>;
  notes: string[];
  reports: Record<string, string>;
  /** Every IAM action the responder's calls needed in this scenario (least privilege is checked against it). */
  actions: string[];
}

export interface GamedayResult {
  exitCode: number;
  endpoint?: string;
  kept: boolean;
  stateDir?: string;
  scenarios: ScenarioSummary[];
  error?: string;
  /** With `keep`: stops the emulator the game day started (not enumerable: never in the JSON). */
  readonly stopEmulator?: () => Promise<void>;
}

function figuresOf(run: ScenarioRun, t: Timeline, recorder: MemoryRecorder): Figures {
  const since = (at?: number) => (at === undefined ? undefined : at - t.origin);
  const recovered = run.recover?.status === "recovered" ? t.timeOf("recover", ["recovered"]) : undefined;
  return {
    ...(run.respond?.timeToContainmentMs !== undefined
      ? { timeToContainMs: run.respond.timeToContainmentMs }
      : {}),
    ...(t.timeOf("manifest", ["verified"])
      ? { timeToEvidenceMs: since(t.timeOf("manifest", ["verified"])) }
      : {}),
    ...(recovered ? { timeToRecoverMs: since(recovered) } : {}),
    ...countCalls(recorder.calls),
  };
}

function printScenario(s: ScenarioSummary, t: Timeline, print: (text: string) => void): void {
  print(`\n== ${s.scenario}: ${s.title}`);
  print(`   account ${s.accountId}, instance ${s.instanceId}${s.caseId ? `, case ${s.caseId}` : ""}\n`);
  for (const line of renderTimeline(t)) print(line);
  print("\n  figures");
  for (const line of renderFigures(s.figures)) print(line);
  print("\n  checks (read from the emulated account)");
  for (const c of s.checks) print(`  ${c.ok ? "✓" : "✗"} ${c.title}: ${c.detail}`);
  if (s.notes.length) {
    print("\n  notes");
    for (const n of s.notes) print(`  - ${n}`);
  }
  for (const [kind, file] of Object.entries(s.reports)) print(`  report ${kind}: ${file}`);
}

/** Fronts the emulator with the strict layer unless already there (switched off: moto's bug shims only). */
async function strict(o: GamedayOptions, moto: MotoServer, log: (t: string) => void): Promise<MotoServer> {
  if (o.strict === false) {
    const shimmed = await withStrictLayer(moto, { strict: false });
    log(`strict layer off: moto as it is on ${shimmed.endpoint}, with only its bugs worked around`);
    return shimmed;
  }
  const page = await fetch(`${moto.endpoint}${STRICT_API_PATH}`, { signal: AbortSignal.timeout(5000) })
    .then((r) => (r.ok ? r.json() : undefined))
    .catch(() => undefined);
  if ((page as { layer?: string } | undefined)?.layer === "strict") return moto;
  const fronted = await withStrictLayer(moto);
  log(
    `strict layer on ${fronted.endpoint} (in front of ${moto.endpoint}): AWS's refusals and IAM evaluation on`,
  );
  return fronted;
}

async function emulator(
  o: GamedayOptions,
  log: (t: string) => void,
): Promise<{ endpoint: string; moto?: MotoServer }> {
  const own = await plainEmulator(o, log);
  // The user's emulator stays theirs: the layer in front of it stops with this process, not it.
  const server = await strict(
    o,
    own.moto ?? {
      endpoint: own.endpoint,
      port: 0,
      reset: async () => undefined,
      stop: async () => undefined,
    },
    log,
  );
  return { endpoint: server.endpoint, ...(own.moto ? { moto: server } : {}) };
}

async function plainEmulator(
  o: GamedayOptions,
  log: (t: string) => void,
): Promise<{ endpoint: string; moto?: MotoServer }> {
  if (o.endpoint) {
    const res = await fetch(`${o.endpoint}/moto-api/`, { signal: AbortSignal.timeout(5000) }).catch(
      () => undefined,
    );
    if (!res)
      throw Object.assign(
        new Error(
          `no emulator answers on ${o.endpoint}: start one (\`.venv/bin/moto_server -p <port>\`) or drop --endpoint to let the game day start its own`,
        ),
        { exit: GAMEDAY_EXIT.noEmulator },
      );
    return { endpoint: o.endpoint };
  }
  try {
    const moto = await (o.start ?? startMoto)();
    log(`moto server started on ${moto.endpoint}`);
    return { endpoint: moto.endpoint, moto };
  } catch (err) {
    const message = (err as Error).message;
    const missing = /not found/.test(message);
    throw Object.assign(
      new Error(
        missing
          ? `the AWS emulator (moto server) is not installed: run \`bash scripts/install-moto.sh\` (puts moto[server] into .venv), then \`npm run gameday\` again`
          : `moto server did not start: ${message}`,
      ),
      { exit: GAMEDAY_EXIT.noEmulator },
    );
  }
}

export async function runGameday(o: GamedayOptions, io: Out): Promise<GamedayResult> {
  const print = o.json ? io.err : io.out;
  const phases = o.phases ?? loadPhases();
  let emu: { endpoint: string; moto?: MotoServer };
  try {
    emu = await emulator(o, io.err);
  } catch (err) {
    const e = err as Error & { exit?: number };
    return { exitCode: e.exit ?? GAMEDAY_EXIT.noEmulator, kept: false, scenarios: [], error: e.message };
  }
  const stateDir = resolve(o.stateDir ?? mkdtempSync(join(tmpdir(), "ir-gameday-")));
  const summaries: ScenarioSummary[] = [];
  try {
    for (const scenario of o.scenarios) {
      const recorder = new MemoryRecorder();
      io.err(`${scenario.id}: seeding account ${scenario.accountId}`);
      const account = await prepareAccount({
        endpoint: emu.endpoint,
        accountId: scenario.accountId,
        stateDir,
        latencyMs: o.latencyMs,
        recorder,
      });
      const t = new Timeline(Date.now());
      io.err(`${scenario.id}: playing the incident`);
      try {
        const run = await playScenario(scenario, account, phases, t, {
          endpoint: emu.endpoint,
          hostAgent: o.strict !== false,
          dwellMs: o.dwellMs,
          findingsDir: join(stateDir, scenario.accountId),
          healthTimeoutMs: o.healthTimeoutMs ?? 60_000,
          ...(o.beforeChecks ? { beforeChecks: o.beforeChecks } : {}),
        });
        const reports = run.caseId
          ? await writeScenarioReports(run, phases, join(o.reportDir, scenario.id))
          : { files: {}, checks: [] };
        const checks = [...run.checks, ...reports.checks];
        const summary: ScenarioSummary = {
          scenario: scenario.id,
          title: scenario.title,
          accountId: scenario.accountId,
          instanceId: run.victim.instanceId,
          ...(run.caseId ? { caseId: run.caseId } : {}),
          ok: checks.length > 0 && checks.every((c) => c.ok),
          checks,
          figures: figuresOf(run, t, recorder),
          actions: recorder.actions(),
          timeline: t.sorted(),
          notes: run.notes,
          reports: reports.files,
        };
        summaries.push(summary);
        printScenario(summary, t, print);
      } finally {
        account.clients.destroy();
        account.world.destroy();
      }
    }
  } catch (err) {
    return finish(o, emu, stateDir, summaries, print, `game day stopped: ${(err as Error).message}`);
  }
  return finish(o, emu, stateDir, summaries, print);
}

async function finish(
  o: GamedayOptions,
  emu: { endpoint: string; moto?: MotoServer },
  stateDir: string,
  scenarios: ScenarioSummary[],
  print: (t: string) => void,
  error?: string,
): Promise<GamedayResult> {
  const ok = !error && scenarios.length === o.scenarios.length && scenarios.every((s) => s.ok);
  const failed = scenarios.flatMap((s) =>
    s.checks.filter((c) => !c.ok).map((c) => `${s.scenario}: ${c.title}`),
  );
  const result: GamedayResult = {
    exitCode: ok ? GAMEDAY_EXIT.ok : GAMEDAY_EXIT.checkFailed,
    endpoint: emu.endpoint,
    kept: o.keep,
    stateDir,
    scenarios,
    ...(error ? { error } : {}),
  };
  mkdirSync(o.reportDir, { recursive: true });
  writeFileSync(join(o.reportDir, "gameday.json"), `${JSON.stringify(result, null, 2)}\n`);
  print(
    ok
      ? `\ngame day passed: ${scenarios.length} scenario(s), every check green (summary: ${join(o.reportDir, "gameday.json")})`
      : `\ngame day FAILED${error ? `: ${error}` : ""}${failed.length ? `\n  failed checks:\n${failed.map((f) => `    - ${f}`).join("\n")}` : ""}`,
  );
  // Not part of the JSON: lets a library caller (the tests) stop an emulator it asked to keep.
  // Idempotent: MotoServer.stop() waits for an exit that already happened when called twice.
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= emu.moto ? emu.moto.stop() : Promise.resolve();
    return stopping;
  };
  Object.defineProperty(result, "stopEmulator", { enumerable: false, value: stop });
  if (o.keep) {
    print(
      `\nemulator left running on ${emu.endpoint} (stop it with Ctrl-C${emu.moto ? "" : ", it is yours"}); per scenario:`,
    );
    for (const s of scenarios)
      print(
        `  ${s.scenario}: account ${s.accountId} (header x-moto-account-id: ${s.accountId}), settings ${join(stateDir, s.accountId, "ir.config.json")}`,
      );
  } else {
    await stop();
  }
  return result;
}
