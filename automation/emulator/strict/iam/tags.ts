/**
 * A resource's current tags, for `aws:ResourceTag/*` (and `ec2:ResourceTag/*`, `autoscaling:ResourceTag/*`,
 * `iam:ResourceTag/*`). Read from moto only when a policy statement that applies to the action tests a
 * resource tag; cached per resource and dropped when a tag write on it passes through the layer.
 */
import { DescribeAutoScalingGroupsCommand } from "@aws-sdk/client-auto-scaling";
import { DescribeIamInstanceProfileAssociationsCommand, DescribeTagsCommand } from "@aws-sdk/client-ec2";
import { ListRoleTagsCommand } from "@aws-sdk/client-iam";
import type { RuleContext, StrictRequest } from "../types";

type Tags = Record<string, string>;

const tagCache = (ctx: RuleContext) =>
  ctx.state.of("iam-authorize/tags", () => new Map<string, Promise<Tags>>());

/** EC2 ids in ARNs: instance/i-..., volume/vol-..., security-group/sg-..., snapshot/snap-... */
const ec2Id = (arn: string) => arn.split(":").slice(5).join(":").split("/").pop() ?? "";

async function load(ctx: RuleContext, arn: string, fallbackAccount: string): Promise<Tags> {
  const [, , service, region = "us-east-1", arnAccount = ""] = arn.split(":");
  // Snapshot and image ARNs name no account: the caller's.
  const account = arnAccount || fallbackAccount;
  const out: Tags = {};
  if (service === "ec2") {
    const id = ec2Id(arn);
    const r = await ctx
      .moto(account, region)
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
export async function resourceTagContext(
  ctx: RuleContext,
  arn: string,
  accountId: string,
): Promise<Record<string, string>> {
  // A resource being created (`instance/*`) has no tags yet: its request tags are in the context.
  if (arn === "*" || arn.endsWith("/*")) return {};
  const cache = tagCache(ctx);
  const key = arn.startsWith("arn:aws:ec2") ? ec2Id(arn) : arn;
  let p = cache.get(key);
  if (!p) {
    p = load(ctx, arn, accountId);
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

/**
 * `ec2:InstanceProfile` of an existing instance: the ARN of the instance profile associated with it now
 * (the key is absent for an instance without one). Read on each decision that needs it (only
 * destructive calls do), so a profile swap a moment before is seen.
 * https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonec2.html#amazonec2-policy-keys
 */
export async function instanceProfileContext(
  ctx: RuleContext,
  arn: string,
  accountId: string,
): Promise<Record<string, string>> {
  const m = /^arn:[^:]+:ec2:([^:]*):([^:]*):instance\/(i-[0-9a-f]+)$/.exec(arn);
  if (!m) return {};
  const r = await ctx.moto(m[2] || accountId, m[1] || "us-east-1").ec2.send(
    new DescribeIamInstanceProfileAssociationsCommand({
      Filters: [
        { Name: "instance-id", Values: [m[3]!] },
        { Name: "state", Values: ["associated"] },
      ],
    }),
  );
  const profile = r.IamInstanceProfileAssociations?.[0]?.IamInstanceProfile?.Arn;
  return profile ? { "ec2:InstanceProfile": profile } : {};
}

/** EC2 `Tag.N.Key` / `Tag.N.Value` of a CreateTags or DeleteTags request (value undefined when absent). */
function ec2TagParams(p: Record<string, string>): [string, string | undefined][] {
  return Object.entries(p).flatMap(([k, v]) => {
    const m = /^Tag\.(\d+)\.Key$/.exec(k);
    return m ? [[v, p[`Tag.${m[1]}.Value`]] as [string, string | undefined]] : [];
  });
}

/**
 * Brings the cached tags up to date with a tag write moto accepted. EC2 writes are applied in place (the
 * responder tags an instance, then acts on it: re-reading moto would cost a round trip per step);
 * Auto Scaling and IAM tag writes drop the entry (read again when next needed).
 */
export function forgetTagsOnWrite(ctx: RuleContext, req: StrictRequest): void {
  const cache = tagCache(ctx);
  if (cache.size === 0) return;
  const p = req.params;
  if (req.service === "ec2" && (req.operation === "CreateTags" || req.operation === "DeleteTags")) {
    const written = ec2TagParams(p);
    for (const [k, id] of Object.entries(p)) {
      const cached = /^ResourceId\.\d+$/.test(k) ? cache.get(id) : undefined;
      if (!cached) continue;
      cache.set(
        id,
        cached.then((tags) => {
          const next = { ...tags };
          if (req.operation === "CreateTags") for (const [key, value] of written) next[key] = value ?? "";
          // DeleteTags without tags deletes them all; with a value, only where the value matches.
          else if (written.length === 0) for (const key of Object.keys(next)) delete next[key];
          else
            for (const [key, value] of written)
              if (value === undefined || next[key] === value) delete next[key];
          return next;
        }),
      );
    }
  } else if (req.service === "autoscaling" && /^(CreateOrUpdateTags|DeleteTags)$/.test(req.operation)) {
    for (const [k, v] of Object.entries(p))
      if (/^Tags\.member\.\d+\.ResourceId$/.test(k))
        for (const key of cache.keys()) if (key.endsWith(`autoScalingGroupName/${v}`)) cache.delete(key);
  } else if (req.service === "iam" && /^(TagRole|UntagRole)$/.test(req.operation)) {
    for (const key of cache.keys()) if (key.endsWith(`:role/${p.RoleName}`)) cache.delete(key);
  }
}
