/**
 * Auto Scaling: calls on a group are authorised on its ARN
 * (arn:aws:autoscaling:<region>:<account>:autoScalingGroup:<uuid>:autoScalingGroupName/<name>), read
 * from moto by name; a group being created is `autoScalingGroup:*:autoScalingGroupName/<name>` with its
 * request tags. Pointing a group at a launch template also asks whether the caller may launch from it
 * (ec2:RunInstances on the launch's resources, iam:PassRole of its profile).
 * https://docs.aws.amazon.com/autoscaling/ec2/userguide/ec2-auto-scaling-launch-template-permissions.html
 */
import { DescribeAutoScalingGroupsCommand } from "@aws-sdk/client-auto-scaling";
import type { RuleContext, StrictRequest } from "../../types";
import {
  type Authorization,
  isUnscopedRead,
  lookups,
  memberTags,
  remember,
  requestTagContext,
} from "./common";
import { launchAuthorizations } from "./ec2-launch";
import { launchTemplateId } from "./ec2-lookups";

function groupArn(ctx: RuleContext, req: StrictRequest, name: string): Promise<string | undefined> {
  return remember(lookups(ctx, "asg"), `${req.accountId}/${req.region}/${name}`, async () => {
    const r = await ctx
      .moto(req.accountId, req.region)
      .autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] }));
    return r.AutoScalingGroups?.[0]?.AutoScalingGroupARN;
  });
}

export async function autoscalingAuthorizations(
  req: StrictRequest,
  ctx: RuleContext,
): Promise<Authorization[] | undefined> {
  const op = req.operation;
  const action = `autoscaling:${op}`;
  const p = req.params;
  if (isUnscopedRead(op)) return [{ action, resource: "*" }];
  const pattern = (name: string) =>
    `arn:aws:autoscaling:${req.region}:${req.accountId}:autoScalingGroup:*:autoScalingGroupName/${name}`;
  let names: string[];
  if (op === "CreateOrUpdateTags" || op === "DeleteTags")
    names = Object.entries(p).flatMap(([k, v]) => (/^Tags\.member\.\d+\.ResourceId$/.test(k) ? [v] : []));
  else if (p.AutoScalingGroupName) names = [p.AutoScalingGroupName];
  else return undefined;
  const out: Authorization[] = [];
  if (op === "CreateAutoScalingGroup") {
    const tags = requestTagContext(memberTags(p));
    out.push({ action, resource: pattern(names[0]!), context: tags });
  } else {
    for (const name of names)
      out.push({ action, resource: (await groupArn(ctx, req, name)) ?? pattern(name) });
  }
  const template = await launchTemplateId(ctx, req, {
    id:
      p["LaunchTemplate.LaunchTemplateId"] ??
      p["MixedInstancesPolicy.LaunchTemplate.LaunchTemplateSpecification.LaunchTemplateId"],
    name:
      p["LaunchTemplate.LaunchTemplateName"] ??
      p["MixedInstancesPolicy.LaunchTemplate.LaunchTemplateSpecification.LaunchTemplateName"],
  });
  if (template && (op === "CreateAutoScalingGroup" || op === "UpdateAutoScalingGroup"))
    out.push(
      ...(await launchAuthorizations(req, ctx, { id: template, version: p["LaunchTemplate.Version"] })),
    );
  return out;
}
