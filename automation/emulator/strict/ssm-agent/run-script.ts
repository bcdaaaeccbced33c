/**
 * Runs a delivered AWS-RunShellScript command the way the agent does on a Linux host: the commands
 * written to `_script.sh` under the agent's orchestration directory, run by bash, killed at the
 * execution timeout, stdout and stderr captured. The "host" is a sandbox directory (working directory and
 * HOME) with emulated block devices and mounts (emulated-host.ts: its own /dev and /mnt in a user+mount
 * namespace, stub block-device tools first on PATH); the environment is a root shell's, not this
 * process's (no AWS credentials leak into scripts). When this process is root, scripts run as nobody.
 * https://docs.aws.amazon.com/systems-manager/latest/userguide/documents-command-ssm-plugin-reference.html#aws-runShellScript
 */
import { type ChildProcess, spawn } from "node:child_process";
import { join, posix } from "node:path";
import { hostCommand, mkdirOwned, scriptUser, toolsDirOf, writeOwned } from "./emulated-host";
import { sandboxOf, ssmAgentOptions } from "./options";

/** Bytes of each stream kept (AWS returns at most 24,000 / 8,000 characters; keep margin for UTF-8). */
const KEEP_BYTES = 128 * 1024;

export interface ScriptResult {
  /** The script's exit code; -1 when it was killed (timeout, cancel). */
  exitCode: number;
  stdout: string;
  stderr: string;
  /** Killed at its execution timeout. */
  timedOut: boolean;
  /** Killed by CancelCommand. */
  cancelled: boolean;
}

export interface RunningScript {
  done: Promise<ScriptResult>;
  /** Stops the script (CancelCommand, or the command's total timeout). */
  kill(why: "cancel" | "timeout"): void;
}

export interface ScriptInput {
  instanceId: string;
  region: string;
  commandId: string;
  commands: readonly string[];
  executionTimeoutMs: number;
  /** The document's workingDirectory parameter, taken inside the sandbox. */
  workingDirectory?: string;
  /** Lays out the host (its block devices) in the sandbox before the script starts. */
  prepare?: (sandbox: string) => Promise<void>;
}

const collector = () => {
  const chunks: Buffer[] = [];
  let size = 0;
  return {
    add(c: Buffer) {
      if (size >= KEEP_BYTES) return;
      chunks.push(c.subarray(0, KEEP_BYTES - size));
      size += Math.min(c.length, KEEP_BYTES - size);
    },
    text: () => Buffer.concat(chunks).toString("utf8"),
  };
};

/** The script file and working directory in the sandbox, and the host's devices laid out. */
async function setUp(host: string, input: ScriptInput): Promise<{ script: string; cwd: string }> {
  mkdirOwned(host);
  const orchestration = mkdirOwned(
    host,
    posix.join(
      "var/lib/amazon/ssm",
      input.instanceId,
      "document/orchestration",
      input.commandId,
      "awsrunShellScript/0.awsrunShellScript",
    ),
  );
  const script = join(orchestration, "_script.sh");
  writeOwned(script, `${input.commands.join("\n")}\n`, 0o700);
  // Taken as a path on the host: "/" is the sandbox, and ".." cannot leave it.
  const cwd = mkdirOwned(host, posix.normalize(`/${input.workingDirectory ?? ""}`));
  try {
    await input.prepare?.(host);
  } catch (e) {
    throw new Error(`cannot lay out the host's devices: ${(e as Error).message}`);
  }
  return { script, cwd };
}

/**
 * Process groups of scripts still running. A script's children can outlive it (a hashing loop over an
 * endless file, a background job), and a test process that exits leaves detached groups behind: they
 * are killed when the script ends and when this process exits, so no emulated host outlives its layer.
 */
const liveGroups = new Set<number>();
const killGroup = (pid: number) => {
  try {
    process.kill(-pid, "SIGKILL");
  } catch {
    // Gone already.
  }
};
process.once("exit", () => {
  for (const pid of liveGroups) killGroup(pid);
});

export function runScript(input: ScriptInput): RunningScript {
  const host = sandboxOf(input.instanceId);
  let child: ChildProcess | undefined;
  let killed: "cancel" | "timeout" | undefined;
  const kill = (why: "cancel" | "timeout") => {
    if (killed || (child && (child.exitCode !== null || child.signalCode !== null))) return;
    killed = why;
    if (!child) return; // not started yet: it never will be
    try {
      // The whole process group: a script's children (curl, dd) die with it.
      process.kill(-child.pid!, "SIGKILL");
    } catch {
      child.kill("SIGKILL");
    }
  };
  const timer = setTimeout(() => kill("timeout"), input.executionTimeoutMs);
  timer.unref();
  const out = collector();
  const err = collector();
  const result = (code: number | null): ScriptResult => ({
    exitCode: killed ? -1 : (code ?? -1),
    stdout: out.text(),
    stderr: err.text(),
    timedOut: killed === "timeout",
    cancelled: killed === "cancel",
  });
  const done = (async (): Promise<ScriptResult> => {
    let script: string;
    let cwd: string;
    try {
      ({ script, cwd } = await setUp(host, input));
    } catch (e) {
      err.add(Buffer.from(`emulated host: ${(e as Error).message}\n`));
      clearTimeout(timer);
      return result(125);
    }
    if (killed) {
      clearTimeout(timer);
      return result(null);
    }
    const opts = ssmAgentOptions();
    const command = hostCommand(host, script);
    const path = [
      ...opts.extraPath,
      ...(command.emulated ? [toolsDirOf(host)] : []),
      "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    ];
    const proc = spawn(command.file, command.args, {
      cwd,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
      ...(scriptUser() ?? {}),
      env: {
        PATH: path.join(":"),
        HOME: host,
        LANG: "C.UTF-8",
        AWS_SSM_INSTANCE_ID: input.instanceId,
        AWS_SSM_REGION_NAME: input.region,
      },
    });
    child = proc;
    if (proc.pid) liveGroups.add(proc.pid);
    proc.stdout!.on("data", out.add);
    proc.stderr!.on("data", err.add);
    return new Promise<ScriptResult>((resolve) => {
      const finish = (code: number | null) => {
        clearTimeout(timer);
        // What the script left running dies with it (the agent's host is the sandbox, not this machine).
        if (proc.pid) {
          killGroup(proc.pid);
          liveGroups.delete(proc.pid);
        }
        resolve(result(code));
      };
      proc.on("close", finish);
      proc.on("error", (e) => {
        err.add(Buffer.from(`bash: ${e.message}\n`));
        finish(127);
      });
    });
  })();
  return { done, kill };
}
