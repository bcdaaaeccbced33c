/**
 * ssm-reach: does the SSM agent of the contained instance still take commands? Asked once containment
 * has swapped the profile and isolated the host, before the memory capture and the log collection:
 * both send commands that SSM accepts whether or not the agent will ever see them (a silenced agent's
 * commands wait Pending until they time out), so without this question a capture would wait its whole
 * bound for nothing. The question is a command: a no-op script that must be delivered and answered
 * within a bound. When it is not, the answer names the likeliest reason (the agent's ping status, the
 * quarantine profile of an earlier version that silences the agent, a VPC without SSM endpoints) and
 * the evidence steps are skipped with it. Never fails: an unknown answer is "not reachable".
 */
import {
  CancelCommandCommand,
  DescribeInstanceInformationCommand,
  SendCommandCommand,
} from "@aws-sdk/client-ssm";
import type { CaseContext, IsolationGroups } from "../case/context";
import type { Json, Step } from "../engine/types";
import type { DenyAllProfile } from "./deny-all-profile";
import { openForensicEgress } from "./forensic-egress";
import { plannedCommand, ssmManaged } from "./ssm-check";
import { SHELL_DOCUMENT, waitForCommand } from "./ssm-command";
import type { SwapRecord } from "./swap-profile";
import { errorName } from "./util";

export interface SsmReachOptions {
  /** How long the agent gets to take and answer the probe, ms (SSM's delivery timeout is at least 30 s). @default 90000 */
  boundMs: number;
  /** Poll interval, ms. @default 1000 */
  pollMs: number;
}

export const DEFAULT_SSM_REACH: SsmReachOptions = { boundMs: 90_000, pollMs: 1000 };

export interface SsmReach {
  reachable: boolean;
  /** Why not; absent when reachable. */
  reason?: string;
  commandId?: string;
  /** From sending the probe to its answer, ms. */
  answeredInMs?: number;
}

/** The record the evidence steps read: reachable, or the reason they do not run. */
export function reachOf(ctx: CaseContext): SsmReach {
  return (
    (ctx.records.get("ssm-reach") as SsmReach | undefined) ?? {
      reachable: false,
      reason: "the SSM agent's reach is unknown (ssm-reach did not run)",
    }
  );
}

const probeComment = (caseId: string) => `ir ${caseId} agent reach`.slice(0, 100);

/** What is known about why a probe was not answered, most specific first. */
async function likelyReasons(ctx: CaseContext): Promise<string> {
  const reasons: string[] = [];
  const profile = ctx.records.get("deny-all-profile") as unknown as DenyAllProfile | undefined;
  const swapped = ctx.records.get("swap-profile") as unknown as SwapRecord | undefined;
  if (swapped && profile?.admitsSsmAgent === false)
    reasons.push(
      `the quarantine profile "${profile.name}" denies the agent's own calls (a deny-everything role of an earlier version): deploy the baseline again so its role allows the SSM agent only`,
    );
  const groups = ctx.records.get("isolation-groups") as unknown as IsolationGroups | undefined;
  if (groups?.forensicReach?.problem) reasons.push(groups.forensicReach.problem);
  const ping = await ctx.clients.ssm
    .send(
      new DescribeInstanceInformationCommand({ Filters: [{ Key: "InstanceIds", Values: [ctx.instanceId] }] }),
    )
    .then(
      (r) => r.InstanceInformationList?.[0]?.PingStatus ?? "not registered",
      (err) => `unknown (${errorName(err)})`,
    );
  reasons.push(`SSM reports the agent ${ping}`);
  return reasons.join("; ");
}

async function probe(ctx: CaseContext, opts: SsmReachOptions): Promise<SsmReach> {
  const sentAt = Date.now();
  const sent = await ctx.clients.ssm.send(
    new SendCommandCommand({
      InstanceIds: [ctx.instanceId],
      DocumentName: SHELL_DOCUMENT,
      Comment: probeComment(ctx.caseId),
      // Not delivered by then: SSM ends it DeliveryTimedOut rather than running it late.
      TimeoutSeconds: Math.max(30, Math.ceil(opts.boundMs / 1000)),
      Parameters: { commands: ["echo ir-agent-reach"], executionTimeout: ["30"] },
    }),
  );
  const commandId = sent.Command?.CommandId;
  if (!commandId) return { reachable: false, reason: "SSM accepted the probe but returned no command id" };
  try {
    const end = await waitForCommand(ctx, {
      commandId,
      deadline: sentAt + opts.boundMs,
      pollMs: opts.pollMs,
      what: "the agent's reach probe",
    });
    if (end.status === "Success") return { reachable: true, commandId, answeredInMs: Date.now() - sentAt };
    return {
      reachable: false,
      commandId,
      reason: `the agent's reach probe ended ${end.status}: ${await likelyReasons(ctx)}`,
    };
  } catch {
    await ctx.clients.ssm
      .send(new CancelCommandCommand({ CommandId: commandId, InstanceIds: [ctx.instanceId] }))
      .catch(() => undefined);
    return {
      reachable: false,
      commandId,
      reason: `the SSM agent did not take a command within ${Math.round(opts.boundMs / 1000)} s: ${await likelyReasons(ctx)}`,
    };
  }
}

export function ssmReachStep(opts: SsmReachOptions = DEFAULT_SSM_REACH): Step<CaseContext> {
  return {
    id: "ssm-reach",
    title: "Check that the SSM agent still takes commands (contained)",
    needs: ["isolate"],
    // Asked under the quarantine profile: that is the identity the capture will run under.
    // Run Command reaches only instances that carry a case id (the responder's policy): after the tag.
    after: ["ssm-check", "swap-profile", "revoke-credentials", "tag-instance"],
    // Support: an unreachable agent is an answer (recorded, "done"), not a failed step; the evidence
    // steps read it and say why they did not run.
    purpose: "support",
    schedule: "after-containment",
    timeoutMs: opts.boundMs + 60_000,
    async plan(ctx) {
      return plannedCommand(ctx, "a no-op probe: is the agent listening?");
    },
    async run(ctx) {
      const ssm = await ssmManaged(ctx);
      if (!ssm.managed) {
        const record: SsmReach = { reachable: false, reason: ssm.reason ?? "SSM state unknown" };
        return { status: "done", record: record as unknown as Json };
      }
      // An isolated host reaches SSM only through the forensic-egress group (its interface endpoints).
      await openForensicEgress(ctx);
      let record: SsmReach;
      try {
        record = await probe(ctx, opts);
      } catch (err) {
        record = {
          reachable: false,
          reason: `the probe could not be sent (${errorName(err)}: ${(err as Error).message})`,
        };
      }
      return { status: "done", record: record as unknown as Json };
    },
    async verify(_ctx, record) {
      const r = record as unknown as SsmReach | undefined;
      return {
        ok: true,
        detail: r?.reachable ? `the agent answered in ${r.answeredInMs} ms` : `not reachable: ${r?.reason}`,
      };
    },
  };
}
