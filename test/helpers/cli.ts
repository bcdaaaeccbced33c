/** Runs `ir` in-process the way a shell would, capturing what it prints (and its --json document). */
import { run } from "../../automation/cli/program";
import { TEST_CREDENTIALS, TEST_REGION } from "./moto";

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

/**
 * Points the in-process CLI at a test account through the environment, as a user's shell would, and
 * returns the function that puts the environment back. Call it in `before`, after the account is set
 * up: the snapshot then includes moto's dummy credentials, so restoring never removes them from the
 * suites that run later (a snapshot taken at file load did, in the full run).
 */
export function pointCliAt(
  a: {
    endpoint: string;
    stateDir: string;
    responderCredentials?: { accessKeyId: string; secretAccessKey: string; sessionToken: string };
    settings?: { roleWriterFunction?: string };
  },
  extra: Record<string, string> = {},
) {
  const saved = { ...process.env };
  // The CLI runs as the responder role where the account has one (the strict layer authorises it).
  const creds = a.responderCredentials ?? { ...TEST_CREDENTIALS, sessionToken: "" };
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: a.endpoint,
    AWS_REGION: TEST_REGION,
    AWS_ACCESS_KEY_ID: creds.accessKeyId,
    AWS_SECRET_ACCESS_KEY: creds.secretAccessKey,
    ...(creds.sessionToken ? { AWS_SESSION_TOKEN: creds.sessionToken } : {}),
    IR_STATE_DIR: a.stateDir,
    // Role policies through the role writer, as with the baseline deployed.
    ...(a.settings?.roleWriterFunction ? { IR_ROLE_WRITER_FUNCTION: a.settings.roleWriterFunction } : {}),
    IR_MAX_ATTEMPTS: "1",
    ...extra,
  });
  return () => {
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
  };
}
