/**
 * The calls that read commands (GetCommandInvocation, ListCommands, ListCommandInvocations) and
 * CancelCommand. Each read is a poll: the agents of the instances involved get their chance to take,
 * run and report before the answer is written.
 * https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_ListCommands.html
 */
import type { RuleContext, StrictRequest } from "../types";
import { advance } from "./agent";
import { commandsOf, end, type StoredCommand, TERMINAL } from "./commands";
import { SsmError, str, stringList } from "./errors";
import { commandShape, invocationResultShape, invocationShape } from "./shapes";

const PAGE = 50;

interface Filter {
  key: string;
  value: string;
}

function filtersOf(body: Record<string, unknown>): Filter[] {
  const raw = Array.isArray(body.Filters) ? (body.Filters as { key?: unknown; value?: unknown }[]) : [];
  return raw.map((f) => ({ key: String(f.key ?? ""), value: String(f.value ?? "") }));
}

/** The commands a list call names (CommandId, InstanceId, time and document filters). */
function selected(ctx: RuleContext, req: StrictRequest, body: Record<string, unknown>): StoredCommand[] {
  const commandId = str(body.CommandId);
  const instanceId = str(body.InstanceId);
  const all = [...commandsOf(ctx).values()].filter(
    (c) => c.accountId === req.accountId && c.region === req.region,
  );
  if (commandId && !all.some((c) => c.commandId === commandId))
    throw new SsmError("InvalidCommandId", `Command ${commandId} does not exist.`);
  return all.filter((c) => {
    if (commandId && c.commandId !== commandId) return false;
    if (instanceId && !c.invocations.has(instanceId)) return false;
    for (const f of filtersOf(body)) {
      if (f.key === "InvokedAfter" && c.requestedAt < Date.parse(f.value)) return false;
      if (f.key === "InvokedBefore" && c.requestedAt > Date.parse(f.value)) return false;
      if (f.key === "DocumentName" && c.documentName !== f.value) return false;
    }
    return true;
  });
}

const statusFilter = (body: Record<string, unknown>) =>
  filtersOf(body).find((f) => f.key === "Status")?.value;

function page<T>(items: T[], body: Record<string, unknown>): { page: T[]; NextToken?: string } {
  const max = typeof body.MaxResults === "number" ? body.MaxResults : PAGE;
  const from = Number(Buffer.from(str(body.NextToken) ?? "", "base64").toString() || "0");
  const next = from + max;
  return {
    page: items.slice(from, next),
    ...(next < items.length ? { NextToken: Buffer.from(String(next)).toString("base64") } : {}),
  };
}

const newestFirst = (a: StoredCommand, b: StoredCommand) => b.requestedAt - a.requestedAt;

export async function getCommandInvocation(ctx: RuleContext, req: StrictRequest) {
  const body = req.json ?? {};
  const command = commandsOf(ctx).get(str(body.CommandId) ?? "");
  const inv = command?.invocations.get(str(body.InstanceId) ?? "");
  if (!command || !inv || command.accountId !== req.accountId)
    throw new SsmError("InvocationDoesNotExist", "");
  const plugin = str(body.PluginName);
  if (plugin && plugin !== "aws:runShellScript")
    throw new SsmError("InvalidPluginName", `Plugin ${plugin} is not in document ${command.documentName}.`);
  await advance(ctx, [{ command, inv }]);
  return invocationResultShape(command, inv);
}

export async function listCommands(ctx: RuleContext, req: StrictRequest) {
  const body = req.json ?? {};
  const commands = selected(ctx, req, body).sort(newestFirst);
  await advance(
    ctx,
    commands.flatMap((command) => [...command.invocations.values()].map((inv) => ({ command, inv }))),
  );
  const status = statusFilter(body);
  const shapes = commands.map(commandShape).filter((s) => !status || s.Status === status);
  const { page: Commands, NextToken } = page(shapes, body);
  return { Commands, ...(NextToken ? { NextToken } : {}) };
}

export async function listCommandInvocations(ctx: RuleContext, req: StrictRequest) {
  const body = req.json ?? {};
  const instanceId = str(body.InstanceId);
  const items = selected(ctx, req, body)
    .sort(newestFirst)
    .flatMap((command) =>
      [...command.invocations.values()]
        .filter((inv) => !instanceId || inv.instanceId === instanceId)
        .map((inv) => ({ command, inv })),
    );
  await advance(ctx, items);
  const status = statusFilter(body);
  const shapes = items
    .filter(({ inv }) => !status || inv.status === status)
    .map(({ command, inv }) => invocationShape(command, inv, body.Details === true));
  const { page: CommandInvocations, NextToken } = page(shapes, body);
  return { CommandInvocations, ...(NextToken ? { NextToken } : {}) };
}

/** Stops the command on the instances named (all by default): Pending ones never start, running ones die. */
export function cancelCommand(ctx: RuleContext, req: StrictRequest) {
  const body = req.json ?? {};
  const commandId = str(body.CommandId) ?? "";
  const command = commandsOf(ctx).get(commandId);
  if (!command || command.accountId !== req.accountId)
    throw new SsmError("InvalidCommandId", `Command ${commandId} does not exist.`);
  const only = stringList(body.InstanceIds);
  for (const inv of command.invocations.values()) {
    if ((only.length && !only.includes(inv.instanceId)) || TERMINAL.has(inv.status)) continue;
    inv.running?.kill("cancel");
    inv.result = undefined;
    end(inv, "Cancelled", "Cancelled", ctx.now());
  }
  return {};
}
