/**
 * The fixed baseline of the benchmark: the calls containment of one instance needs, made one after
 * another by a plain script (read, snapshot, deregister, untrack, minimum tracking, revoke, swap the
 * profile, isolate). The ratio engine/sequential compares the engine's parallel plan with this.
 */
import { DescribeAutoScalingInstancesCommand } from "@aws-sdk/client-auto-scaling";
import {
  CreateSnapshotsCommand,
  DescribeAddressesCommand,
  DescribeIamInstanceProfileAssociationsCommand,
  DescribeInstancesCommand,
  ModifyNetworkInterfaceAttributeCommand,
  ReplaceIamInstanceProfileAssociationCommand,
} from "@aws-sdk/client-ec2";
import {
  DeregisterTargetsCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { GetInstanceProfileCommand, PutRolePolicyCommand } from "@aws-sdk/client-iam";
import type { AwsClients } from "../automation/aws/clients";
import { MIN_TRACKING } from "../automation/steps/network";
import { revokeDocument } from "../automation/steps/revoke";

export interface SequentialTarget {
  instanceId: string;
  targetGroupArn: string;
  /** Group the ENI goes to first (untrack) and last (isolation). */
  untrackGroup: string;
  isolationGroup: string;
  roleName: string;
  profileName: string;
  denyAllProfile: string;
  accountId: string;
}

/** Contains one instance with one call at a time; resolves with the wall time in ms. */
export async function containSequentially(
  c: AwsClients,
  t: SequentialTarget,
  dwellMs: number,
): Promise<number> {
  const s0 = Date.now();
  const id = t.instanceId;
  const inst = (await c.ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }))).Reservations![0]!
    .Instances![0]!;
  await c.autoscaling.send(new DescribeAutoScalingInstancesCommand({ InstanceIds: [id] }));
  const assoc = await c.ec2.send(
    new DescribeIamInstanceProfileAssociationsCommand({ Filters: [{ Name: "instance-id", Values: [id] }] }),
  );
  await c.ec2.send(new DescribeAddressesCommand({ Filters: [{ Name: "instance-id", Values: [id] }] }));
  const tgs = (await c.elbv2.send(new DescribeTargetGroupsCommand({}))).TargetGroups ?? [];
  for (const tg of tgs)
    await c.elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: tg.TargetGroupArn }));
  await c.iam.send(new GetInstanceProfileCommand({ InstanceProfileName: t.profileName }));
  await c.ec2.send(new CreateSnapshotsCommand({ InstanceSpecification: { InstanceId: id } }));
  await c.elbv2.send(
    new DeregisterTargetsCommand({ TargetGroupArn: t.targetGroupArn, Targets: [{ Id: id }] }),
  );
  const eni = inst.NetworkInterfaces![0]!.NetworkInterfaceId!;
  await c.ec2.send(
    new ModifyNetworkInterfaceAttributeCommand({ NetworkInterfaceId: eni, Groups: [t.untrackGroup] }),
  );
  await c.ec2.send(
    new ModifyNetworkInterfaceAttributeCommand({
      NetworkInterfaceId: eni,
      ConnectionTrackingSpecification: { ...MIN_TRACKING },
    }),
  );
  await c.iam.send(
    new PutRolePolicyCommand({
      RoleName: t.roleName,
      PolicyName: "bench-sequential",
      PolicyDocument: revokeDocument(
        `arn:aws:ec2:${c.region}:${t.accountId}:instance/${id}`,
        new Date().toISOString(),
        false,
      ),
    }),
  );
  await c.ec2.send(
    new ReplaceIamInstanceProfileAssociationCommand({
      AssociationId: assoc.IamInstanceProfileAssociations![0]!.AssociationId,
      IamInstanceProfile: { Name: t.denyAllProfile },
    }),
  );
  if (dwellMs > 0) await new Promise((r) => setTimeout(r, dwellMs));
  await c.ec2.send(
    new ModifyNetworkInterfaceAttributeCommand({ NetworkInterfaceId: eni, Groups: [t.isolationGroup] }),
  );
  return Date.now() - s0;
}
