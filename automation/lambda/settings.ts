/**
 * The responder settings inside Lambda: the baseline publishes them as JSON in an SSM parameter
 * (`/ir/responder-config`), environment variables (IR_*) override them, as for the CLI. The parameter's
 * text goes through the CLI's own config-file reader, so both accept and reject exactly the same shapes.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GetParameterCommand } from "@aws-sdk/client-ssm";
import type { AwsClients } from "../aws/clients";
import { type ResolvedSettings, resolveSettings } from "../settings/settings";

export interface LambdaSettings {
  settings: ResolvedSettings;
  /** The alert topic named by the parameter, if any. */
  alertTopicArn?: string;
  /** Why the parameter was not used (missing), for the log. */
  note?: string;
}

/** Lambda's file system is read-only except the temporary directory. */
export const LAMBDA_STATE_DIR = join(tmpdir(), "ir-state");

const isParameterMissing = (err: unknown) => (err as { name?: string })?.name === "ParameterNotFound";

export async function loadLambdaSettings(
  clients: AwsClients,
  parameter: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<LambdaSettings> {
  const flags = { stateDir: env.IR_STATE_DIR || LAMBDA_STATE_DIR };
  // An explicit config file (IR_CONFIG) wins over the parameter, as for the CLI.
  if (env.IR_CONFIG) return { settings: resolveSettings(flags, env) };
  let text: string | undefined;
  try {
    const res = await clients.ssm.send(new GetParameterCommand({ Name: parameter }));
    text = res.Parameter?.Value;
  } catch (err) {
    // Any other error (throttling, outage) is transient: the caller lets Lambda retry.
    if (!isParameterMissing(err)) throw err;
  }
  if (text === undefined)
    return {
      settings: resolveSettings(flags, env),
      note: `settings parameter "${parameter}" was not found: using IR_* variables and defaults`,
    };
  let alertTopicArn: string | undefined;
  try {
    const parsed = JSON.parse(text) as { alertTopicArn?: unknown };
    if (typeof parsed?.alertTopicArn === "string" && parsed.alertTopicArn)
      alertTopicArn = parsed.alertTopicArn;
  } catch {
    // loadConfigFile below reports the broken JSON with the parameter's name.
  }
  const dir = mkdtempSync(join(tmpdir(), "ir-settings-"));
  const file = join(dir, "responder-config.json");
  writeFileSync(file, text, { mode: 0o600 });
  try {
    const settings = resolveSettings({ ...flags, config: file }, env);
    return { settings, ...(alertTopicArn ? { alertTopicArn } : {}) };
  } catch (err) {
    throw new Error(
      `settings parameter "${parameter}" is not usable: ${(err as Error).message.replaceAll(file, parameter)}`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
