/**
 * investigate-ami and investigate-launch: record where the workstation goes, then launch it from the
 * forensic AMI in the forensic subnet of the case's AZ, with the workstation group and the SSM-only
 * profile, IMDSv2 only, no key pair (Session Manager is the way in). A case's running workstation is
 * found by its tags and reused, so a second `ir investigate` never launches a second one.
 */
import { createHash } from "node:crypto";
import { DescribeImagesCommand, type Instance, RunInstancesCommand } from "@aws-sdk/client-ec2";
import { ROLE_TAG_VALUES, TAG } from "../../facts/tags";
import type { Json, Step } from "../engine/types";
import { caseTags, dryRun } from "../steps/util";
import { type InvestigateContext, type LaunchRecord, recordOf } from "./context";
import { COPY_STEP } from "./copy";
import { describeInstance, findWorkstations, tagValue } from "./lookup";

export const AMI_STEP = "investigate-ami";
export const LAUNCH_STEP = "investigate-launch";

/** Same input, same token: an SDK retry of the call never launches a second instance. */
export const clientToken = (...parts: string[]) =>
  createHash("sha256").update(parts.join("\n")).digest("hex").slice(0, 64);

export const amiStep: Step<InvestigateContext> = {
  id: AMI_STEP,
  title: "Resolve the forensic AMI and the workstation's subnet in the case's AZ",
  effect: "reads",
  plan: async () => [],
  async run(ctx) {
    return { status: "done", record: { ...ctx.placement } as unknown as Json };
  },
  async verify(ctx) {
    const { imageId, amiParameter } = ctx.placement;
    const image = (await ctx.clients.ec2.send(new DescribeImagesCommand({ ImageIds: [imageId] })))
      .Images?.[0];
    return image?.State === "available"
      ? {
          ok: true,
          detail: `${imageId} (from ${amiParameter}), ${ctx.placement.subnetId} in ${ctx.placement.availabilityZone}`,
        }
      : { ok: false, detail: `forensic AMI ${imageId} is ${image?.State ?? "gone"}` };
  },
};

/** The case's workstation that can be reused; throws for one that exists but cannot be used as is. */
export async function reusableWorkstation(ctx: InvestigateContext): Promise<Instance | undefined> {
  const live = await findWorkstations(ctx.clients.ec2, ctx.caseId, [
    "pending",
    "running",
    "stopping",
    "stopped",
  ]);
  const ws = live[0];
  if (ws && !["pending", "running"].includes(ws.State?.Name ?? "")) {
    throw new Error(
      `workstation ${ws.InstanceId} of case ${ctx.caseId} is ${ws.State?.Name}: start it, or tear it down with \`ir investigate ${ctx.caseId} --stop\`, then re-run`,
    );
  }
  return ws;
}

function recordFor(ws: Instance, reused: boolean, ctx: InvestigateContext): LaunchRecord {
  return {
    instanceId: ws.InstanceId!,
    reused,
    availabilityZone: ws.Placement?.AvailabilityZone ?? ctx.placement.availabilityZone,
    owner: tagValue(ws.Tags, TAG.owner) ?? ctx.owner,
    expiresAt: tagValue(ws.Tags, TAG.expiresAt) ?? ctx.expiresAt,
  };
}

export function workstationTags(ctx: InvestigateContext, step: string) {
  return caseTags(ctx.caseId, step, {
    [TAG.role]: ROLE_TAG_VALUES.forensicWorkstation,
    [TAG.owner]: ctx.owner,
    [TAG.expiresAt]: ctx.expiresAt,
    "ir:instance-id": ctx.instanceId,
    Name: `ir-forensic-${ctx.caseId}`,
  });
}

function runRequest(ctx: InvestigateContext, extra: { DryRun?: boolean; ClientToken?: string }) {
  const p = ctx.placement;
  return new RunInstancesCommand({
    ImageId: p.imageId,
    InstanceType: ctx.instanceType as never,
    MinCount: 1,
    MaxCount: 1,
    SubnetId: p.subnetId,
    SecurityGroupIds: [p.securityGroupId],
    IamInstanceProfile: { Name: p.instanceProfile },
    // IMDSv2 only; no key pair: the way in is Session Manager.
    MetadataOptions: { HttpTokens: "required", HttpEndpoint: "enabled", HttpPutResponseHopLimit: 1 },
    TagSpecifications: [
      { ResourceType: "instance", Tags: workstationTags(ctx, LAUNCH_STEP) },
      // The ENI the launch creates carries the case tag too: the responder may create ENIs only so.
      { ResourceType: "network-interface", Tags: caseTags(ctx.caseId, LAUNCH_STEP) },
      {
        ResourceType: "volume",
        Tags: caseTags(ctx.caseId, LAUNCH_STEP, { [TAG.role]: ROLE_TAG_VALUES.forensicWorkstation }),
      },
    ],
    ...extra,
  });
}

export const launchStep: Step<InvestigateContext> = {
  id: LAUNCH_STEP,
  title: "Launch the forensic workstation (or reuse the case's running one)",
  after: [AMI_STEP],
  // A copy EBS could not make leaves nothing running: the workstation waits for the copies.
  needs: [COPY_STEP],
  verifyTimeoutMs: 300_000,
  verifyIntervalMs: 2_000,
  async plan(ctx) {
    const ws = await reusableWorkstation(ctx);
    if (ws) return [];
    const p = ctx.placement;
    return [
      {
        action: "ec2:RunInstances",
        target: p.subnetId,
        detail: `${ctx.instanceType} from ${p.imageId} in ${p.availabilityZone}, group ${p.securityGroupId}, profile ${p.instanceProfile}, owner ${ctx.owner}, expires ${ctx.expiresAt}`,
        dryRun: await dryRun(() => ctx.clients.ec2.send(runRequest(ctx, { DryRun: true }))),
      },
    ];
  },
  async run(ctx) {
    const existing = await reusableWorkstation(ctx);
    if (existing) return { status: "done", record: recordFor(existing, true, ctx) as unknown as Json };
    const res = await ctx.clients.ec2.send(
      runRequest(ctx, { ClientToken: clientToken(ctx.caseId, ctx.runId, LAUNCH_STEP) }),
    );
    const ws = res.Instances?.[0];
    if (!ws?.InstanceId) throw new Error("RunInstances returned no instance");
    return { status: "done", record: recordFor(ws, false, ctx) as unknown as Json };
  },
  async verify(ctx) {
    const r = recordOf<LaunchRecord>(ctx, LAUNCH_STEP)!;
    const ws = await describeInstance(ctx.clients.ec2, r.instanceId);
    if (!ws) return { ok: false, detail: `workstation ${r.instanceId} not found` };
    const state = ws.State?.Name;
    if (state !== "running") return { ok: false, detail: `workstation ${r.instanceId} is ${state}` };
    const problems: string[] = [];
    const profile = ws.IamInstanceProfile?.Arn?.split("/").pop();
    if (profile !== ctx.placement.instanceProfile)
      problems.push(`profile is ${profile ?? "none"}, not ${ctx.placement.instanceProfile}`);
    if (tagValue(ws.Tags, TAG.caseId) !== ctx.caseId) problems.push(`not tagged ${TAG.caseId}=${ctx.caseId}`);
    for (const key of [TAG.owner, TAG.expiresAt]) if (!tagValue(ws.Tags, key)) problems.push(`no ${key} tag`);
    if (!r.reused) {
      if (ws.SubnetId !== ctx.placement.subnetId)
        problems.push(`in ${ws.SubnetId}, not ${ctx.placement.subnetId}`);
      const groups = (ws.SecurityGroups ?? []).map((g) => g.GroupId);
      if (!groups.includes(ctx.placement.securityGroupId))
        problems.push(`groups [${groups.join(", ")}] lack ${ctx.placement.securityGroupId}`);
    }
    return problems.length > 0
      ? { ok: false, detail: `workstation ${r.instanceId}: ${problems.join("; ")}` }
      : {
          ok: true,
          detail: `${r.reused ? "reused" : "launched"} ${r.instanceId} in ${r.availabilityZone}, owner ${r.owner}, expires ${r.expiresAt}`,
        };
  },
};
