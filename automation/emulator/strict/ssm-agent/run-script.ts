/**
 * Runs a delivered AWS-RunShellScript command the way the agent does on a Linux host: the commands
 * written to `_script.sh` under the agent's orchestration directory, run by bash, killed at the
 * execution timeout, stdout and stderr captured. The "host" is a sandbox directory (working directory and
 * HOME); the environment is a root shell's, not this process's (no AWS credentials leak into scripts).
 * https://docs.aws.amazon.com/systems-manager/latest/userguide/documents-command-ssm-plugin-reference.html#aws-runShellScript
 */
import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join, posix } from "node:path";
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

export function runScript(input: ScriptInput): RunningScript {
  const host = sandboxOf(input.instanceId);
  const orchestration = join(
    host,
    "var/lib/amazon/ssm",
    input.instanceId,
    "document/orchestration",
    input.commandId,
    "awsrunShellScript/0.awsrunShellScript",
  );
  mkdirSync(orchestration, { recursive: true });
  const script = join(orchestration, "_script.sh");
  writeFileSync(script, `${input.commands.join("\n")}\n`, { mode: 0o700 });
  // Taken as a path on the host: "/" is the sandbox, and ".." cannot leave it.
  const cwd = join(host, posix.normalize(`/${input.workingDirectory ?? ""}`));
  mkdirSync(cwd, { recursive: true });
  const opts = ssmAgentOptions();
  const child = spawn("bash", [script], {
    cwd,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      PATH: [...opts.extraPath, "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"].join(":"),
      HOME: host,
      LANG: "C.UTF-8",
      AWS_SSM_INSTANCE_ID: input.instanceId,
      AWS_SSM_REGION_NAME: input.region,
    },
  });
  const out = collector();
  const err = collector();
  child.stdout.on("data", out.add);
  child.stderr.on("data", err.add);
  let killed: "cancel" | "timeout" | undefined;
  const kill = (why: "cancel" | "timeout") => {
    if (killed || child.exitCode !== null || child.signalCode !== null) return;
    killed = why;
    try {
      // The whole process group: a script's children (curl, dd) die with it.
      process.kill(-child.pid!, "SIGKILL");
    } catch {
      child.kill("SIGKILL");
    }
  };
  const timer = setTimeout(() => kill("timeout"), input.executionTimeoutMs);
  timer.unref();
  const done = new Promise<ScriptResult>((resolve) => {
    const finish = (code: number | null) => {
      clearTimeout(timer);
      resolve({
        exitCode: killed ? -1 : (code ?? -1),
        stdout: out.text(),
        stderr: err.text(),
        timedOut: killed === "timeout",
        cancelled: killed === "cancel",
      });
    };
    child.on("close", finish);
    child.on("error", (e) => {
      err.add(Buffer.from(`bash: ${e.message}\n`));
      finish(127);
    });
  });
  return { done, kill };
}
