/**
 * Replacing what the group runs from the old template: a new launch-template version changes only future
 * launches, and when containment detached without decrement the group launched a replacement at once,
 * from the OLD template (possibly the compromised AMI). An instance refresh replaces every member that
 * does not match the pinned version, with preferences chosen for an incident:
 * - MinHealthyPercentage 100, MaxHealthyPercentage 200: new instances launch and pass their health
 *   checks before old ones go, so capacity never drops below what the group has;
 * - SkipMatching: members already launched from the pinned version stay;
 * - StandbyInstances and ScaleInProtectedInstances "Ignore": a contained instance kept in Standby (and
 *   protected from scale in by containment) must never be terminated by a refresh, and a member the
 *   workload protects is the operator's call: the gate then names it, running the old image;
 * - AutoRollback false: a rollback would bring the old template (the compromised image) back;
 * - DesiredConfiguration: the pinned version, so a refresh ir started can be told from anyone else's.
 * https://docs.aws.amazon.com/autoscaling/ec2/userguide/asg-instance-refresh.html
 * https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_RefreshPreferences.html
 */
import {
  type AutoScalingClient,
  DescribeInstanceRefreshesCommand,
  type InstanceRefresh,
  StartInstanceRefreshCommand,
} from "@aws-sdk/client-auto-scaling";
import { DescribeInstancesCommand, type EC2Client } from "@aws-sdk/client-ec2";
import { describeGroup } from "./asg-rebuild";

export const REFRESH_PREFERENCES = {
  MinHealthyPercentage: 100,
  MaxHealthyPercentage: 200,
  SkipMatching: true,
  StandbyInstances: "Ignore",
  ScaleInProtectedInstances: "Ignore",
  AutoRollback: false,
} as const;

/** A member of the group that does not run the selected AMI. */
export interface OldMember {
  instanceId: string;
  imageId: string | null;
  lifecycleState: string;
  launchedAt: string | null;
  launchTemplateVersion: string | null;
  protectedFromScaleIn: boolean;
}

export interface RefreshTarget {
  group: string;
  launchTemplateId: string;
  version: number;
  /** The group launches from a mixed instances policy. */
  mixed: boolean;
  amiId: string;
  /** The compromised instance: never replaced, never counted (still a member when it is in Standby). */
  instanceId: string;
}

const ENDED = new Set(["Successful", "Failed", "Cancelled", "RollbackSuccessful", "RollbackFailed"]);
const ACTIVE = new Set(["Pending", "InProgress", "Cancelling", "RollbackInProgress", "Baking"]);

/** Members (the compromised instance aside) whose image is not the selected AMI, oldest launch first. */
export async function oldMembers(
  clients: { ec2: EC2Client; autoscaling: AutoScalingClient },
  t: RefreshTarget,
): Promise<OldMember[]> {
  const group = await describeGroup(clients.autoscaling, t.group);
  const members = (group.Instances ?? []).filter((i) => i.InstanceId && i.InstanceId !== t.instanceId);
  if (members.length === 0) return [];
  const res = await clients.ec2.send(
    new DescribeInstancesCommand({ InstanceIds: members.map((m) => m.InstanceId!) }),
  );
  const ec2 = new Map(
    (res.Reservations ?? []).flatMap((r) => r.Instances ?? []).map((i) => [i.InstanceId!, i]),
  );
  return members
    .map((m) => {
      const i = ec2.get(m.InstanceId!);
      return {
        instanceId: m.InstanceId!,
        imageId: i?.ImageId ?? null,
        lifecycleState: m.LifecycleState ?? "unknown",
        launchedAt: i?.LaunchTime?.toISOString() ?? null,
        launchTemplateVersion: m.LaunchTemplate?.Version ?? null,
        protectedFromScaleIn: Boolean(m.ProtectedFromScaleIn),
      };
    })
    .filter((m) => m.imageId !== t.amiId && !/^Terminat/.test(m.lifecycleState))
    .sort((a, b) => (a.launchedAt ?? "").localeCompare(b.launchedAt ?? ""));
}

/** Why the refresh leaves this member in place (its preferences say so), or undefined. */
export function leftBecause(m: OldMember): string | undefined {
  if (m.lifecycleState.startsWith("Standby") || m.lifecycleState.startsWith("EnteringStandby"))
    return "in Standby (the refresh ignores Standby instances)";
  if (m.protectedFromScaleIn)
    return "protected from scale in (the refresh ignores protected instances: remove the protection or replace it yourself)";
  return undefined;
}

export const describeMember = (m: OldMember) =>
  `${m.instanceId} on ${m.imageId ?? "an unknown image"}${m.launchedAt ? ` launched ${m.launchedAt}` : ""}`;

function desiredConfiguration(t: RefreshTarget) {
  const spec = { LaunchTemplateId: t.launchTemplateId, Version: String(t.version) };
  return t.mixed
    ? { MixedInstancesPolicy: { LaunchTemplate: { LaunchTemplateSpecification: spec } } }
    : { LaunchTemplate: spec };
}

const isOurs = (r: InstanceRefresh, t: RefreshTarget) => {
  const spec =
    r.DesiredConfiguration?.LaunchTemplate ??
    r.DesiredConfiguration?.MixedInstancesPolicy?.LaunchTemplate?.LaunchTemplateSpecification;
  return spec?.LaunchTemplateId === t.launchTemplateId && spec?.Version === String(t.version);
};

export async function describeRefresh(
  autoscaling: AutoScalingClient,
  group: string,
  id: string,
): Promise<InstanceRefresh | undefined> {
  const res = await autoscaling.send(
    new DescribeInstanceRefreshesCommand({ AutoScalingGroupName: group, InstanceRefreshIds: [id] }),
  );
  return res.InstanceRefreshes?.[0];
}

/**
 * Starts the refresh, or adopts the one already running when it rolls out the same version (a run that
 * stopped after starting it). A refresh in progress for anything else is someone else's: refused.
 */
export async function startRefresh(
  autoscaling: AutoScalingClient,
  t: RefreshTarget,
): Promise<{ id: string; adopted: boolean }> {
  try {
    const res = await autoscaling.send(
      new StartInstanceRefreshCommand({
        AutoScalingGroupName: t.group,
        Strategy: "Rolling",
        DesiredConfiguration: desiredConfiguration(t),
        Preferences: { ...REFRESH_PREFERENCES },
      }),
    );
    return { id: res.InstanceRefreshId!, adopted: false };
  } catch (err) {
    if ((err as { name?: string }).name !== "InstanceRefreshInProgressFault") throw err;
    const all = await autoscaling.send(
      new DescribeInstanceRefreshesCommand({ AutoScalingGroupName: t.group }),
    );
    const active = (all.InstanceRefreshes ?? []).find((r) => ACTIVE.has(r.Status ?? ""));
    if (active?.InstanceRefreshId && isOurs(active, t))
      return { id: active.InstanceRefreshId, adopted: true };
    throw new Error(
      `auto scaling group "${t.group}" has an instance refresh in progress that is not ir's (${active?.InstanceRefreshId ?? "unknown id"}, status ${active?.Status ?? "unknown"}, started ${active?.StartTime?.toISOString() ?? "?"}): it may be rolling out the old image; wait for it or cancel it (aws autoscaling cancel-instance-refresh --auto-scaling-group-name ${t.group}), then run ir recover again`,
    );
  }
}

/**
 * Waits (bounded) until the refresh ends. Throws when it ends other than Successful (with AWS's reason),
 * or is still running at the deadline (a later run adopts it and keeps waiting).
 */
export async function waitForRefresh(
  autoscaling: AutoScalingClient,
  group: string,
  id: string,
  o: { timeoutMs: number; intervalMs: number },
): Promise<InstanceRefresh> {
  const started = Date.now();
  for (;;) {
    const r = await describeRefresh(autoscaling, group, id);
    const status = r?.Status ?? "unknown";
    if (r && status === "Successful") return r;
    if (ENDED.has(status) || !r)
      throw new Error(
        `the instance refresh ${id} of "${group}" ended ${status}${r?.StatusReason ? `: ${r.StatusReason}` : ""}; the compromised instance was not terminated (fix the cause, then run ir recover again: it starts a new refresh)`,
      );
    if (Date.now() - started + o.intervalMs > o.timeoutMs)
      throw new Error(
        `the instance refresh ${id} of "${group}" is still ${status} after ${Math.round(o.timeoutMs / 1000)} s (${r.PercentageComplete ?? 0}% done, ${r.InstancesToUpdate ?? "?"} instance(s) to update); run ir recover again to keep waiting`,
      );
    await new Promise((res) => setTimeout(res, o.intervalMs));
  }
}
