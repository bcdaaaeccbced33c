/**
 * investigate-mount: the read-only mount script (automation/ssm-documents/mount-readonly.ts: block
 * devices set read-only first, then `ro,noload` and the equivalents per filesystem) sent over SSM Run
 * Command to the workstation alone (explicit InstanceIds), waited for within a bound. A new instance's
 * agent needs a minute or two to register: SendCommand is retried on InvalidInstanceId until the bound.
 */
import { GetCommandInvocationCommand, SendCommandCommand } from "@aws-sdk/client-ssm";
import { errorName } from "../aws/errors";
import type { Json, Step } from "../engine/types";
import { mountReadOnlyScript, READ_ONLY_MOUNT_OPTIONS } from "../ssm-documents/mount-readonly";
import { sleep } from "../steps/util";
import {
  type AttachRecord,
  type InvestigateContext,
  type LaunchRecord,
  MOUNT_ROOT,
  type MountRecord,
  type MountTiming,
  recordOf,
} from "./context";
import { LAUNCH_STEP } from "./launch";
import { ATTACH_STEP } from "./volumes";

export const MOUNT_STEP = "investigate-mount";
const DOCUMENT = "AWS-RunShellScript";
const FINAL = new Set(["Success", "Failed", "Cancelled", "TimedOut", "Cancelling"]);

/** The script's `key=value` result lines (one per volume or partition). */
export function parseMountOutput(stdout: string | undefined): MountRecord["results"] {
  const out: MountRecord["results"] = [];
  for (const line of (stdout ?? "").split("\n")) {
    if (!line.startsWith("volume=")) continue;
    const kv = Object.fromEntries(
      line
        .trim()
        .split(/\s+/)
        .map((p) => [p.slice(0, p.indexOf("=")), p.slice(p.indexOf("=") + 1)]),
    );
    out.push({
      volumeId: kv.volume!,
      status: kv.status ?? "unknown",
      ...(kv.mount ? { mount: kv.mount } : {}),
      ...(kv.reason ? { reason: kv.reason } : {}),
    });
  }
  return out;
}

export function mountCommand(ctx: InvestigateContext, workstationId: string) {
  const volumes = recordOf<AttachRecord>(ctx, ATTACH_STEP)!.volumes;
  const script = mountReadOnlyScript({
    volumes: volumes.map((v) => ({ volumeId: v.volumeId, attachedAs: v.device })),
    mountRoot: MOUNT_ROOT,
  });
  return new SendCommandCommand({
    DocumentName: DOCUMENT,
    // Explicit ids: the command must reach the workstation and nothing else.
    InstanceIds: [workstationId],
    Comment: `ir ${ctx.caseId}: mount evidence read-only`,
    Parameters: { commands: [script], executionTimeout: ["600"] },
    TimeoutSeconds: 60,
  });
}

async function sendUntilRegistered(ctx: InvestigateContext, ws: string, deadline: number): Promise<string> {
  for (;;) {
    try {
      const res = await ctx.clients.ssm.send(mountCommand(ctx, ws));
      const id = res.Command?.CommandId;
      if (!id) throw new Error("SendCommand returned no command id");
      return id;
    } catch (err) {
      if (errorName(err) !== "InvalidInstanceId" || Date.now() + ctx.mount.pollMs > deadline) {
        if (errorName(err) === "InvalidInstanceId")
          throw new Error(
            `workstation ${ws} did not register with SSM in time (${(err as Error).message}): check the forensic VPC's ssm, ssmmessages and ec2messages endpoints, then re-run \`ir investigate ${ctx.caseId}\``,
          );
        throw err;
      }
      await sleep(ctx.mount.pollMs);
    }
  }
}

async function invocation(ctx: InvestigateContext, commandId: string, ws: string) {
  try {
    return await ctx.clients.ssm.send(
      new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: ws }),
    );
  } catch (err) {
    // Right after SendCommand the invocation may not exist yet.
    if (errorName(err) === "InvocationDoesNotExist") return undefined;
    throw err;
  }
}

async function waitFinal(ctx: InvestigateContext, commandId: string, ws: string, deadline: number) {
  for (let n = 0; ; n++) {
    const inv = await invocation(ctx, commandId, ws);
    if (inv?.Status && FINAL.has(inv.Status)) return inv;
    // A mount takes a second or two: look again soon, then every pollMs (250 ms doubling up to it).
    const wait = Math.min(ctx.mount.pollMs, 250 * 2 ** n);
    if (Date.now() + wait > deadline)
      throw new Error(
        `mount command ${commandId} on ${ws} is still ${inv?.Status ?? "pending"} after the bound: check it with \`aws ssm get-command-invocation\`, then re-run`,
      );
    await sleep(wait);
  }
}

const OPTIONS_SUMMARY = Object.entries(READ_ONLY_MOUNT_OPTIONS)
  .map(([fs, o]) => `${fs}: ${o}`)
  .join("; ");

export function mountStep(timing: MountTiming): Step<InvestigateContext> {
  return {
    id: MOUNT_STEP,
    title: "Mount the evidence volumes read-only over SSM",
    after: [ATTACH_STEP],
    timeoutMs: timing.timeoutMs + 30_000,
    verifyTimeoutMs: 30_000,
    plan: async (ctx) => [
      {
        action: "ssm:SendCommand",
        target: recordOf<LaunchRecord>(ctx, LAUNCH_STEP)?.instanceId ?? "the workstation",
        detail: `${DOCUMENT}: every evidence block device set read-only (blockdev --setro, checked), then mounted under ${MOUNT_ROOT}/<volume-id> with ${OPTIONS_SUMMARY}`,
      },
    ],
    async run(ctx) {
      const ws = recordOf<LaunchRecord>(ctx, LAUNCH_STEP)!.instanceId;
      const deadline = Date.now() + timing.timeoutMs;
      const commandId = await sendUntilRegistered(ctx, ws, deadline);
      const inv = await waitFinal(ctx, commandId, ws, deadline);
      const results = parseMountOutput(inv.StandardOutputContent);
      if (inv.Status !== "Success") {
        const failed = results.filter((r) => r.status === "failed");
        const why =
          failed.map((r) => `${r.volumeId}: ${r.reason ?? "failed"}`).join(", ") ||
          (inv.StandardErrorContent ?? "").trim().slice(0, 300) ||
          `exit code ${inv.ResponseCode}`;
        throw new Error(`mount command ${commandId} on ${ws} ended ${inv.Status}: ${why}`);
      }
      const record: MountRecord = { commandId, status: inv.Status, results };
      return { status: "done", record: record as unknown as Json };
    },
    async verify(ctx) {
      const ws = recordOf<LaunchRecord>(ctx, LAUNCH_STEP)!.instanceId;
      const r = recordOf<MountRecord>(ctx, MOUNT_STEP)!;
      const inv = await invocation(ctx, r.commandId, ws);
      if (inv?.Status !== "Success")
        return { ok: false, detail: `mount command ${r.commandId} is ${inv?.Status ?? "unknown"}` };
      // The script exits non-zero when any volume failed, so Success means every volume is read-only
      // mounted, already mounted read-only, or has no filesystem to mount (reported per volume).
      const skipped = r.results.filter((x) => x.status === "skipped");
      return {
        ok: true,
        detail: `mounted read-only under ${MOUNT_ROOT} (command ${r.commandId})${skipped.length ? `; not mounted: ${skipped.map((s) => `${s.volumeId} (${s.reason})`).join(", ")}` : ""}`,
      };
    },
  };
}
