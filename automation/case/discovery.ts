/**
 * Read-only discovery shared by every case of one run: the instances, their ASGs, profiles, Elastic IPs
 * and the account's load balancers, each read once and batched across instances. This is the first
 * round trip of a response (it runs while the lock is being taken).
 */
import { DescribeAutoScalingInstancesCommand } from "@aws-sdk/client-auto-scaling";
import {
  DescribeAddressesCommand,
  DescribeIamInstanceProfileAssociationsCommand,
  DescribeInstancesCommand,
  type Instance,
} from "@aws-sdk/client-ec2";
import { DescribeLoadBalancersCommand } from "@aws-sdk/client-elastic-load-balancing";
import {
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  type TargetGroup,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { GetInstanceProfileCommand } from "@aws-sdk/client-iam";
import { Batcher, once } from "../aws/batcher";
import type { AwsClients } from "../aws/clients";
import { InputError } from "../input/targets";
import type { AddressFacts, InstanceFacts } from "./context";

export function partitionOf(region: string): string {
  if (region.startsWith("cn-")) return "aws-cn";
  if (region.startsWith("us-gov-")) return "aws-us-gov";
  return "aws";
}

function missingIds(err: unknown): string[] {
  const msg = (err as Error).message ?? "";
  return msg.match(/i-[0-9a-f]+/g) ?? [];
}

export class Discovery {
  readonly instances: Batcher<{ instance: Instance; ownerId: string }>;
  readonly asg: Batcher<{
    name: string;
    lifecycleState: string | undefined;
    protectedFromScaleIn: boolean | undefined;
  }>;
  readonly profiles: Batcher<{ associationId: string; arn: string; state?: string }>;
  readonly addresses: Batcher<AddressFacts[]>;
  readonly targetGroups: () => Promise<TargetGroup[]>;
  readonly classicElbs: () => Promise<{ name: string; instances: string[] }[]>;
  private readonly health = new Map<string, Promise<{ id: string; port?: number; az?: string }[]>>();
  private readonly roles = new Map<string, Promise<{ name: string; arn: string } | undefined>>();

  constructor(readonly clients: AwsClients) {
    const ec2 = clients.ec2;
    this.instances = new Batcher(async (ids) => {
      const out = new Map<string, { instance: Instance; ownerId: string }>();
      let remaining = ids;
      // An unknown id fails the whole call: drop the ids the error names and ask again for the rest.
      for (let attempt = 0; attempt < 3 && remaining.length > 0; attempt++) {
        try {
          const res = await ec2.send(new DescribeInstancesCommand({ InstanceIds: remaining }));
          for (const r of res.Reservations ?? []) {
            for (const i of r.Instances ?? [])
              out.set(i.InstanceId!, { instance: i, ownerId: r.OwnerId ?? "" });
          }
          break;
        } catch (err) {
          const name = (err as Error).name;
          if (name !== "InvalidInstanceID.NotFound" && name !== "InvalidInstanceID.Malformed") throw err;
          const bad = new Set(missingIds(err));
          const next = remaining.filter((id) => !bad.has(id));
          if (next.length === remaining.length) break;
          remaining = next;
        }
      }
      return out;
    });
    this.asg = new Batcher(async (ids) => {
      const res = await clients.autoscaling.send(
        new DescribeAutoScalingInstancesCommand({ InstanceIds: ids }),
      );
      return new Map(
        (res.AutoScalingInstances ?? []).map((a) => [
          a.InstanceId!,
          {
            name: a.AutoScalingGroupName!,
            lifecycleState: a.LifecycleState,
            protectedFromScaleIn: a.ProtectedFromScaleIn,
          },
        ]),
      );
    });
    this.profiles = new Batcher(async (ids) => {
      const res = await ec2.send(
        new DescribeIamInstanceProfileAssociationsCommand({
          Filters: [{ Name: "instance-id", Values: ids }],
        }),
      );
      const out = new Map<string, { associationId: string; arn: string; state?: string }>();
      for (const a of res.IamInstanceProfileAssociations ?? []) {
        if (a.State === "associated" || a.State === "associating") {
          out.set(a.InstanceId!, {
            associationId: a.AssociationId!,
            arn: a.IamInstanceProfile?.Arn ?? "",
            state: a.State,
          });
        }
      }
      return out;
    });
    this.addresses = new Batcher(async (ids) => {
      const res = await ec2.send(
        new DescribeAddressesCommand({ Filters: [{ Name: "instance-id", Values: ids }] }),
      );
      const out = new Map<string, AddressFacts[]>();
      for (const a of res.Addresses ?? []) {
        const list = out.get(a.InstanceId!) ?? [];
        list.push({
          ...(a.AllocationId ? { allocationId: a.AllocationId } : {}),
          ...(a.AssociationId ? { associationId: a.AssociationId } : {}),
          ...(a.PublicIp ? { publicIp: a.PublicIp } : {}),
          ...(a.NetworkInterfaceId ? { networkInterfaceId: a.NetworkInterfaceId } : {}),
          ...(a.PrivateIpAddress ? { privateIp: a.PrivateIpAddress } : {}),
        });
        out.set(a.InstanceId!, list);
      }
      return out;
    });
    this.targetGroups = once(async () => {
      const all: TargetGroup[] = [];
      let marker: string | undefined;
      do {
        const page = await clients.elbv2.send(
          new DescribeTargetGroupsCommand({ Marker: marker, PageSize: 400 }),
        );
        all.push(...(page.TargetGroups ?? []));
        marker = page.NextMarker;
      } while (marker);
      return all;
    });
    this.classicElbs = once(async () => {
      const all: { name: string; instances: string[] }[] = [];
      let marker: string | undefined;
      do {
        const page = await clients.elb.send(
          new DescribeLoadBalancersCommand({ Marker: marker, PageSize: 400 }),
        );
        for (const lb of page.LoadBalancerDescriptions ?? []) {
          all.push({ name: lb.LoadBalancerName!, instances: (lb.Instances ?? []).map((i) => i.InstanceId!) });
        }
        marker = page.NextMarker;
      } while (marker);
      return all;
    });
  }

  /** Registered targets of a target group (read once per run). */
  targetsOf(targetGroupArn: string) {
    let p = this.health.get(targetGroupArn);
    if (!p) {
      p = this.clients.elbv2
        .send(new DescribeTargetHealthCommand({ TargetGroupArn: targetGroupArn }))
        .then((res) =>
          (res.TargetHealthDescriptions ?? []).map((d) => ({
            id: d.Target!.Id!,
            ...(d.Target?.Port ? { port: d.Target.Port } : {}),
            ...(d.Target?.AvailabilityZone ? { az: d.Target.AvailabilityZone } : {}),
          })),
        );
      this.health.set(targetGroupArn, p);
    }
    return p;
  }

  /** The role inside an instance profile (read once per run). */
  roleOf(profileArn: string) {
    const name = profileArn.split("/").pop()!;
    let p = this.roles.get(name);
    if (!p) {
      p = this.clients.iam.send(new GetInstanceProfileCommand({ InstanceProfileName: name })).then((res) => {
        const role = res.InstanceProfile?.Roles?.[0];
        return role ? { name: role.RoleName!, arn: role.Arn! } : undefined;
      });
      this.roles.set(name, p);
    }
    return p;
  }

  /** Reads everything about one instance; bad input (unknown or terminated) is an InputError. */
  async facts(instanceId: string): Promise<InstanceFacts> {
    const region = this.clients.region;
    // Account-wide listings the next round needs start now, beside the instance reads.
    this.classicElbs().catch(() => undefined);
    const [found, asg, profile, addresses, tgs] = await Promise.all([
      this.instances.get(instanceId),
      this.asg.get(instanceId),
      this.profiles.get(instanceId),
      this.addresses.get(instanceId),
      this.targetGroups(),
    ]);
    if (!found) {
      throw new InputError(
        `instance "${instanceId}" was not found in region ${region}: check the id, or pass --region with the instance's region`,
      );
    }
    const i = found.instance;
    const state = i.State?.Name ?? "unknown";
    if (state === "terminated" || state === "shutting-down") {
      throw new InputError(
        `instance "${instanceId}" is ${state}: there is nothing left to contain (its snapshots, if any, are evidence)`,
      );
    }
    const accountId = found.ownerId;
    const partition = partitionOf(region);
    return {
      instanceId,
      accountId,
      partition,
      region,
      arn: `arn:${partition}:ec2:${region}:${accountId}:instance/${instanceId}`,
      state,
      vpcId: i.VpcId ?? "",
      ...(i.SubnetId ? { subnetId: i.SubnetId } : {}),
      ...(i.Placement?.AvailabilityZone ? { availabilityZone: i.Placement.AvailabilityZone } : {}),
      ...(i.InstanceType ? { instanceType: i.InstanceType } : {}),
      ...(i.ImageId ? { imageId: i.ImageId } : {}),
      spot: i.InstanceLifecycle === "spot",
      ...(i.LaunchTime ? { launchTime: new Date(i.LaunchTime).toISOString() } : {}),
      tags: Object.fromEntries((i.Tags ?? []).map((t) => [t.Key!, t.Value ?? ""])),
      enis: (i.NetworkInterfaces ?? [])
        .map((n) => ({
          id: n.NetworkInterfaceId!,
          deviceIndex: n.Attachment?.DeviceIndex ?? 0,
          groups: (n.Groups ?? []).map((g) => g.GroupId!),
          privateIps: (n.PrivateIpAddresses ?? []).map((p) => p.PrivateIpAddress!).filter(Boolean),
          ipv6: (n.Ipv6Addresses ?? []).map((p) => p.Ipv6Address!).filter(Boolean),
        }))
        .sort((a, b) => a.deviceIndex - b.deviceIndex),
      volumes: (i.BlockDeviceMappings ?? [])
        .filter((b) => b.Ebs?.VolumeId)
        .map((b) => ({
          volumeId: b.Ebs!.VolumeId!,
          deviceName: b.DeviceName ?? "",
          deleteOnTermination: b.Ebs!.DeleteOnTermination ?? false,
        })),
      ...(asg ? { asg } : {}),
      ...(profile ? { profile } : {}),
      addresses: addresses ?? [],
      targetGroupArns: tgs.filter((tg) => !tg.VpcId || tg.VpcId === i.VpcId).map((tg) => tg.TargetGroupArn!),
      raw: JSON.parse(JSON.stringify(i)),
    };
  }
}
