/**
 * protect: termination protection (not possible on Spot: the snapshot is the safety net there), shutdown
 * behaviour "stop" (so a shutdown from inside does not destroy the instance) and DeleteOnTermination
 * false on every volume (they outlive the instance). Each ModifyInstanceAttribute sets one attribute;
 * the `Attribute`/`Value` form is used for shutdown behaviour.
 */
import { DescribeInstanceAttributeCommand, ModifyInstanceAttributeCommand } from "@aws-sdk/client-ec2";
import { type CaseContext, facts } from "../case/context";
import type { Json, Step } from "../engine/types";
import { dryRun } from "./util";

export const protectStep: Step<CaseContext> = {
  id: "protect",
  title: "Termination protection, shutdown behaviour stop, keep volumes",
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
  async run(ctx) {
    const f = facts(ctx);
    const ec2 = ctx.clients.ec2;
    await Promise.all([
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
    return {
      status: "done",
      ...(f.spot
        ? { reason: "spot instance: termination protection is not available (snapshots taken)" }
        : {}),
      record: { spot: f.spot } as Json,
    };
  },
  async verify(ctx) {
    const f = facts(ctx);
    const ec2 = ctx.clients.ec2;
    const get = (
      Attribute: "disableApiTermination" | "instanceInitiatedShutdownBehavior" | "blockDeviceMapping",
    ) => ec2.send(new DescribeInstanceAttributeCommand({ InstanceId: ctx.instanceId, Attribute }));
    const [term, shutdown, bdm] = await Promise.all([
      get("disableApiTermination"),
      get("instanceInitiatedShutdownBehavior"),
      get("blockDeviceMapping"),
    ]);
    const problems: string[] = [];
    if (!f.spot && term.DisableApiTermination?.Value !== true) problems.push("termination protection is off");
    if (shutdown.InstanceInitiatedShutdownBehavior?.Value !== "stop") {
      problems.push(`shutdown behaviour is ${shutdown.InstanceInitiatedShutdownBehavior?.Value}`);
    }
    const deleting = (bdm.BlockDeviceMappings ?? [])
      .filter((b) => b.Ebs?.DeleteOnTermination)
      .map((b) => b.DeviceName);
    if (deleting.length > 0) problems.push(`DeleteOnTermination still true on ${deleting.join(", ")}`);
    return problems.length > 0
      ? { ok: false, detail: problems.join("; ") }
      : { ok: true, detail: "protected" };
  },
};
