/**
 * SendCommand: the command is accepted for managed instances (registered once, reachable now or not) and
 * waits Pending for each instance's agent; an instance that never registered is refused. Sent to Targets,
 * it reaches the managed instances the targets match. The agent runs AWS-RunShellScript only.
 * https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_SendCommand.html
 */
import { randomUUID } from "node:crypto";
import type { RuleContext, StrictRequest } from "../types";
import { advance, reachAll } from "./agent";
import { commandsOf, type Invocation, type StoredCommand } from "./commands";
import { SsmError, str, stringList } from "./errors";
import { hostsOf } from "./host";
import { registrationOf } from "./registration";
import { commandShape } from "./shapes";

const SHELL = "AWS-RunShellScript";
/** AWS-RunShellScript's parameters and its executionTimeout default and bounds (seconds). */
const SHELL_PARAMETERS = new Set(["commands", "workingDirectory", "executionTimeout"]);
const EXECUTION_TIMEOUT = { default: 3600, max: 172_800 };
/** SendCommand's TimeoutSeconds default and bounds. */
const DELIVERY_TIMEOUT = { default: 3600, min: 30, max: 2_592_000 };

function parameters(raw: unknown): { params: Record<string, string[]>; executionTimeout: number } {
  const params: Record<string, string[]> = {};
  for (const [k, v] of Object.entries((raw ?? {}) as Record<string, unknown>)) {
    if (!SHELL_PARAMETERS.has(k))
      throw new SsmError("InvalidParameters", `${SHELL} has no parameter "${k}".`);
    params[k] = stringList(v);
  }
  if (!params.commands?.length) throw new SsmError("InvalidParameters", `Parameter "commands" is required.`);
  const t = params.executionTimeout?.[0] ?? String(EXECUTION_TIMEOUT.default);
  const executionTimeout = /^[1-9][0-9]*$/.test(t) ? Number(t) : Number.NaN;
  if (!(executionTimeout <= EXECUTION_TIMEOUT.max))
    throw new SsmError(
      "InvalidParameters",
      `Parameter "executionTimeout" "${t}" is not an integer from 1 to ${EXECUTION_TIMEOUT.max}.`,
    );
  return { params, executionTimeout };
}

/** Instance ids the Targets match (InstanceIds, tag:<key>, tag-key). */
async function targeted(ctx: RuleContext, req: StrictRequest, targets: { Key: string; Values: string[] }[]) {
  const ids = new Set<string>();
  for (const t of targets) {
    if (t.Key === "InstanceIds") for (const id of t.Values) ids.add(id);
    else if (t.Key.startsWith("tag:") || t.Key === "tag-key") {
      const hosts = await hostsOf(ctx, req.accountId, req.region, undefined, [
        { Name: t.Key, Values: t.Values },
      ]);
      for (const h of hosts) ids.add(h.instanceId);
    } else
      throw new SsmError("InvalidTarget", `The simulated SSM agent does not resolve target key ${t.Key}.`);
  }
  return [...ids];
}

export async function sendCommand(ctx: RuleContext, req: StrictRequest) {
  const body = req.json ?? {};
  const documentName = str(body.DocumentName) ?? "";
  if (documentName !== SHELL)
    throw new SsmError(
      "InvalidDocument",
      `Document ${documentName || "(none)"} cannot be run here: the simulated SSM agent runs ${SHELL} only.`,
    );
  const { params, executionTimeout } = parameters(body.Parameters);
  const comment = str(body.Comment) ?? "";
  if (comment.length > 100)
    throw new SsmError("ValidationException", "Comment: Member must have length less than or equal to 100");
  const deliveryTimeout =
    typeof body.TimeoutSeconds === "number" ? body.TimeoutSeconds : DELIVERY_TIMEOUT.default;
  if (deliveryTimeout < DELIVERY_TIMEOUT.min || deliveryTimeout > DELIVERY_TIMEOUT.max)
    throw new SsmError(
      "ValidationException",
      `TimeoutSeconds: Member must be between ${DELIVERY_TIMEOUT.min} and ${DELIVERY_TIMEOUT.max}`,
    );
  const instanceIds = stringList(body.InstanceIds);
  const targets = (Array.isArray(body.Targets) ? body.Targets : []).map(
    (t: { Key?: string; Values?: unknown }) => ({
      Key: String(t.Key ?? ""),
      Values: stringList(t.Values),
    }),
  );
  if (instanceIds.length === 0 && targets.length === 0)
    throw new SsmError("ValidationException", "Either InstanceIds or Targets must be specified.");
  const wanted = instanceIds.length ? instanceIds : await targeted(ctx, req, targets);
  // This call is an agent poll too: an instance reachable now registers if its start-up delay has passed.
  await reachAll(ctx, req.accountId, req.region, wanted);
  const managed = wanted.filter((id) =>
    registrationOf(ctx, { accountId: req.accountId, region: req.region, instanceId: id }),
  );
  const unmanaged = wanted.filter((id) => !managed.includes(id));
  if (instanceIds.length && unmanaged.length)
    throw new SsmError(
      "InvalidInstanceId",
      `Instances [[${unmanaged.join(", ")}]] not in a valid state for account ${req.accountId}`,
    );
  const command: StoredCommand = {
    commandId: randomUUID(),
    accountId: req.accountId,
    region: req.region,
    documentName,
    comment,
    parameters: params,
    instanceIds,
    targets,
    requestedAt: ctx.now(),
    deliveryTimeoutSeconds: deliveryTimeout,
    executionTimeoutSeconds: executionTimeout,
    invocations: new Map(),
  };
  for (const id of managed) {
    const inv: Invocation = {
      instanceId: id,
      status: "Pending",
      details: "Pending",
      responseCode: -1,
      stdout: "",
      stderr: "",
    };
    command.invocations.set(id, inv);
  }
  commandsOf(ctx).set(command.commandId, command);
  const shape = commandShape(command);
  // A reachable agent takes the command at once (its long poll is open); the answer still says Pending.
  await advance(
    ctx,
    [...command.invocations.values()].map((inv) => ({ command, inv })),
  );
  return { Command: shape };
}
