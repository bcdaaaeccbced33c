/**
 * protect: termination protection and stop protection (a stop wipes memory, the evidence a capture may
 * still need; neither is possible on Spot, where the snapshot is the safety net, and stop protection
 * not on an instance-store root), shutdown behaviour "stop" (so a shutdown from inside does not
 * destroy the instance) and DeleteOnTermination false on every volume (they outlive the instance). Each
 * ModifyInstanceAttribute sets one attribute; the `Attribute`/`Value` form is used for shutdown
 * behaviour. Stop protection as it was is recorded (`stopProtectionBefore`): release puts it back.
 */
import { DescribeInstanceAttributeCommand, ModifyInstanceAttributeCommand } from "@aws-sdk/client-ec2";
import { type CaseContext, facts, type InstanceFacts } from "../case/context";
import type { Json, Step } from "../engine/types";
import { dryRun } from "./util";

export interface ProtectRecord {
  spot: boolean;
  /**
   * Stop protection as containment found it (release restores it); absent when containment did not set
   * it (Spot, instance-store root) or in records of older versions.
   */
  stopProtectionBefore?: boolean;
}

/** Why stop protection cannot be set on this instance (AWS refuses it), or undefined when it can. */
export function noStopProtection(f: InstanceFacts): string | undefined {
  if (f.spot) return "spot instance: stop protection is not available";
  if ((f.raw as { RootDeviceType?: string } | undefined)?.RootDeviceType === "instance-store")
    return "instance-store root: stop protection is not available";
  return undefined;
}

/**
 * Stop protection as found before this run set it, per case: a second attempt of the step (after a
 * transient error) must not take the value the first one set for the original.
 */
const stopBefore = new WeakMap<CaseContext, boolean>();

export const protectStep: Step<CaseContext> = {
  id: "protect",
  title: "Termination and stop protection, shutdown behaviour stop, keep volumes",
  needs: ["discover"],
  schedule: "with-containment",
  async plan(ctx) {
    const f = facts(ctx);
    const answer = await dryRun(() =>
      ctx.clients.ec2.send(
        new ModifyInstanceAttributeCommand({
          DryRun: true,
          InstanceId: ctx.instanceId,
          DisableApiTermination: { Value: true },
        }),
      ),
    );
    const noStop = noStopProtection(f);
    return [
      ...(f.spot
        ? []
        : [
            {
              action: "ec2:ModifyInstanceAttribute",
              target: ctx.instanceId,
              detail: "termination protection on",
              dryRun: answer,
            },
          ]),
      ...(noStop
        ? []
        : [
            {
              action: "ec2:ModifyInstanceAttribute",
              target: ctx.instanceId,
              detail: "stop protection on (a stop wipes memory; release restores it)",
              dryRun: answer,
            },
          ]),
      {
        action: "ec2:ModifyInstanceAttribute",
        target: ctx.instanceId,
        detail: "shutdown behaviour: stop",
        dryRun: answer,
      },
      ...(f.volumes.length > 0
        ? [
            {
              action: "ec2:ModifyInstanceAttribute",
              target: ctx.instanceId,
              detail: `DeleteOnTermination false on ${f.volumes.map((v) => v.deviceName).join(", ")}`,
              dryRun: answer,
            },
          ]
        : []),
    ];
  },
  async run(ctx, attempt) {
    const f = facts(ctx);
    const ec2 = ctx.clients.ec2;
    const noStop = noStopProtection(f);
    // The value before containment: from an earlier run of this case that did not verify, else from this
    // run's first attempt, else read now (beside the other changes, before stop protection is set).
    const earlier = (attempt?.unverifiedRecord as ProtectRecord | null | undefined)?.stopProtectionBefore;
    const stopProtect = async (): Promise<boolean | undefined> => {
      if (noStop) return undefined;
      let before = earlier ?? stopBefore.get(ctx);
      if (before === undefined) {
        const now = await ec2.send(
          new DescribeInstanceAttributeCommand({ InstanceId: ctx.instanceId, Attribute: "disableApiStop" }),
        );
        before = now.DisableApiStop?.Value === true;
        stopBefore.set(ctx, before);
      }
      await ec2.send(
        new ModifyInstanceAttributeCommand({ InstanceId: ctx.instanceId, DisableApiStop: { Value: true } }),
      );
      return before;
    };
    const [before] = await Promise.all([
      stopProtect(),
      f.spot
        ? Promise.resolve()
        : ec2.send(
            new ModifyInstanceAttributeCommand({
              InstanceId: ctx.instanceId,
              DisableApiTermination: { Value: true },
            }),
          ),
      ec2.send(
        new ModifyInstanceAttributeCommand({
          InstanceId: ctx.instanceId,
          Attribute: "instanceInitiatedShutdownBehavior",
          Value: "stop",
        }),
      ),
      f.volumes.length > 0
        ? ec2.send(
            new ModifyInstanceAttributeCommand({
              InstanceId: ctx.instanceId,
              BlockDeviceMappings: f.volumes.map((v) => ({
                DeviceName: v.deviceName,
                Ebs: { DeleteOnTermination: false },
              })),
            }),
          )
        : Promise.resolve(),
    ]);
    const record: ProtectRecord = {
      spot: f.spot,
      ...(before !== undefined ? { stopProtectionBefore: before } : {}),
    };
    const reasons = [
      ...(f.spot ? ["spot instance: termination protection is not available (snapshots taken)"] : []),
      ...(noStop && !f.spot ? [noStop] : []),
    ];
    return {
      status: "done",
      ...(reasons.length > 0 ? { reason: reasons.join("; ") } : {}),
      record: record as unknown as Json,
    };
  },
  async verify(ctx) {
    const f = facts(ctx);
    const ec2 = ctx.clients.ec2;
    const noStop = noStopProtection(f);
    const get = (
      Attribute:
        | "disableApiTermination"
        | "disableApiStop"
        | "instanceInitiatedShutdownBehavior"
        | "blockDeviceMapping",
    ) => ec2.send(new DescribeInstanceAttributeCommand({ InstanceId: ctx.instanceId, Attribute }));
    const [term, stop, shutdown, bdm] = await Promise.all([
      get("disableApiTermination"),
      noStop ? Promise.resolve(undefined) : get("disableApiStop"),
      get("instanceInitiatedShutdownBehavior"),
      get("blockDeviceMapping"),
    ]);
    const problems: string[] = [];
    if (!f.spot && term.DisableApiTermination?.Value !== true) problems.push("termination protection is off");
    if (stop && stop.DisableApiStop?.Value !== true) problems.push("stop protection is off");
    if (shutdown.InstanceInitiatedShutdownBehavior?.Value !== "stop") {
      problems.push(`shutdown behaviour is ${shutdown.InstanceInitiatedShutdownBehavior?.Value}`);
    }
    const deleting = (bdm.BlockDeviceMappings ?? [])
      .filter((b) => b.Ebs?.DeleteOnTermination)
      .map((b) => b.DeviceName);
    if (deleting.length > 0) problems.push(`DeleteOnTermination still true on ${deleting.join(", ")}`);
    return problems.length > 0
      ? { ok: false, detail: problems.join("; ") }
      : { ok: true, detail: noStop ? "protected" : "protected (termination and stop)" };
  },
};
