/**
 * The commands the simulated Systems Manager holds (per layer, forgotten on reset), and how their
 * statuses aggregate. Each command has one invocation per targeted instance; an invocation moves
 * Pending → InProgress → Success / Failed / TimedOut (ExecutionTimedOut), or Pending → TimedOut
 * (DeliveryTimedOut) when the agent never took it, or → Cancelled.
 * https://docs.aws.amazon.com/systems-manager/latest/userguide/monitor-commands.html
 */
import type { RuleContext } from "../types";
import type { RunningScript, ScriptResult } from "./run-script";

/** Invocation statuses (the SDK's CommandInvocationStatus) and the StatusDetails AWS pairs them with. */
export type InvocationStatus = "Pending" | "InProgress" | "Success" | "Failed" | "TimedOut" | "Cancelled";
export type StatusDetails =
  | "Pending"
  | "InProgress"
  | "Success"
  | "Failed"
  | "DeliveryTimedOut"
  | "ExecutionTimedOut"
  | "Cancelled";

export const TERMINAL: ReadonlySet<InvocationStatus> = new Set([
  "Success",
  "Failed",
  "TimedOut",
  "Cancelled",
]);

export interface Invocation {
  instanceId: string;
  status: InvocationStatus;
  details: StatusDetails;
  /** The script's exit code; -1 until it ends (as AWS reports). */
  responseCode: number;
  stdout: string;
  stderr: string;
  startedAt?: number;
  endedAt?: number;
  /** The script while it runs on the host. */
  running?: RunningScript;
  /** How the script ended on the host, not yet reported (the agent reports when it can reach SSM). */
  result?: ScriptResult;
}

export interface StoredCommand {
  commandId: string;
  accountId: string;
  region: string;
  documentName: string;
  comment: string;
  parameters: Record<string, string[]>;
  /** As sent (InstanceIds), or empty when sent to Targets. */
  instanceIds: string[];
  targets: { Key: string; Values: string[] }[];
  requestedAt: number;
  /** SendCommand's TimeoutSeconds: the command no longer starts on an instance after it. */
  deliveryTimeoutSeconds: number;
  /** The document's executionTimeout parameter. */
  executionTimeoutSeconds: number;
  invocations: Map<string, Invocation>;
}

export const commandsOf = (ctx: RuleContext): Map<string, StoredCommand> =>
  ctx.state.of("ssm-agent/commands", () => new Map());

/**
 * When Pending and InProgress invocations become DeliveryTimedOut: the total timeout, delivery timeout
 * plus execution timeout (the command's ExpiresAfter).
 * https://docs.aws.amazon.com/systems-manager/latest/userguide/monitor-commands.html#monitor-about-status-timeouts
 */
export const expiresAt = (c: StoredCommand) =>
  c.requestedAt + (c.deliveryTimeoutSeconds + c.executionTimeoutSeconds) * 1000;

/** Past it the agent no longer starts the command ("if this time is reached ... it won't run"). */
export const deliverBy = (c: StoredCommand) => c.requestedAt + c.deliveryTimeoutSeconds * 1000;

export function end(inv: Invocation, status: InvocationStatus, details: StatusDetails, at: number): void {
  inv.status = status;
  inv.details = details;
  inv.endedAt = at;
  inv.running = undefined;
}

export interface Aggregate {
  status: InvocationStatus;
  details: string;
  targetCount: number;
  completedCount: number;
  errorCount: number;
  deliveryTimedOutCount: number;
}

/** The command's status from its invocations' (one target: the invocation's own). */
export function aggregate(c: StoredCommand): Aggregate {
  const all = [...c.invocations.values()];
  const count = (f: (i: Invocation) => boolean) => all.filter(f).length;
  const completedCount = count((i) => TERMINAL.has(i.status));
  const errorCount = count((i) => i.status === "Failed" || i.details === "ExecutionTimedOut");
  const deliveryTimedOutCount = count((i) => i.details === "DeliveryTimedOut");
  const base = { targetCount: all.length, completedCount, errorCount, deliveryTimedOutCount };
  if (completedCount < all.length) {
    const started = all.some((i) => i.status !== "Pending");
    return {
      ...base,
      status: started ? "InProgress" : "Pending",
      details: started ? "InProgress" : "Pending",
    };
  }
  const statuses = new Set(all.map((i) => i.status));
  if (all.length === 0 || (statuses.size === 1 && statuses.has("Success")))
    return { ...base, status: "Success", details: "Success" };
  if (statuses.size === 1) return { ...base, status: all[0]!.status, details: all[0]!.details };
  // Mixed ends: any failure fails the command (MaxErrors 0), otherwise AWS calls it Incomplete.
  if (errorCount > 0) return { ...base, status: "Failed", details: "Failed" };
  return { ...base, status: "Failed", details: "Incomplete" };
}
