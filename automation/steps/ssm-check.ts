/**
 * ssm-check: is the instance managed by SSM (needed for memory capture and log collection)? Never
 * fails: when SSM cannot tell (an API error, an emulator without it), the answer is "not managed" with
 * the reason recorded, and the memory step is skipped rather than blocking containment. The question
 * gets as long as the client's retries take under throttling (about 50 s at most), then a bounded
 * answer: a 10 s bound failed the step under faults and blocked the memory capture.
 */
import { DescribeInstanceInformationCommand } from "@aws-sdk/client-ssm";
import type { CaseContext } from "../case/context";
import { withTimeout } from "../engine/timeout";
import type { Json, PlannedChange, Step } from "../engine/types";
import { errorName } from "./util";

export interface SsmCheck {
  managed: boolean;
  reason?: string;
  platform?: string;
}

/** How long the answer may take, retries included (longer than the client's throttling budget). */
const SSM_ANSWER_MS = 60_000;

export const ssmCheckStep: Step<CaseContext> = {
  id: "ssm-check",
  title: "Check whether SSM manages the instance",
  effect: "reads",
  timeoutMs: 90_000,
  async plan() {
    return [];
  },
  async run(ctx) {
    if (!ctx.options.memory) {
      return {
        status: "done",
        record: { managed: false, reason: "memory capture disabled (--no-memory)" } as Json,
      };
    }
    let check: SsmCheck;
    try {
      const res = await withTimeout(
        ctx.clients.ssm.send(
          new DescribeInstanceInformationCommand({
            Filters: [{ Key: "InstanceIds", Values: [ctx.instanceId] }],
          }),
        ),
        SSM_ANSWER_MS,
        "SSM's answer",
      );
      const info = res.InstanceInformationList?.[0];
      check = !info
        ? { managed: false, reason: "the instance is not registered with SSM" }
        : info.PingStatus !== "Online"
          ? { managed: false, reason: `the SSM agent is ${info.PingStatus}` }
          : { managed: true, ...(info.PlatformType ? { platform: info.PlatformType } : {}) };
    } catch (err) {
      check = {
        managed: false,
        reason: `SSM could not say whether it manages the instance (${errorName(err)}: ${(err as Error).message})`,
      };
    }
    return { status: "done", record: check as unknown as Json };
  },
  async verify() {
    return { ok: true };
  },
};

/**
 * Whether SSM manages the instance, for the steps that need the answer even when the memory capture is
 * off (ssm-check then answers "not managed" without asking): log collection, the agent's reach.
 */
export async function ssmManaged(ctx: CaseContext): Promise<SsmCheck> {
  const check = ctx.records.get("ssm-check") as SsmCheck | undefined;
  if (check?.managed || ctx.options.memory) return check ?? { managed: false, reason: "SSM state unknown" };
  try {
    const res = await ctx.clients.ssm.send(
      new DescribeInstanceInformationCommand({
        Filters: [{ Key: "InstanceIds", Values: [ctx.instanceId] }],
      }),
    );
    const info = res.InstanceInformationList?.[0];
    if (!info) return { managed: false, reason: "the instance is not registered with SSM" };
    return info.PingStatus === "Online"
      ? { managed: true }
      : { managed: false, reason: `the SSM agent is ${info.PingStatus}` };
  } catch (err) {
    return {
      managed: false,
      reason: `SSM could not say whether it manages the instance (${errorName(err)}: ${(err as Error).message})`,
    };
  }
}

/**
 * The planned SendCommand of a step that asks SSM itself when the memory capture is off (ssm-check then
 * did not ask): planned unless ssm-check found the instance unmanaged.
 */
export function plannedCommand(ctx: CaseContext, detail: string): PlannedChange[] {
  const ssm = ctx.records.get("ssm-check") as SsmCheck | undefined;
  return ssm?.managed || !ctx.options.memory
    ? [{ action: "ssm:SendCommand", target: ctx.instanceId, detail }]
    : [];
}
