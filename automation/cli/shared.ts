/**
 * What every `ir` command shares: the I/O seam (tests capture it), the common flags, and how settings and
 * the one client factory are built from them.
 */
import type { Command } from "commander";
import { AwsClients } from "../aws/clients";
import { resolveSettings, type SettingFlags } from "../settings/settings";

export interface Io {
  out: (text: string) => void;
  err: NodeJS.WriteStream;
}

export interface Common extends SettingFlags {
  json?: boolean;
  yes?: boolean;
}

export function clientsFor(flags: Common) {
  const settings = resolveSettings(flags);
  const clients = new AwsClients({
    region: settings.region,
    ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
    retry: { maxAttempts: settings.maxAttempts },
    latencyMs: settings.latencyMs,
  });
  return { settings, clients };
}

export const commonOptions = (cmd: Command) =>
  cmd
    .option("--region <region>", "AWS region (default: IR_REGION, AWS_REGION, config file, us-east-1)")
    .option(
      "--config <file>",
      "settings file in the baseline's responderSettings shape (default: IR_CONFIG, ./ir.config.json)",
    )
    .option(
      "--journal-table <name>",
      "case journal DynamoDB table (default: IR_JOURNAL_TABLE, config, ir-case-journal)",
    )
    .option("--state-dir <dir>", "local state and fallback journal directory (default: IR_STATE_DIR, .ir)")
    .option("--endpoint <url>", "AWS endpoint override, e.g. an emulator (default: AWS_ENDPOINT_URL)")
    .option("--json", "print one JSON document on stdout");
