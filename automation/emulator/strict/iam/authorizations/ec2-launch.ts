/**
 * RunInstances authorises every resource of the launch: the instance, its volumes and network
 * interfaces (created: `<type>/*`, with the request tags meant for each), the subnet, the security
 * groups, the image, the key pair and the launch template; with a template, `ec2:LaunchTemplate` is on
 * all of them, and the template's own image, groups, subnet and profile count as if named in the call.
 * https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/ExamplePolicies_EC2.html#iam-example-runinstances
 */
import { DescribeLaunchTemplateVersionsCommand } from "@aws-sdk/client-ec2";
import type { RuleContext, StrictRequest } from "../../types";
import type { Context } from "../context";
import { type Authorization, listOf } from "./common";
import { created, ec2Arn } from "./ec2-arns";
import { launchTemplateId, passProfileRole } from "./ec2-lookups";

interface Launch {
  imageId?: string;
  keyName?: string;
  subnets: string[];
  groups: string[];
  profile: { arn?: string; name?: string };
}

function fromParams(p: Record<string, string>): Launch {
  const nics = Object.keys(p).filter((k) => /^NetworkInterface\.\d+\.SubnetId$/.test(k));
  const nicGroups = Object.entries(p)
    .filter(([k]) => /^NetworkInterface\.\d+\.SecurityGroupId\.\d+$/.test(k))
    .map(([, v]) => v);
  return {
    imageId: p.ImageId,
    keyName: p.KeyName,
    subnets: [...(p.SubnetId ? [p.SubnetId] : []), ...nics.map((k) => p[k]!)],
    groups: [...listOf(p, "SecurityGroupId"), ...nicGroups],
    profile: { arn: p["IamInstanceProfile.Arn"], name: p["IamInstanceProfile.Name"] },
  };
}

async function fromTemplate(
  ctx: RuleContext,
  req: StrictRequest,
  id: string,
  version: string | undefined,
): Promise<Launch> {
  const r = await ctx.moto(req.accountId, req.region).ec2.send(
    new DescribeLaunchTemplateVersionsCommand({
      LaunchTemplateId: id,
      Versions: [version ?? "$Default"],
    }),
  );
  const d = r.LaunchTemplateVersions?.[0]?.LaunchTemplateData;
  return {
    imageId: d?.ImageId,
    keyName: d?.KeyName,
    subnets: (d?.NetworkInterfaces ?? []).flatMap((n) => (n.SubnetId ? [n.SubnetId] : [])),
    groups: [...(d?.SecurityGroupIds ?? []), ...(d?.NetworkInterfaces ?? []).flatMap((n) => n.Groups ?? [])],
    profile: { arn: d?.IamInstanceProfile?.Arn, name: d?.IamInstanceProfile?.Name },
  };
}

/** The launch's authorisations; `templateId` set when it comes from a launch template. */
export async function launchAuthorizations(
  req: StrictRequest,
  ctx: RuleContext,
  template?: { id: string; version?: string },
): Promise<Authorization[]> {
  const call = fromParams(req.params);
  const t = template ? await fromTemplate(ctx, req, template.id, template.version) : undefined;
  // What the call names overrides the template.
  const launch: Launch = {
    imageId: call.imageId ?? t?.imageId,
    keyName: call.keyName ?? t?.keyName,
    subnets: call.subnets.length ? call.subnets : (t?.subnets ?? []),
    groups: call.groups.length ? call.groups : (t?.groups ?? []),
    profile: call.profile.arn || call.profile.name ? call.profile : (t?.profile ?? {}),
  };
  const extra: Context = template
    ? { "ec2:LaunchTemplate": ec2Arn(req, "launch-template", template.id) }
    : {};
  const action = "ec2:RunInstances";
  const existing = [
    ...launch.subnets.map((s) => ec2Arn(req, "subnet", s)),
    ...launch.groups.map((g) => ec2Arn(req, "security-group", g)),
    ...(launch.imageId ? [ec2Arn(req, "image", launch.imageId)] : []),
    ...(launch.keyName ? [ec2Arn(req, "key-pair", launch.keyName)] : []),
    ...(template ? [ec2Arn(req, "launch-template", template.id)] : []),
  ];
  // The created resources carry the request tags; `created` names the call's own operation.
  const asRun = req.operation === "RunInstances" ? req : { ...req, operation: "RunInstances" };
  return [
    ...["instance", "volume", "network-interface"].flatMap((type) => created(asRun, type, extra)),
    ...existing.map((resource) => ({ action, resource, context: extra })),
    ...(await passProfileRole(ctx, req, launch.profile)),
  ];
}

export async function runInstances(req: StrictRequest, ctx: RuleContext): Promise<Authorization[]> {
  const id = await launchTemplateId(ctx, req, {
    id: req.params["LaunchTemplate.LaunchTemplateId"],
    name: req.params["LaunchTemplate.LaunchTemplateName"],
  });
  return launchAuthorizations(
    req,
    ctx,
    id ? { id, version: req.params["LaunchTemplate.Version"] } : undefined,
  );
}
