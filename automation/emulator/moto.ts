/**
 * Starts and stops a moto server on a free loopback port: used by the integration tests (one server per
 * test run) and by the game day. Never binds or points anywhere but 127.0.0.1.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { delimiter, join } from "node:path";

export const MOTO_VERSION = "5.2.1";
export const MOTO_INSTALL_HINT = "run `scripts/install-moto.sh` (installs moto[server]==5.2.1 into .venv)";

/** Finds moto_server: env MOTO_SERVER_BIN, then <root>/.venv/bin/moto_server, then PATH. */
export function findMotoServer(root = process.cwd(), env = process.env): string | undefined {
  if (env.MOTO_SERVER_BIN) return existsSync(env.MOTO_SERVER_BIN) ? env.MOTO_SERVER_BIN : undefined;
  const venv = join(root, ".venv", "bin", "moto_server");
  if (existsSync(venv)) return venv;
  for (const dir of (env.PATH ?? "").split(delimiter)) {
    const candidate = join(dir, "moto_server");
    if (dir && existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** A free TCP port on 127.0.0.1 (asks the OS for one). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface MotoServer {
  endpoint: string;
  port: number;
  /** POST /moto-api/reset: forget every resource. */
  reset(): Promise<void>;
  stop(): Promise<void>;
}

async function waitUntilUp(endpoint: string, child: ChildProcess, timeoutMs: number, log: () => string) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`moto_server exited with code ${child.exitCode} before it was ready: ${log()}`);
    }
    try {
      const res = await fetch(`${endpoint}/moto-api/`, { signal: AbortSignal.timeout(1000) });
      if (res.status < 500) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`moto_server did not answer on ${endpoint} within ${timeoutMs} ms: ${log()}`);
}

export interface StartOptions {
  /** Path to moto_server. @default findMotoServer() */
  bin?: string;
  /** Port. @default a free one */
  port?: number;
  /** Startup timeout. @default 30000 */
  timeoutMs?: number;
}

/** Emulators this process started and has not stopped. */
const running = new Set<ChildProcess>();
const TERMINATING: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];

const killRunning = () => {
  for (const child of running)
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
};

/**
 * A process killed by a signal runs no 'exit' handler: without this, `kill`, `timeout` or a CI job's
 * cancel would leave the emulator serving on its port. When nothing else handles the signal, the
 * emulators are killed and the signal raised again, so the process still dies of it as it would have.
 * When something else does (the game day's --keep, mocha), that handler decides, and 'exit' cleans up.
 */
function onTerminatingSignal(signal: NodeJS.Signals) {
  if (process.listenerCount(signal) > 1) return;
  killRunning();
  untrackAll();
  process.kill(process.pid, signal);
}

function track(child: ChildProcess) {
  if (running.size === 0) {
    process.on("exit", killRunning);
    for (const signal of TERMINATING) process.on(signal, onTerminatingSignal);
  }
  running.add(child);
}

function untrack(child: ChildProcess) {
  running.delete(child);
  if (running.size === 0) untrackAll();
}

function untrackAll() {
  running.clear();
  process.removeListener("exit", killRunning);
  for (const signal of TERMINATING) process.removeListener(signal, onTerminatingSignal);
}

/** Starts moto_server on 127.0.0.1; it is killed when this process exits or dies of a signal. */
export async function startMoto(options: StartOptions = {}): Promise<MotoServer> {
  const bin = options.bin ?? findMotoServer();
  if (!bin)
    throw new Error(`moto_server was not found (MOTO_SERVER_BIN, .venv/bin, PATH): ${MOTO_INSTALL_HINT}`);
  const port = options.port ?? (await freePort());
  const endpoint = `http://127.0.0.1:${port}`;
  const child = spawn(bin, ["-H", "127.0.0.1", "-p", String(port)], {
    stdio: ["ignore", "ignore", "pipe"],
    // AWS managed policies exist, as on AWS (AmazonSSMManagedInstanceCore for the SSM agent, attached by
    // `ir bootstrap --forensic` under a condition naming its ARN); about 0.5 s once per emulated account.
    env: { ...process.env, MOTO_PORT: String(port), MOTO_IAM_LOAD_MANAGED_POLICIES: "true" },
  });
  // The server must not keep the caller alive (a test run ends when its tests do); it dies with us.
  child.unref();
  (child.stderr as unknown as { unref?: () => void } | null)?.unref?.();
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  track(child);
  try {
    await waitUntilUp(endpoint, child, options.timeoutMs ?? 30_000, () =>
      stderr.trim().split("\n").slice(-3).join(" | "),
    );
  } catch (err) {
    untrack(child);
    if (child.exitCode === null) child.kill("SIGKILL");
    throw err;
  }
  return {
    endpoint,
    port,
    async reset() {
      const res = await fetch(`${endpoint}/moto-api/reset`, { method: "POST" });
      if (!res.ok) throw new Error(`moto reset failed with HTTP ${res.status}`);
    },
    async stop() {
      untrack(child);
      // Already gone (exited, or killed by a signal: then exitCode stays null): stopping twice is a no-op.
      if (child.exitCode !== null || child.signalCode !== null) return;
      // The child is unref'd while it serves; while we wait for it to exit it must keep this process
      // alive, or the event loop drains and the process ends silently with whatever error was pending.
      child.ref();
      await new Promise<void>((resolve) => {
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
        setTimeout(() => child.exitCode === null && child.kill("SIGKILL"), 3000).unref();
      });
    },
  };
}
