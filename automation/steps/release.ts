/**
 * The release playbook's steps: undo containment from what the journal recorded (original groups,
 * profile, ASG membership, targets, Elastic IPs) and remove the deny policy. Network first, then load
 * balancers and the ASG (which would otherwise see failing health checks). Stop protection goes back to
 * what containment found (it was there to keep memory for the capture; a released instance is in
 * service again and may need a stop). Termination protection, shutdown behaviour and DeleteOnTermination
 * stay as containment left them: the evidence is still there.
 */
import {
  AttachInstancesCommand,
  DescribeAutoScalingInstancesCommand,
  ExitStandbyCommand,
  SetInstanceProtectionCommand,
} from "@aws-sdk/client-auto-scaling";
import {
  AssociateAddressCommand,
  DescribeAddressesCommand,
  DescribeIamInstanceProfileAssociationsCommand,
  DescribeInstanceAttributeCommand,
  DisassociateIamInstanceProfileCommand,
  ModifyInstanceAttributeCommand,
  ModifyNetworkInterfaceAttributeCommand,
  ReplaceIamInstanceProfileAssociationCommand,
} from "@aws-sdk/client-ec2";
import { RegisterInstancesWithLoadBalancerCommand } from "@aws-sdk/client-elastic-load-balancing";
import {
  DescribeTargetHealthCommand,
  RegisterTargetsCommand,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { GetRolePolicyCommand } from "@aws-sdk/client-iam";
import { isNoSuchEntity } from "../aws/errors";
import { type AddressFacts, type CaseContext, facts } from "../case/context";
import type { Step } from "../engine/types";
import type { AsgRecord } from "./asg";
import type { ElbRecord } from "./elb";
import { describeEnis, groupIds } from "./network";
import type { ProtectRecord } from "./protect";
import type { RevokeRecord } from "./revoke";
import { FOLDED_POLICY_NAME, foldedCovers, unfoldInstance } from "./revoke-fold";
import { roleWriterOf } from "./role-writer";
import type { SwapRecord } from "./swap-profile";
import { sameSet } from "./util";

const rec = <T>(ctx: CaseContext, id: string) => ctx.records.get(id) as unknown as T | undefined;
const none = async () => [];

export const restoreGroupsStep: Step<CaseContext> = {
  id: "restore-groups",
  title: "Restore every ENI's original security groups",
  plan: async (ctx) =>
    facts(ctx).enis.map((e) => ({
      action: "ec2:ModifyNetworkInterfaceAttribute",
      target: e.id,
      detail: `groups -> [${e.groups.join(", ")}]`,
    })),
  async run(ctx) {
    await Promise.all(
      facts(ctx).enis.map((e) =>
        ctx.clients.ec2.send(
          new ModifyNetworkInterfaceAttributeCommand({ NetworkInterfaceId: e.id, Groups: e.groups }),
        ),
      ),
    );
    return { status: "done" };
  },
  async verify(ctx) {
    const enis = facts(ctx).enis;
    const now = await describeEnis(
      ctx,
      enis.map((e) => e.id),
    );
    const bad = enis.filter((e) => !sameSet(groupIds(now.get(e.id)), e.groups)).map((e) => e.id);
    return bad.length ? { ok: false, detail: `not restored: ${bad.join(", ")}` } : { ok: true };
  },
};

async function association(ctx: CaseContext) {
  const res = await ctx.clients.ec2.send(
    new DescribeIamInstanceProfileAssociationsCommand({
      Filters: [{ Name: "instance-id", Values: [ctx.instanceId] }],
    }),
  );
  return (res.IamInstanceProfileAssociations ?? []).find(
    (a) => a.State === "associated" || a.State === "associating",
  );
}

export const restoreProfileStep: Step<CaseContext> = {
  id: "restore-profile",
  title: "Restore the original instance profile",
  plan: none,
  async run(ctx) {
    const swap = rec<SwapRecord>(ctx, "swap-profile");
    if (!swap) return { status: "skipped", reason: "the profile was not swapped" };
    const now = await association(ctx);
    if (swap.original && now?.IamInstanceProfile?.Arn === swap.original) return { status: "done" };
    if (swap.original && now?.AssociationId) {
      await ctx.clients.ec2.send(
        new ReplaceIamInstanceProfileAssociationCommand({
          AssociationId: now.AssociationId,
          IamInstanceProfile: { Arn: swap.original },
        }),
      );
    } else if (!swap.original && now?.AssociationId) {
      await ctx.clients.ec2.send(
        new DisassociateIamInstanceProfileCommand({ AssociationId: now.AssociationId }),
      );
    }
    return { status: "done" };
  },
  async verify(ctx) {
    const swap = rec<SwapRecord>(ctx, "swap-profile");
    const now = await association(ctx);
    const arn = now?.IamInstanceProfile?.Arn ?? null;
    return arn === (swap?.original ?? null)
      ? { ok: true }
      : { ok: false, detail: `profile is ${arn ?? "none"}` };
  },
};

export const removeDenyStep: Step<CaseContext> = {
  id: "remove-deny-policy",
  title: "Remove the case's deny from the role",
  // Only once the instance no longer holds the quarantine profile: until then its deny must stand (the
  // role writer refuses to lift the deny of an instance still quarantined).
  needs: ["restore-profile"],
  plan: none,
  async run(ctx) {
    const r = rec<RevokeRecord>(ctx, "revoke-credentials");
    if (!r) return { status: "skipped", reason: "no deny policy was put" };
    // The case's own policy, unless it was folded (by this case or a later one on the same role).
    const writer = roleWriterOf(ctx, r.instanceArn);
    if (r.policyName !== FOLDED_POLICY_NAME) {
      await writer.write({ op: "delete-revoke", roleName: r.role, policyName: r.policyName }).catch((err) => {
        if (!isNoSuchEntity(err)) throw err;
      });
    }
    if (r.scope === "instance") await unfoldInstance(ctx.clients.iam, writer, r.role, r.instanceArn);
    return { status: "done" };
  },
  async verify(ctx) {
    const r = rec<RevokeRecord>(ctx, "revoke-credentials")!;
    if (
      r.scope === "instance" &&
      (await foldedCovers(ctx.clients.iam, r.role, r.instanceArn, "1970-01-01T00:00:00Z"))
    )
      return { ok: false, detail: `${FOLDED_POLICY_NAME} on ${r.role} still denies ${r.instanceArn}` };
    if (r.policyName === FOLDED_POLICY_NAME) return { ok: true };
    try {
      await ctx.clients.iam.send(new GetRolePolicyCommand({ RoleName: r.role, PolicyName: r.policyName }));
      return { ok: false, detail: `${r.policyName} is still on ${r.role}` };
    } catch (err) {
      if (isNoSuchEntity(err)) return { ok: true };
      throw err;
    }
  },
};

export const restoreEipsStep: Step<CaseContext> = {
  id: "restore-eips",
  title: "Re-associate the Elastic IPs",
  needs: ["restore-groups"],
  plan: none,
  async run(ctx) {
    const addresses = rec<{ addresses: AddressFacts[] }>(ctx, "disassociate-eips")?.addresses ?? [];
    if (addresses.length === 0) return { status: "skipped", reason: "no Elastic IP was disassociated" };
    await Promise.all(
      addresses.map((a) =>
        ctx.clients.ec2.send(
          new AssociateAddressCommand({
            AllocationId: a.allocationId,
            NetworkInterfaceId: a.networkInterfaceId,
            ...(a.privateIp ? { PrivateIpAddress: a.privateIp } : {}),
            AllowReassociation: false,
          }),
        ),
      ),
    );
    return { status: "done" };
  },
  async verify(ctx) {
    const want = rec<{ addresses: AddressFacts[] }>(ctx, "disassociate-eips")?.addresses ?? [];
    const res = await ctx.clients.ec2.send(
      new DescribeAddressesCommand({ AllocationIds: want.map((a) => a.allocationId!).filter(Boolean) }),
    );
    const byId = new Map((res.Addresses ?? []).map((a) => [a.AllocationId, a]));
    const bad = want
      .filter((w) => byId.get(w.allocationId)?.NetworkInterfaceId !== w.networkInterfaceId)
      .map((w) => w.publicIp);
    return bad.length ? { ok: false, detail: `not re-associated: ${bad.join(", ")}` } : { ok: true };
  },
};

export const restoreTargetsStep: Step<CaseContext> = {
  id: "restore-targets",
  title: "Register the instance with its load balancers again",
  needs: ["restore-groups"],
  plan: none,
  async run(ctx) {
    const r = rec<ElbRecord>(ctx, "elb-deregister");
    if (!r || (r.targets.length === 0 && r.classicElbs.length === 0))
      return { status: "skipped", reason: "no load balancer to return to" };
    await Promise.all([
      ...r.targets.map((t) =>
        ctx.clients.elbv2.send(
          new RegisterTargetsCommand({
            TargetGroupArn: t.targetGroupArn,
            Targets: [
              {
                Id: t.id,
                ...(t.port ? { Port: t.port } : {}),
                ...(t.availabilityZone ? { AvailabilityZone: t.availabilityZone } : {}),
              },
            ],
          }),
        ),
      ),
      ...r.classicElbs.map((name) =>
        ctx.clients.elb.send(
          new RegisterInstancesWithLoadBalancerCommand({
            LoadBalancerName: name,
            Instances: [{ InstanceId: ctx.instanceId }],
          }),
        ),
      ),
    ]);
    return { status: "done" };
  },
  async verify(ctx) {
    const r = rec<ElbRecord>(ctx, "elb-deregister")!;
    const missing: string[] = [];
    await Promise.all(
      r.targets.map(async (t) => {
        const res = await ctx.clients.elbv2.send(
          new DescribeTargetHealthCommand({ TargetGroupArn: t.targetGroupArn }),
        );
        if (!(res.TargetHealthDescriptions ?? []).some((d) => d.Target?.Id === t.id)) missing.push(t.id);
      }),
    );
    return missing.length ? { ok: false, detail: `not registered: ${missing.join(", ")}` } : { ok: true };
  },
};

export const restoreAsgStep: Step<CaseContext> = {
  id: "restore-asg",
  title: "Return the instance to its Auto Scaling group",
  needs: ["restore-groups", "restore-profile"],
  verifyTimeoutMs: 60_000,
  plan: none,
  async run(ctx) {
    const r = rec<AsgRecord>(ctx, "asg-out-of-service");
    if (!r) return { status: "skipped", reason: "the instance was in no Auto Scaling group" };
    if (r.left)
      return {
        status: "skipped",
        reason: `containment left it in its group (${r.left}): nothing to restore`,
      };
    const asg = ctx.clients.autoscaling;
    const now = (await asg.send(new DescribeAutoScalingInstancesCommand({ InstanceIds: [ctx.instanceId] })))
      .AutoScalingInstances?.[0];
    if (r.action === "standby" && now && /Standby/.test(now.LifecycleState ?? "")) {
      await asg.send(
        new ExitStandbyCommand({ AutoScalingGroupName: r.group, InstanceIds: [ctx.instanceId] }),
      );
    } else if (!now || /^Detach/.test(now.LifecycleState ?? "")) {
      // AttachInstances raises the desired capacity by one: the replacement launched at containment stays.
      await asg.send(
        new AttachInstancesCommand({ AutoScalingGroupName: r.group, InstanceIds: [ctx.instanceId] }),
      );
    }
    await asg.send(
      new SetInstanceProtectionCommand({
        AutoScalingGroupName: r.group,
        InstanceIds: [ctx.instanceId],
        ProtectedFromScaleIn: r.protectedBefore,
      }),
    );
    return {
      status: "done",
      reason:
        r.action === "detach" ? "re-attached: the group's desired capacity grew by one" : "left Standby",
    };
  },
  async verify(ctx) {
    const r = rec<AsgRecord>(ctx, "asg-out-of-service")!;
    const now = (
      await ctx.clients.autoscaling.send(
        new DescribeAutoScalingInstancesCommand({ InstanceIds: [ctx.instanceId] }),
      )
    ).AutoScalingInstances?.[0];
    return now?.AutoScalingGroupName === r.group && /InService|Pending/.test(now.LifecycleState ?? "")
      ? { ok: true, detail: `${now.LifecycleState} in ${r.group}` }
      : { ok: false, detail: `${now?.LifecycleState ?? "not"} in ${r.group}` };
  },
};

export const restoreStopProtectionStep: Step<CaseContext> = {
  id: "restore-stop-protection",
  title: "Put stop protection back as containment found it",
  async plan(ctx) {
    const before = rec<ProtectRecord>(ctx, "protect")?.stopProtectionBefore;
    return before === undefined
      ? []
      : [
          {
            action: "ec2:ModifyInstanceAttribute",
            target: ctx.instanceId,
            detail: `stop protection ${before ? "on" : "off"} (as before containment)`,
          },
        ];
  },
  async run(ctx) {
    const before = rec<ProtectRecord>(ctx, "protect")?.stopProtectionBefore;
    if (before === undefined)
      return {
        status: "skipped",
        reason: "containment did not set stop protection (or recorded no original)",
      };
    await ctx.clients.ec2.send(
      new ModifyInstanceAttributeCommand({ InstanceId: ctx.instanceId, DisableApiStop: { Value: before } }),
    );
    return { status: "done", reason: `stop protection ${before ? "left on: it was on" : "off again"}` };
  },
  async verify(ctx) {
    const before = rec<ProtectRecord>(ctx, "protect")?.stopProtectionBefore;
    if (before === undefined) return { ok: true };
    const now = await ctx.clients.ec2.send(
      new DescribeInstanceAttributeCommand({ InstanceId: ctx.instanceId, Attribute: "disableApiStop" }),
    );
    const on = now.DisableApiStop?.Value === true;
    return on === before
      ? { ok: true, detail: `stop protection ${on ? "on" : "off"}, as before containment` }
      : { ok: false, detail: `stop protection is ${on ? "on" : "off"}, was ${before ? "on" : "off"}` };
  },
};
