/**
 * Structured logs of the auto-containment function: one JSON object per line on stdout, which Lambda
 * sends to CloudWatch Logs as is (Logs Insights then queries the fields). Strings from a finding are
 * written as JSON values, so a hostile finding cannot forge log lines.
 */
import type { EngineEvent } from "../engine/types";

export type LogLevel = "info" | "warn" | "error";

export interface Logger {
  log(level: LogLevel, message: string, fields?: Record<string, unknown>): void;
}

/** Writes one line per call; `base` fields (request id, mode) go on every line. */
export function jsonLogger(
  base: Record<string, unknown> = {},
  write: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
): Logger {
  return {
    log(level, message, fields = {}) {
      write(JSON.stringify({ time: new Date().toISOString(), level, message, ...base, ...fields }));
    },
  };
}

/** One log line per engine event (step started, ran, finished): the case's timeline in CloudWatch. */
export function logEngineEvent(logger: Logger, e: EngineEvent): void {
  const at = new Date(e.at).toISOString();
  if (e.type === "step-finished") {
    const r = e.report;
    const failed = r.status === "failed" || r.status === "blocked" || r.status === "unverified";
    logger.log(failed ? "warn" : "info", "step finished", {
      caseId: e.caseId,
      stepId: e.stepId,
      at,
      status: r.status,
      ...(r.detail ? { detail: r.detail } : {}),
      ...(r.resumed ? { resumed: true } : {}),
    });
  } else if (e.type === "step-ran") {
    logger.log("info", "step ran", {
      caseId: e.caseId,
      stepId: e.stepId,
      at,
      status: e.status,
      ...(e.reason ? { reason: e.reason } : {}),
    });
  } else {
    logger.log("info", "step started", { caseId: e.caseId, stepId: e.stepId, at });
  }
}
