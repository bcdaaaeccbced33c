/** Runs `ir` in-process the way a shell would, capturing what it prints (and its --json document). */
import { run } from "../../automation/cli/program";

export interface CliRun<J> {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON; `whenNotJson` when it is not (text output). */
  json: J;
}

// biome-ignore lint/suspicious/noExplicitAny: a test reads whatever document the command printed
export async function runCli<J = any>(args: string[], whenNotJson?: J): Promise<CliRun<J>> {
  const lines: string[] = [];
  let stderr = "";
  const err = {
    isTTY: false,
    write: (s: string) => {
      stderr += s;
      return true;
    },
  } as unknown as NodeJS.WriteStream;
  const code = await run(["node", "ir", ...args], { out: (s) => lines.push(s), err });
  const stdout = lines.join("\n");
  let json = whenNotJson as J;
  try {
    json = JSON.parse(stdout) as J;
  } catch {
    // text output
  }
  return { code, stdout, stderr, json };
}
