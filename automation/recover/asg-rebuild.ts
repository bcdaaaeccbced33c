/**
 * `--via asg`: a new launch-template version that copies the group's current version with the known-good
 * AMI, then the group pointed at that exact version (not $Latest, which anyone can move). Only future
 * launches use it: what the group runs now is replaced by the instance refresh (asg-refresh.ts). When
 * containment decremented the desired capacity, it is given back so the group launches one now. The data
 * is copied explicitly (moto ignores SourceVersion, and an explicit copy is what gets journaled). The
 * version carries a client token derived from the case, the template and the AMI, so a request sent
 * again after a lost answer returns the version it created instead of a second one.
 */
import { createHash } from "node:crypto";
import {
  type AutoScalingClient,
  type AutoScalingGroup,
  DescribeAutoScalingGroupsCommand,
  UpdateAutoScalingGroupCommand,
} from "@aws-sdk/client-auto-scaling";
import {
  CreateLaunchTemplateVersionCommand,
  DescribeLaunchTemplateVersionsCommand,
  type EC2Client,
  type LaunchTemplateVersion,
  type RequestLaunchTemplateData,
} from "@aws-sdk/client-ec2";

export interface AsgRebuildRecord {
  via: "asg";
  group: string;
  launchTemplateId: string;
  launchTemplateName?: string;
  /** The version the group launched from before (what to go back to). */
  previousVersion: string;
  /** The new version, pinned on the group. */
  version: number;
  amiId: string;
  /** Desired capacity after the rebuild. */
  desiredCapacity: number;
  /** Containment had decremented the capacity: recovery gave one back. */
  restoredCapacity: boolean;
  /** The version existed already (a resumed recovery): nothing new was created. */
  reused: boolean;
}

export const versionDescription = (caseId: string, amiId: string) => `ir ${caseId}: known-good ${amiId}`;

/**
 * CreateLaunchTemplateVersion's idempotency token (at most 128 ASCII characters): the same case, template
 * and AMI always give the same token.
 * https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateLaunchTemplateVersion.html
 */
export const versionClientToken = (caseId: string, launchTemplateId: string, amiId: string) =>
  `ir-recover-${createHash("sha256").update(`${caseId}|${launchTemplateId}|${amiId}`).digest("hex").slice(0, 40)}`;

export async function describeGroup(asg: AutoScalingClient, name: string): Promise<AutoScalingGroup> {
  const res = await asg.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] }));
  const group = res.AutoScalingGroups?.[0];
  if (!group)
    throw new Error(`auto scaling group "${name}" no longer exists: rebuild the workload with --via pulumi`);
  return group;
}

/** The group's launch template (plain, or inside a mixed instances policy). */
export function templateOf(group: AutoScalingGroup) {
  const spec =
    group.LaunchTemplate ?? group.MixedInstancesPolicy?.LaunchTemplate?.LaunchTemplateSpecification;
  if (!spec?.LaunchTemplateId)
    throw new Error(
      `auto scaling group "${group.AutoScalingGroupName}" launches from a launch configuration, not a launch template: move it to a launch template, or use --via pulumi`,
    );
  return {
    id: spec.LaunchTemplateId,
    name: spec.LaunchTemplateName,
    version: spec.Version ?? "$Default",
    mixed: !group.LaunchTemplate,
  };
}

async function versions(ec2: EC2Client, id: string, wanted?: string[]) {
  const out: LaunchTemplateVersion[] = [];
  let NextToken: string | undefined;
  do {
    const page = await ec2.send(
      new DescribeLaunchTemplateVersionsCommand({
        LaunchTemplateId: id,
        ...(wanted ? { Versions: wanted } : { NextToken }),
      }),
    );
    out.push(...(page.LaunchTemplateVersions ?? []));
    NextToken = wanted ? undefined : page.NextToken;
  } while (NextToken);
  return out;
}

/** Drops undefined and empty values: the response shape carries fields a request must not send empty. */
function clean(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(clean);
  if (value && typeof value === "object" && !(value instanceof Date)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (v === undefined || v === null) continue;
      if (Array.isArray(v) && v.length === 0) continue;
      out[k] = clean(v);
    }
    return out;
  }
  return value;
}

export async function rebuildWithAsg(
  clients: { ec2: EC2Client; autoscaling: AutoScalingClient },
  req: { caseId: string; group: string; amiId: string; restoreCapacity: boolean },
): Promise<AsgRebuildRecord> {
  const group = await describeGroup(clients.autoscaling, req.group);
  const lt = templateOf(group);
  const description = versionDescription(req.caseId, req.amiId);
  // Idempotent: a resumed recovery finds the version it created by its description.
  const existing = (await versions(clients.ec2, lt.id)).find((v) => v.VersionDescription === description);
  const alreadyPinned = existing && lt.version === String(existing.VersionNumber);
  let version = existing?.VersionNumber;
  if (version === undefined) {
    const [source] = await versions(clients.ec2, lt.id, [lt.version]);
    if (!source?.LaunchTemplateData)
      throw new Error(`launch template ${lt.id} version ${lt.version} cannot be read`);
    const data = {
      ...(clean(source.LaunchTemplateData) as RequestLaunchTemplateData),
      ImageId: req.amiId,
    };
    const created = await clients.ec2.send(
      new CreateLaunchTemplateVersionCommand({
        LaunchTemplateId: lt.id,
        ClientToken: versionClientToken(req.caseId, lt.id, req.amiId),
        VersionDescription: description,
        LaunchTemplateData: data,
      }),
    );
    version = created.LaunchTemplateVersion!.VersionNumber!;
  }
  const spec = { LaunchTemplateId: lt.id, Version: String(version) };
  const restore = req.restoreCapacity && !alreadyPinned;
  const desired = (group.DesiredCapacity ?? 0) + (restore ? 1 : 0);
  if (desired > (group.MaxSize ?? desired))
    throw new Error(
      `giving back the capacity containment removed would exceed the maximum size of "${req.group}" (${group.MaxSize}): raise its maximum size, then run ir recover again`,
    );
  if (!alreadyPinned) {
    await clients.autoscaling.send(
      new UpdateAutoScalingGroupCommand({
        AutoScalingGroupName: req.group,
        ...(lt.mixed
          ? { MixedInstancesPolicy: { LaunchTemplate: { LaunchTemplateSpecification: spec } } }
          : { LaunchTemplate: spec }),
        ...(restore ? { DesiredCapacity: desired } : {}),
      }),
    );
  }
  return {
    via: "asg",
    group: req.group,
    launchTemplateId: lt.id,
    ...(lt.name ? { launchTemplateName: lt.name } : {}),
    previousVersion: alreadyPinned ? "(unknown: pinned by an earlier run)" : lt.version,
    version,
    amiId: req.amiId,
    desiredCapacity: desired,
    restoredCapacity: restore,
    reused: existing !== undefined,
  };
}

/** The group launches from the pinned version, and that version holds the AMI. */
export async function checkAsgRebuild(
  clients: { ec2: EC2Client; autoscaling: AutoScalingClient },
  r: AsgRebuildRecord,
): Promise<string | undefined> {
  const lt = templateOf(await describeGroup(clients.autoscaling, r.group));
  if (lt.id !== r.launchTemplateId || lt.version !== String(r.version))
    return `group ${r.group} launches from ${lt.id} version ${lt.version}, not ${r.launchTemplateId} version ${r.version}`;
  const [v] = await versions(clients.ec2, lt.id, [String(r.version)]);
  if (v?.LaunchTemplateData?.ImageId !== r.amiId)
    return `launch template ${lt.id} version ${r.version} has image ${v?.LaunchTemplateData?.ImageId}, not ${r.amiId}`;
  return undefined;
}
