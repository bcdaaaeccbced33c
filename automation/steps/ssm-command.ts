/**
 * The two things every Run Command step of the playbook does with a command it sent: wait for it to end
 * (a poll that fails is tried again at the next interval: the command runs on the host whatever happens
 * to one poll), and, when an earlier attempt may have sent it already, find it by its comment so the
 * host is not asked twice (memory capture, log collection).
 */
import { type Command, GetCommandInvocationCommand, ListCommandsCommand } from "@aws-sdk/client-ssm";
import type { AwsClients } from "../aws/clients";
import { isTransientFailure } from "../aws/retry";
import { sleep } from "./util";

/** The playbook's commands run shell scripts. */
export const SHELL_DOCUMENT = "AWS-RunShellScript";

/** ListCommands pages to read at most (50 commands each, newest window only). */
const MAX_PAGES = 5;

interface OnInstance {
  clients: Pick<AwsClients, "ssm">;
  instanceId: string;
}

export interface CommandEnd {
  /** SSM's invocation status: Success, Failed, Cancelled, TimedOut... */
  status: string;
  stdout: string;
  stderr: string;
}

/**
 * Polls the command on the instance every `pollMs` until it leaves Pending/InProgress/Delayed, and says
 * how it ended; throws when `deadline` passes first (naming `what` and the last poll error, if any).
 */
export async function waitForCommand(
  ctx: OnInstance,
  c: {
    commandId: string;
    deadline: number;
    pollMs: number;
    what: string;
    /** Called after each poll that finds the command still running (the memory capture mints URLs). */
    onPoll?: () => Promise<void>;
  },
): Promise<CommandEnd> {
  let lastPollError: unknown;
  while (Date.now() < c.deadline) {
    await sleep(c.pollMs);
    const inv = await ctx.clients.ssm
      .send(new GetCommandInvocationCommand({ CommandId: c.commandId, InstanceId: ctx.instanceId }))
      .catch((err) => {
        // Not yet delivered to the instance: SSM answers so for a moment after SendCommand.
        if ((err as Error).name === "InvocationDoesNotExist") return undefined;
        if (isTransientFailure(err)) {
          lastPollError = err;
          return undefined;
        }
        throw err;
      });
    const status = inv?.Status ?? "Pending";
    if (["Pending", "InProgress", "Delayed"].includes(status)) {
      await c.onPoll?.();
      continue;
    }
    return {
      status,
      stdout: inv?.StandardOutputContent ?? "",
      stderr: inv?.StandardErrorContent ?? "",
    };
  }
  const pollError = lastPollError ? `; last poll error: ${(lastPollError as Error).message}` : "";
  throw new Error(
    `${c.what} did not finish by ${new Date(c.deadline).toISOString()}, its bound (command ${c.commandId} on ${ctx.instanceId})${pollError}: see the command's output in SSM Run Command, then run the case again`,
  );
}

/**
 * The newest shell command on the instance with this comment, sent within `maxAgeMs` (older ones' URLs
 * have expired), in one of `statuses` (SSM's command-level statuses), for which `pick` returns a value.
 */
export async function findCommand<T>(
  ctx: OnInstance,
  at: { comment: string; maxAgeMs: number; statuses: ReadonlySet<string> },
  pick: (command: Command) => T | undefined,
): Promise<T | undefined> {
  const since = new Date(Date.now() - at.maxAgeMs).toISOString();
  let nextToken: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const res = await ctx.clients.ssm.send(
      new ListCommandsCommand({
        InstanceId: ctx.instanceId,
        Filters: [{ key: "InvokedAfter", value: since }],
        ...(nextToken ? { NextToken: nextToken } : {}),
      }),
    );
    const newestFirst = [...(res.Commands ?? [])].sort(
      (a, b) => (b.RequestedDateTime?.getTime() ?? 0) - (a.RequestedDateTime?.getTime() ?? 0),
    );
    for (const c of newestFirst) {
      if (c.Comment !== at.comment || c.DocumentName !== SHELL_DOCUMENT || !at.statuses.has(c.Status ?? ""))
        continue;
      const picked = pick(c);
      if (picked !== undefined) return picked;
    }
    nextToken = res.NextToken;
    if (!nextToken) break;
  }
  return undefined;
}

/**
 * An earlier attempt's command, or undefined when the lookup is denied (a responder role deployed before
 * ssm:ListCommands was granted): sending anew is better than not at all. A transient error is the
 * engine's to retry.
 */
export function unlessDenied<T>(lookup: Promise<T | undefined>): Promise<T | undefined> {
  return lookup.catch((err) => {
    if (isTransientFailure(err)) throw err;
    return undefined;
  });
}
