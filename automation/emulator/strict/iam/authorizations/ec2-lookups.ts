/**
 * What AWS knows about a request's resources and the request does not say: the volumes of an instance
 * (CreateSnapshots), the instance of a profile association, the role of an instance profile
 * (iam:PassRole), a launch template's id. Read from moto with the administrator's clients; names that
 * do not change are memoised, the rest read each time (these calls are rare).
 */
import {
  DescribeAddressesCommand,
  DescribeIamInstanceProfileAssociationsCommand,
  DescribeInstancesCommand,
  DescribeLaunchTemplatesCommand,
} from "@aws-sdk/client-ec2";
import { GetInstanceProfileCommand } from "@aws-sdk/client-iam";
import type { RuleContext, StrictRequest } from "../../types";
import { type Authorization, lookups, remember } from "./common";

const ec2 = (ctx: RuleContext, req: StrictRequest) => ctx.moto(req.accountId, req.region).ec2;

/** The EBS volumes attached to an instance. */
export async function volumesOf(ctx: RuleContext, req: StrictRequest, instanceId: string): Promise<string[]> {
  const r = await ec2(ctx, req).send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
  const i = r.Reservations?.[0]?.Instances?.[0];
  return (i?.BlockDeviceMappings ?? []).flatMap((b) => (b.Ebs?.VolumeId ? [b.Ebs.VolumeId] : []));
}

export async function instanceOfAssociation(
  ctx: RuleContext,
  req: StrictRequest,
  associationId: string,
): Promise<string | undefined> {
  const r = await ec2(ctx, req).send(
    new DescribeIamInstanceProfileAssociationsCommand({ AssociationIds: [associationId] }),
  );
  return r.IamInstanceProfileAssociations?.[0]?.InstanceId;
}

export async function allocationOfAssociation(
  ctx: RuleContext,
  req: StrictRequest,
  associationId: string,
): Promise<string | undefined> {
  const r = await ec2(ctx, req).send(
    new DescribeAddressesCommand({ Filters: [{ Name: "association-id", Values: [associationId] }] }),
  );
  return r.Addresses?.[0]?.AllocationId;
}

export function launchTemplateId(
  ctx: RuleContext,
  req: StrictRequest,
  idOrName: { id?: string; name?: string },
): Promise<string | undefined> {
  if (idOrName.id) return Promise.resolve(idOrName.id);
  const name = idOrName.name;
  if (!name) return Promise.resolve(undefined);
  return remember(lookups(ctx, "launch-template"), `${req.accountId}/${req.region}/${name}`, async () => {
    const r = await ec2(ctx, req).send(new DescribeLaunchTemplatesCommand({ LaunchTemplateNames: [name] }));
    return r.LaunchTemplates?.[0]?.LaunchTemplateId;
  });
}

/**
 * iam:PassRole on the role of an instance profile (by ARN or name), as EC2 asks it when a profile is
 * associated or an instance launched with one: iam:PassedToService is ec2.amazonaws.com.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_switch-role-ec2.html
 */
export async function passProfileRole(
  ctx: RuleContext,
  req: StrictRequest,
  profile: { arn?: string; name?: string },
): Promise<Authorization[]> {
  const name = profile.name ?? profile.arn?.split("/").pop();
  if (!name) return [];
  const role = await remember(lookups(ctx, "profile-role"), `${req.accountId}/${name}`, async () => {
    try {
      const r = await ctx
        .moto(req.accountId, "us-east-1")
        .iam.send(new GetInstanceProfileCommand({ InstanceProfileName: name }));
      return r.InstanceProfile?.Roles?.[0]?.Arn;
    } catch {
      return undefined;
    }
  });
  // A profile without a role (or none at all: EC2 then refuses the call itself) passes nothing.
  return role
    ? [{ action: "iam:PassRole", resource: role, context: { "iam:PassedToService": "ec2.amazonaws.com" } }]
    : [];
}
