/**
 * Which instance stands behind each load-balancer target, and from which image it runs: the health gate
 * counts a healthy target only when its instance runs the selected AMI. Instance targets are named by
 * instance id; IP targets by address, found through the network interface that holds the address (any
 * of its private addresses, not only the primary). Lambda and ALB targets have no image: never counted.
 */
import {
  DescribeInstancesCommand,
  DescribeNetworkInterfacesCommand,
  type EC2Client,
} from "@aws-sdk/client-ec2";

export interface TargetInstance {
  instanceId: string;
  imageId?: string;
  /** EC2 state name ("running", "terminated"...). */
  state: string;
}

const INSTANCE_ID = /^i-[0-9a-f]{8,17}$/;
const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;
/** DescribeInstances and DescribeNetworkInterfaces take at most 200 filter values / ids per call here. */
const CHUNK = 100;

const chunks = <T>(xs: T[]) =>
  Array.from({ length: Math.ceil(xs.length / CHUNK) }, (_, i) => xs.slice(i * CHUNK, (i + 1) * CHUNK));

/** Instance id of each IP target, through the ENI that holds the address. */
async function instancesByIp(ec2: EC2Client, ips: string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const part of chunks(ips)) {
    const res = await ec2.send(
      new DescribeNetworkInterfacesCommand({
        Filters: [{ Name: "addresses.private-ip-address", Values: part }],
      }),
    );
    for (const eni of res.NetworkInterfaces ?? []) {
      const instanceId = eni.Attachment?.InstanceId;
      if (!instanceId) continue;
      for (const a of eni.PrivateIpAddresses ?? [])
        if (a.PrivateIpAddress && part.includes(a.PrivateIpAddress)) out.set(a.PrivateIpAddress, instanceId);
    }
  }
  return out;
}

/** Target id → its instance (image and state); targets that are no instance are absent. */
export async function targetInstances(
  ec2: EC2Client,
  targetIds: string[],
): Promise<Map<string, TargetInstance>> {
  const ids = [...new Set(targetIds)];
  const byIp = await instancesByIp(
    ec2,
    ids.filter((t) => IPV4.test(t)),
  );
  const instanceIds = [...new Set([...ids.filter((t) => INSTANCE_ID.test(t)), ...byIp.values()])];
  const instances = new Map<string, TargetInstance>();
  for (const part of chunks(instanceIds)) {
    // A filter, not InstanceIds: one instance gone for good must not fail the whole lookup.
    const res = await ec2.send(
      new DescribeInstancesCommand({ Filters: [{ Name: "instance-id", Values: part }] }),
    );
    for (const i of (res.Reservations ?? []).flatMap((r) => r.Instances ?? []))
      instances.set(i.InstanceId!, {
        instanceId: i.InstanceId!,
        ...(i.ImageId ? { imageId: i.ImageId } : {}),
        state: i.State?.Name ?? "unknown",
      });
  }
  const out = new Map<string, TargetInstance>();
  for (const t of ids) {
    const instance = instances.get(INSTANCE_ID.test(t) ? t : (byIp.get(t) ?? ""));
    if (instance) out.set(t, instance);
  }
  return out;
}
