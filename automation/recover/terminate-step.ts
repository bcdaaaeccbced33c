/**
 * terminate: the compromised instance goes only after recovery is healthy and the evidence verifies.
 * Destructive: the engine refuses it unless this playbook's evidence step verified; and because that
 * step may have verified in an earlier run, this step verifies the evidence again itself right before
 * acting. It also checks the instance still carries this case's `ir:case-id` tag (the responder policy
 * allows terminating only tagged instances). Termination and stop protection (both set by containment;
 * AWS refuses to terminate an instance with either) are turned off first. Volumes are kept (containment
 * set DeleteOnTermination off).
 */
import {
  DescribeInstancesCommand,
  ModifyInstanceAttributeCommand,
  TerminateInstancesCommand,
} from "@aws-sdk/client-ec2";
import { TAG } from "../../facts/tags";
import { facts } from "../case/context";
import type { Json, Step } from "../engine/types";
import type { RecoverContext } from "./context";
import { describeProblems, verifyEvidence } from "./evidence-step";

const GONE = new Set(["shutting-down", "terminated"]);

/** Marks a refusal (evidence or identity), so the result says "refused" rather than "failed". */
export const REFUSED = "refused:";

async function describe(ctx: RecoverContext) {
  const res = await ctx.clients.ec2.send(new DescribeInstancesCommand({ InstanceIds: [ctx.instanceId] }));
  return res.Reservations?.[0]?.Instances?.[0];
}

export const terminateStep: Step<RecoverContext> = {
  id: "terminate",
  title: "Terminate the compromised instance",
  needs: ["recover-health", "recover-verify-evidence"],
  purpose: "destructive",
  // Includes the operator's answer at the prompt.
  timeoutMs: 900_000,
  verifyTimeoutMs: 60_000,
  verifyIntervalMs: 1_000,
  async plan(ctx) {
    if (ctx.recover.terminate === "no") return [];
    return [
      {
        action: "ec2:ModifyInstanceAttribute",
        target: ctx.instanceId,
        detail: "termination protection off (set by containment)",
      },
      {
        action: "ec2:ModifyInstanceAttribute",
        target: ctx.instanceId,
        detail:
          "stop protection off (set by containment: AWS refuses to terminate a stop-protected instance)",
      },
      {
        action: "ec2:TerminateInstances",
        target: ctx.instanceId,
        detail: `terminate, once capacity is healthy and the evidence re-verifies; volumes ${facts(ctx)
          .volumes.map((v) => v.volumeId)
          .join(", ")} are kept`,
      },
    ];
  },
  async run(ctx) {
    if (ctx.recover.terminate === "no")
      return {
        status: "skipped",
        reason: `termination not requested (--no-terminate): run \`ir recover ${ctx.caseId} --yes\` to terminate`,
      };
    const instance = await describe(ctx);
    const state = instance?.State?.Name ?? "gone";
    if (!instance || GONE.has(state)) {
      ctx.state.terminated = true;
      return { status: "done", record: { instanceId: ctx.instanceId, alreadyGone: state } as Json };
    }
    const tag = instance.Tags?.find((t) => t.Key === TAG.caseId)?.Value;
    if (tag !== ctx.caseId)
      throw new Error(
        `${REFUSED} instance ${ctx.instanceId} is tagged ${TAG.caseId}=${tag ?? "(none)"}, not ${ctx.caseId}: it is not this case's instance to terminate`,
      );
    const evidence = await verifyEvidence(ctx);
    if (!evidence.ok)
      throw new Error(
        `${REFUSED} the evidence does not verify right before terminating: ${describeProblems(evidence)}`,
      );
    if (ctx.recover.terminate === "ask") {
      const yes = await ctx.recover.confirm!(
        `terminate ${ctx.instanceId}? capacity is healthy and the evidence verifies (${evidence.artefacts} artefacts, locked until ${evidence.lockedUntil}); its volumes are kept`,
      );
      if (!yes) {
        ctx.state.declined = true;
        return {
          status: "skipped",
          reason: `not confirmed: ${ctx.instanceId} was left running, isolated; run \`ir recover ${ctx.caseId}\` again to terminate it`,
        };
      }
    }
    // Both protections off (one attribute per call): stop protection refuses termination too.
    await Promise.all([
      ctx.clients.ec2.send(
        new ModifyInstanceAttributeCommand({
          InstanceId: ctx.instanceId,
          DisableApiTermination: { Value: false },
        }),
      ),
      ctx.clients.ec2.send(
        new ModifyInstanceAttributeCommand({ InstanceId: ctx.instanceId, DisableApiStop: { Value: false } }),
      ),
    ]);
    await ctx.clients.ec2.send(new TerminateInstancesCommand({ InstanceIds: [ctx.instanceId] }));
    ctx.state.terminated = true;
    const record = {
      instanceId: ctx.instanceId,
      terminatedAt: new Date().toISOString(),
      evidence: { artefacts: evidence.artefacts, lockedUntil: evidence.lockedUntil ?? null },
      volumesKept: facts(ctx).volumes.map((v) => v.volumeId),
    };
    return { status: "done", record: record as unknown as Json };
  },
  async verify(ctx) {
    const state = (await describe(ctx))?.State?.Name ?? "gone";
    return GONE.has(state) || state === "gone"
      ? { ok: true, detail: `${ctx.instanceId} is ${state}` }
      : { ok: false, detail: `${ctx.instanceId} is still ${state}` };
  },
};
