/**
 * A resource's current tags, for `aws:ResourceTag/*` (and `ec2:ResourceTag/*`, `autoscaling:ResourceTag/*`,
 * `iam:ResourceTag/*`). Read from moto only when a policy statement that applies to the action tests a
 * resource tag; cached per resource and dropped when a tag write on it passes through the layer.
 */
import { DescribeAutoScalingGroupsCommand } from "@aws-sdk/client-auto-scaling";
import { DescribeTagsCommand } from "@aws-sdk/client-ec2";
import { ListRoleTagsCommand } from "@aws-sdk/client-iam";
import type { RuleContext, StrictRequest } from "../types";

type Tags = Record<string, string>;

const tagCache = (ctx: RuleContext) =>
  ctx.state.of("iam-authorize/tags", () => new Map<string, Promise<Tags>>());

/** EC2 ids in ARNs: instance/i-..., volume/vol-..., security-group/sg-..., snapshot/snap-... */
const ec2Id = (arn: string) => arn.split(":").slice(5).join(":").split("/").pop() ?? "";

async function load(ctx: RuleContext, arn: string): Promise<Tags> {
  const [, , service, region = "us-east-1", account = ""] = arn.split(":");
  const out: Tags = {};
  if (service === "ec2") {
    const id = ec2Id(arn);
    const r = await ctx
      .moto(account || "123456789012", region)
      .ec2.send(new DescribeTagsCommand({ Filters: [{ Name: "resource-id", Values: [id] }] }));
    for (const t of r.Tags ?? []) if (t.Key) out[t.Key] = t.Value ?? "";
  } else if (service === "autoscaling") {
    const name = /autoScalingGroupName\/(.+)$/.exec(arn)?.[1];
    if (!name) return out;
    const r = await ctx
      .moto(account, region)
      .autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] }));
    for (const t of r.AutoScalingGroups?.[0]?.Tags ?? []) if (t.Key) out[t.Key] = t.Value ?? "";
  } else if (service === "iam" && /:role\//.test(arn)) {
    const r = await ctx
      .moto(account, "us-east-1")
      .iam.send(new ListRoleTagsCommand({ RoleName: arn.split("/").pop() ?? "" }));
    for (const t of r.Tags ?? []) if (t.Key) out[t.Key] = t.Value ?? "";
  }
  // Other services' tags (S3 object tags, DynamoDB, SSM...) are not read: such a condition sees none.
  return out;
}

/** The resource's tags as context keys (aws:ResourceTag/k and <service>:ResourceTag/k). */
export async function resourceTagContext(ctx: RuleContext, arn: string): Promise<Record<string, string>> {
  const cache = tagCache(ctx);
  const key = arn.startsWith("arn:aws:ec2") ? ec2Id(arn) : arn;
  let p = cache.get(key);
  if (!p) {
    p = load(ctx, arn);
    cache.set(key, p);
    p.catch(() => cache.delete(key));
  }
  const tags = await p;
  const service = arn.split(":")[2] ?? "";
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(tags)) {
    out[`aws:ResourceTag/${k}`] = v;
    if (["ec2", "autoscaling", "iam"].includes(service)) out[`${service}:ResourceTag/${k}`] = v;
  }
  return out;
}

/** Drops the tags a tag write passing through the layer changed (before or after it ran). */
export function forgetTagsOnWrite(ctx: RuleContext, req: StrictRequest): void {
  const cache = tagCache(ctx);
  if (cache.size === 0) return;
  const p = req.params;
  if (req.service === "ec2" && (req.operation === "CreateTags" || req.operation === "DeleteTags")) {
    for (const [k, v] of Object.entries(p)) if (/^ResourceId\.\d+$/.test(k)) cache.delete(v);
  } else if (req.service === "autoscaling" && /^(CreateOrUpdateTags|DeleteTags)$/.test(req.operation)) {
    for (const [k, v] of Object.entries(p))
      if (/^Tags\.member\.\d+\.ResourceId$/.test(k))
        for (const key of cache.keys()) if (key.endsWith(`autoScalingGroupName/${v}`)) cache.delete(key);
  } else if (req.service === "iam" && /^(TagRole|UntagRole)$/.test(req.operation)) {
    for (const key of cache.keys()) if (key.endsWith(`:role/${p.RoleName}`)) cache.delete(key);
  }
}
