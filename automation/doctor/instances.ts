/**
 * The running instances of the Region and what decides whether a response can reach them: the SSM
 * agent's status (DescribeInstanceInformation: PingStatus Online), the hypervisor (DescribeInstanceTypes:
 * "nitro" or "xen"), the instance profile and its role, the network interfaces (a requester-managed one
 * cannot be modified), the volumes and the Auto Scaling group with their tags (policies test them).
 */
import {
  DescribeAutoScalingGroupsCommand,
  DescribeAutoScalingInstancesCommand,
} from "@aws-sdk/client-auto-scaling";
import {
  type _InstanceType,
  DescribeInstancesCommand,
  DescribeInstanceTypesCommand,
  DescribeNetworkInterfacesCommand,
  DescribeVolumesCommand,
  type Instance,
} from "@aws-sdk/client-ec2";
import { GetInstanceProfileCommand } from "@aws-sdk/client-iam";
import { DescribeInstanceInformationCommand } from "@aws-sdk/client-ssm";
import type { AwsClients } from "../aws/clients";
import { errorName } from "../aws/errors";
import type { InstanceFacts } from "./probes-instance";
import type { Check } from "./types";

const chunks = <T>(xs: T[], n: number): T[][] =>
  Array.from({ length: Math.ceil(xs.length / n) }, (_, i) => xs.slice(i * n, i * n + n));
const tagMap = (tags: { Key?: string; Value?: string }[] | undefined) =>
  Object.fromEntries((tags ?? []).map((t) => [t.Key ?? "", t.Value ?? ""]));

async function running(clients: AwsClients): Promise<Instance[]> {
  const out: Instance[] = [];
  let token: string | undefined;
  do {
    const page = await clients.ec2.send(
      new DescribeInstancesCommand({
        Filters: [{ Name: "instance-state-name", Values: ["running"] }],
        NextToken: token,
      }),
    );
    for (const r of page.Reservations ?? []) out.push(...(r.Instances ?? []));
    token = page.NextToken;
  } while (token);
  return out;
}

async function hypervisors(clients: AwsClients, types: string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const part of chunks(types, 100)) {
    const r = await clients.ec2.send(
      new DescribeInstanceTypesCommand({ InstanceTypes: part as _InstanceType[] }),
    );
    for (const t of r.InstanceTypes ?? [])
      if (t.InstanceType && t.Hypervisor) out.set(t.InstanceType, t.Hypervisor);
  }
  return out;
}

async function ssmStatus(clients: AwsClients, ids: string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const part of chunks(ids, 50)) {
    let token: string | undefined;
    do {
      const r = await clients.ssm.send(
        new DescribeInstanceInformationCommand({
          Filters: [{ Key: "InstanceIds", Values: part }],
          NextToken: token,
        }),
      );
      for (const i of r.InstanceInformationList ?? [])
        if (i.InstanceId) out.set(i.InstanceId, i.PingStatus ?? "unknown");
      token = r.NextToken;
    } while (token);
  }
  return out;
}

async function attached<T>(
  ids: string[],
  call: (filter: string[]) => Promise<{ items: T[]; next?: string }>,
): Promise<T[]> {
  const out: T[] = [];
  for (const part of chunks(ids, 200)) out.push(...(await call(part)).items);
  return out;
}

export interface Inventory {
  instances: InstanceFacts[];
  checks: Check[];
}

export async function inventory(clients: AwsClients): Promise<Inventory> {
  const checks: Check[] = [];
  const list = await running(clients);
  const ids = list.map((i) => i.InstanceId!);
  const soft = async <T>(what: string, fallback: T, p: () => Promise<T>): Promise<T> => {
    try {
      return await p();
    } catch (err) {
      checks.push({
        area: "instances",
        item: what,
        status: "warn",
        detail: `could not be read (${errorName(err)}): shown as unknown`,
        fix: "let whoever runs ir doctor make the read-only calls docs/doctor.md lists",
      });
      return fallback;
    }
  };
  const types = [...new Set(list.map((i) => i.InstanceType ?? ""))].filter(Boolean);
  const [hyper, ssm, enis, volumes, asgs] = await Promise.all([
    soft("instance types", new Map<string, string>(), () => hypervisors(clients, types)),
    soft("SSM registrations", undefined as Map<string, string> | undefined, () => ssmStatus(clients, ids)),
    soft("network interfaces", [], () =>
      attached(ids, async (part) => ({
        items:
          (
            await clients.ec2.send(
              new DescribeNetworkInterfacesCommand({
                Filters: [{ Name: "attachment.instance-id", Values: part }],
              }),
            )
          ).NetworkInterfaces ?? [],
      })),
    ),
    soft("volumes", [], () =>
      attached(ids, async (part) => ({
        items:
          (
            await clients.ec2.send(
              new DescribeVolumesCommand({ Filters: [{ Name: "attachment.instance-id", Values: part }] }),
            )
          ).Volumes ?? [],
      })),
    ),
    soft(
      "Auto Scaling groups",
      new Map<string, { name: string; arn: string; tags: Record<string, string> }>(),
      () => groupsOf(clients, ids),
    ),
  ]);
  const profiles = new Map<string, { roleArn?: string; roleTags?: Record<string, string> }>();
  for (const arn of new Set(
    list.map((i) => i.IamInstanceProfile?.Arn).filter((x): x is string => Boolean(x)),
  )) {
    const name = arn.split("/").pop()!;
    const p = await soft(`instance profile ${name}`, undefined, () =>
      clients.iam.send(new GetInstanceProfileCommand({ InstanceProfileName: name })),
    );
    const role = p?.InstanceProfile?.Roles?.[0];
    profiles.set(arn, {
      ...(role?.Arn ? { roleArn: role.Arn } : {}),
      ...(role?.Tags ? { roleTags: tagMap(role.Tags) } : {}),
    });
  }
  const instances = list.map((i): InstanceFacts => {
    const id = i.InstanceId!;
    const profile = i.IamInstanceProfile?.Arn;
    const group = asgs.get(id);
    return {
      instanceId: id,
      ...(i.VpcId ? { vpcId: i.VpcId } : {}),
      instanceType: i.InstanceType ?? "unknown",
      ...(i.State?.Name ? { state: i.State.Name } : {}),
      tags: tagMap(i.Tags),
      ...(profile ? { profileArn: profile, ...profiles.get(profile) } : {}),
      enis: enis
        .filter((n) => n.Attachment?.InstanceId === id)
        .map((n) => ({
          id: n.NetworkInterfaceId!,
          tags: tagMap(n.TagSet),
          requesterManaged: Boolean(n.RequesterManaged),
        })),
      volumes: volumes
        .filter((v) => (v.Attachments ?? []).some((a) => a.InstanceId === id))
        .map((v) => ({ id: v.VolumeId!, tags: tagMap(v.Tags) })),
      ...(group ? { asg: group } : {}),
      ...(i.RootDeviceType ? { rootDeviceType: i.RootDeviceType } : {}),
      ...(hyper.get(i.InstanceType ?? "") ? { hypervisor: hyper.get(i.InstanceType ?? "")! } : {}),
      ssm: ssm ? (ssm.get(id) ?? "not registered") : "unknown",
    };
  });
  return { instances, checks };
}

/** Each instance's Auto Scaling group: its ARN and tags (policies may test them). */
async function groupsOf(clients: AwsClients, ids: string[]) {
  const membership = new Map<string, string>();
  for (const part of chunks(ids, 50)) {
    const r = await clients.autoscaling.send(new DescribeAutoScalingInstancesCommand({ InstanceIds: part }));
    for (const a of r.AutoScalingInstances ?? [])
      if (a.InstanceId && a.AutoScalingGroupName) membership.set(a.InstanceId, a.AutoScalingGroupName);
  }
  const byName = new Map<string, { name: string; arn: string; tags: Record<string, string> }>();
  for (const part of chunks([...new Set(membership.values())], 100)) {
    const r = await clients.autoscaling.send(
      new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: part }),
    );
    for (const g of r.AutoScalingGroups ?? [])
      byName.set(g.AutoScalingGroupName!, {
        name: g.AutoScalingGroupName!,
        arn: g.AutoScalingGroupARN!,
        tags: tagMap(g.Tags),
      });
  }
  const out = new Map<string, { name: string; arn: string; tags: Record<string, string> }>();
  for (const [id, name] of membership) {
    const g = byName.get(name);
    if (g) out.set(id, g);
  }
  return out;
}
