/**
 * recover-rebuild: measures the target groups' known-good capacity and the group's capacity (the health
 * gate's baseline, before anything changes), then rebuilds the workload from the selected AMI: a
 * launch-template version on the instance's Auto Scaling group (`--via asg`; recover-replace then
 * replaces what the group runs), or the workload's Pulumi stack with the AMI pinned, previewed first and
 * updated only where the AMI matters (`--via pulumi`).
 */

import { facts, resolved } from "../case/context";
import type { Json, Step } from "../engine/types";
import { type AsgRebuildRecord, checkAsgRebuild, describeGroup, rebuildWithAsg } from "./asg-rebuild";
import { type RecoverContext, recordedDecrement, recordedGroup, selectedAmi } from "./context";
import { type GroupBaseline, measureBaseline } from "./health";
import type { ContainedInstance } from "./pulumi-preview";
import { rebuildWithPulumi } from "./pulumi-workload";

export interface PulumiRebuildRecord {
  via: "pulumi";
  workDir: string;
  stackName: string;
  amiConfigKey: string;
  amiId: string;
  result: string;
  outputs: Record<string, unknown>;
  /** The resources `up` targeted: those the preview showed changing because of the AMI. */
  targets: string[];
}

export interface RebuildRecord {
  rebuild: AsgRebuildRecord | PulumiRebuildRecord;
  /** The health gate's baseline, measured before anything changed. */
  baseline: GroupBaseline[];
  /** The instance's Auto Scaling group, when it had one. */
  group?: string;
  /**
   * The group's capacity the gate expects in known-good instances: its desired capacity before the
   * rebuild, plus the one given back when containment had decremented it.
   */
  capacity?: number;
}

/** Target groups the gate watches: the instance's (recorded by containment) and its group's. */
async function baseline(
  ctx: RecoverContext,
  amiId: string,
): Promise<{ baseline: GroupBaseline[]; group?: string; capacity?: number }> {
  const own = new Map<string, string[]>();
  for (const t of resolved(ctx).targets)
    own.set(t.targetGroupArn, [...(own.get(t.targetGroupArn) ?? []), t.id]);
  const name = recordedGroup(ctx);
  const group = name ? await describeGroup(ctx.clients.autoscaling, name).catch(() => undefined) : undefined;
  const attached = new Set(group?.TargetGroupARNs ?? []);
  const members = new Set(
    (group?.Instances ?? []).map((i) => i.InstanceId!).filter((id) => id !== ctx.instanceId),
  );
  const arns = [...new Set([...own.keys(), ...attached])];
  const measured = await measureBaseline(
    ctx.clients,
    arns.map((arn) => ({
      targetGroupArn: arn,
      ownTargets: own.get(arn) ?? [],
      excluded: [...new Set([...(own.get(arn) ?? []), ctx.instanceId])],
      asgAttached: attached.has(arn),
    })),
    members,
    amiId,
  );
  return {
    baseline: measured,
    ...(group ? { group: name, capacity: group.DesiredCapacity ?? 0 } : {}),
  };
}

/** What identifies the contained instance in a stack's resources (the preview must not touch them). */
function contained(ctx: RecoverContext): ContainedInstance {
  const f = facts(ctx);
  const role = resolved(ctx).role;
  return {
    instanceId: ctx.instanceId,
    eniIds: f.enis.map((e) => e.id),
    addresses: f.enis.flatMap((e) => [...e.privateIps, ...e.ipv6]),
    ...(f.profile?.arn ? { profileArn: f.profile.arn } : {}),
    ...(role ? { roleName: role.name, profileName: role.profileName } : {}),
    allocationIds: f.addresses.flatMap((a) => (a.allocationId ? [a.allocationId] : [])),
  };
}

export const rebuildStep: Step<RecoverContext> = {
  id: "recover-rebuild",
  title: "Rebuild the workload from the known-good AMI",
  needs: ["recover-select-ami"],
  // A Pulumi update can take a while; the engine still bounds it.
  timeoutMs: 3_600_000,
  async plan(ctx) {
    const ami = selectedAmi(ctx).imageId;
    if (ctx.recover.via === "pulumi") {
      const p = ctx.recover.pulumi!;
      return [
        {
          action: "pulumi:up",
          target: `${p.stackName} (${p.workDir})`,
          detail: `set ${p.amiConfigKey}=${ami}, preview (no refresh), refuse unless only AMI-dependent resources change, then up targeting those`,
        },
      ];
    }
    const group = recordedGroup(ctx) ?? "(none)";
    return [
      {
        action: "ec2:CreateLaunchTemplateVersion",
        target: group,
        detail: `new version of the group's launch template with image ${ami} (client token from the case: sent again, it returns the same version)`,
      },
      {
        action: "autoscaling:UpdateAutoScalingGroup",
        target: group,
        detail: `launch from that version${recordedDecrement(ctx) ? ", desired capacity +1 (containment decremented it)" : ""}`,
      },
    ];
  },
  async run(ctx) {
    const ami = selectedAmi(ctx).imageId;
    const measured = await baseline(ctx, ami);
    let rebuild: RebuildRecord["rebuild"];
    if (ctx.recover.via === "pulumi") {
      const p = ctx.recover.pulumi!;
      const res = await rebuildWithPulumi(p.stacks, {
        workDir: p.workDir,
        stackName: p.stackName,
        amiConfigKey: p.amiConfigKey,
        amiId: ami,
        contained: contained(ctx),
        ...(p.onOutput ? { onOutput: p.onOutput } : {}),
      });
      rebuild = {
        via: "pulumi",
        workDir: p.workDir,
        stackName: p.stackName,
        amiConfigKey: p.amiConfigKey,
        amiId: ami,
        result: res.result,
        // Stack outputs are arbitrary values: keep what survives JSON (the journal's format).
        outputs: JSON.parse(JSON.stringify(res.outputs ?? {})) as Record<string, unknown>,
        targets: res.targets,
      };
    } else {
      const group = recordedGroup(ctx);
      if (!group)
        throw new Error(
          `instance ${ctx.instanceId} was in no Auto Scaling group when it was contained: rebuild with --via pulumi`,
        );
      rebuild = await rebuildWithAsg(ctx.clients, {
        caseId: ctx.caseId,
        group,
        amiId: ami,
        restoreCapacity: recordedDecrement(ctx),
      });
    }
    // Via asg, the capacity is what the rebuild computed from the group before changing it.
    const capacity = rebuild.via === "asg" ? rebuild.desiredCapacity : measured.capacity;
    const record: RebuildRecord = {
      rebuild,
      ...measured,
      ...(capacity !== undefined ? { capacity } : {}),
    };
    return { status: "done", record: record as unknown as Json };
  },
  async verify(ctx, record) {
    const r = (record as unknown as RebuildRecord).rebuild;
    if (r.via === "pulumi")
      return r.result === "succeeded" || r.result === "unchanged"
        ? {
            ok: true,
            detail:
              r.result === "unchanged"
                ? `pulumi preview of ${r.stackName}: nothing depends on the AMI, no update run`
                : `pulumi up on ${r.stackName} (${r.targets.length} target(s)): ${r.result}`,
          }
        : { ok: false, detail: `pulumi up on ${r.stackName} ended ${r.result}` };
    const problem = await checkAsgRebuild(ctx.clients, r);
    return problem
      ? { ok: false, detail: problem }
      : {
          ok: true,
          detail: `${r.group} launches from ${r.launchTemplateId} version ${r.version} (${r.amiId})`,
        };
  },
};
