/**
 * The function's own configuration, from its environment (set by the baseline's AutoContainment
 * component). A bad value is a deployment error, not a bad event: the handler throws, so the event is
 * kept in the dead-letter queue and can be redriven once the configuration is fixed.
 */
import { SSM } from "../../facts/names";

export type AutoContainMode = "contain" | "approve";

export interface AutoContainConfig {
  /** `approve` only notifies (with the command to run); `contain` contains. */
  mode: AutoContainMode;
  /** Lowest finding severity acted on, GuardDuty scale 1–8.9. @default 7 */
  minSeverity: number;
  /** Capture memory over SSM (can run for many minutes). @default false in Lambda */
  memory: boolean;
  /** SSM parameter holding the baseline's responder settings (JSON). @default "/ir/responder-config" */
  settingsParameter: string;
  /** Alert topic; else the settings parameter's `alertTopicArn`. */
  alertTopicArn?: string;
  /** Time kept free before the function's timeout to publish the outcome and return. @default 60000 */
  reserveMs: number;
}

export const AUTO_CONTAIN_ENV = {
  mode: "IR_AUTO_CONTAIN_MODE",
  minSeverity: "IR_AUTO_CONTAIN_MIN_SEVERITY",
  memory: "IR_AUTO_CONTAIN_MEMORY",
  settingsParameter: "IR_SETTINGS_PARAMETER",
  alertTopicArn: "IR_ALERT_TOPIC_ARN",
  reserveSeconds: "IR_AUTO_CONTAIN_RESERVE_SECONDS",
} as const;

export const DEFAULT_MIN_SEVERITY = 7;
const DEFAULT_RESERVE_MS = 60_000;

export class AutoContainConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AutoContainConfigError";
  }
}

export function readAutoContainConfig(env: NodeJS.ProcessEnv = process.env): AutoContainConfig {
  const mode = env[AUTO_CONTAIN_ENV.mode];
  if (mode !== "contain" && mode !== "approve")
    throw new AutoContainConfigError(
      `${AUTO_CONTAIN_ENV.mode} ${JSON.stringify(mode ?? null)} is not valid: expected "contain" or "approve" (set autoContain in the baseline's config)`,
    );
  const rawSeverity = env[AUTO_CONTAIN_ENV.minSeverity];
  const minSeverity =
    rawSeverity === undefined || rawSeverity.trim() === "" ? DEFAULT_MIN_SEVERITY : Number(rawSeverity);
  if (!Number.isFinite(minSeverity) || minSeverity < 1 || minSeverity > 8.9)
    throw new AutoContainConfigError(
      `${AUTO_CONTAIN_ENV.minSeverity} "${rawSeverity}" is not valid: expected a GuardDuty severity from 1 to 8.9 (7 = high)`,
    );
  const rawMemory = (env[AUTO_CONTAIN_ENV.memory] ?? "off").trim().toLowerCase();
  if (!["on", "off", "true", "false", ""].includes(rawMemory))
    throw new AutoContainConfigError(
      `${AUTO_CONTAIN_ENV.memory} "${env[AUTO_CONTAIN_ENV.memory]}" is not valid: expected "on" or "off"`,
    );
  const rawReserve = env[AUTO_CONTAIN_ENV.reserveSeconds];
  const reserveMs =
    rawReserve === undefined || rawReserve === "" ? DEFAULT_RESERVE_MS : Number(rawReserve) * 1000;
  if (!Number.isFinite(reserveMs) || reserveMs < 0)
    throw new AutoContainConfigError(
      `${AUTO_CONTAIN_ENV.reserveSeconds} "${rawReserve}" is not valid: expected a number of seconds >= 0`,
    );
  const topic = env[AUTO_CONTAIN_ENV.alertTopicArn];
  return {
    mode,
    minSeverity,
    memory: rawMemory === "on" || rawMemory === "true",
    settingsParameter: env[AUTO_CONTAIN_ENV.settingsParameter] || SSM.responderConfig,
    ...(topic ? { alertTopicArn: topic } : {}),
    reserveMs,
  };
}
