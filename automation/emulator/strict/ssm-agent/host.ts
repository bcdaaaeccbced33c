/**
 * What the agent's reachability depends on, read from moto at each poll: the instance (state, profile,
 * launch time, address, tags) and the role its profile carries. Straight to moto with admin clients: the
 * agent is AWS's own machinery, not a caller the rules should see.
 */
import type { Instance } from "@aws-sdk/client-ec2";
import { DescribeIamInstanceProfileAssociationsCommand, DescribeInstancesCommand } from "@aws-sdk/client-ec2";
import { GetInstanceProfileCommand } from "@aws-sdk/client-iam";
import type { RuleContext } from "../types";

export interface Host {
  accountId: string;
  region: string;
  instanceId: string;
  state: string;
  launchedAt: number;
  /** The role of the instance's profile; undefined without a profile or with an empty one. */
  roleArn?: string;
  privateIp?: string;
  vpcId?: string;
  tags: Record<string, string>;
}

async function roleOfProfile(ctx: RuleContext, accountId: string, region: string, profileArn: string) {
  const name = profileArn.split("/").pop();
  if (!name) return undefined;
  const res = await ctx
    .moto(accountId, region)
    .iam.send(new GetInstanceProfileCommand({ InstanceProfileName: name }))
    .catch(() => undefined);
  return res?.InstanceProfile?.Roles?.[0]?.Arn;
}

/**
 * Each instance's current profile, from its association: moto's DescribeInstances keeps showing the
 * first profile after a ReplaceIamInstanceProfileAssociation.
 */
async function profilesOf(ctx: RuleContext, accountId: string, region: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  let NextToken: string | undefined;
  do {
    const res = await ctx
      .moto(accountId, region)
      .ec2.send(new DescribeIamInstanceProfileAssociationsCommand({ NextToken }));
    for (const a of res.IamInstanceProfileAssociations ?? [])
      if (a.State === "associated" && a.InstanceId && a.IamInstanceProfile?.Arn)
        out.set(a.InstanceId, a.IamInstanceProfile.Arn);
    NextToken = res.NextToken;
  } while (NextToken);
  return out;
}

async function hostOf(
  ctx: RuleContext,
  accountId: string,
  region: string,
  i: Instance,
  profiles: Map<string, string>,
): Promise<Host> {
  const profileArn = profiles.get(i.InstanceId!);
  return {
    accountId,
    region,
    instanceId: i.InstanceId!,
    state: i.State?.Name ?? "unknown",
    launchedAt: i.LaunchTime?.getTime() ?? ctx.now(),
    roleArn: profileArn ? await roleOfProfile(ctx, accountId, region, profileArn) : undefined,
    ...(i.PrivateIpAddress ? { privateIp: i.PrivateIpAddress } : {}),
    ...(i.VpcId ? { vpcId: i.VpcId } : {}),
    tags: Object.fromEntries((i.Tags ?? []).map((t) => [t.Key ?? "", t.Value ?? ""])),
  };
}

/**
 * The instances named (all of the account's in the region when `ids` is undefined), terminated ones
 * left out; an id moto does not know is simply absent.
 */
export async function hostsOf(
  ctx: RuleContext,
  accountId: string,
  region: string,
  ids?: readonly string[],
  filters?: { Name: string; Values: string[] }[],
): Promise<Host[]> {
  const ec2 = ctx.moto(accountId, region).ec2;
  const known = async (wanted?: string[]) =>
    ec2
      .send(new DescribeInstancesCommand({ ...(wanted ? { InstanceIds: wanted } : {}), Filters: filters }))
      .then((r) => (r.Reservations ?? []).flatMap((x) => x.Instances ?? []));
  let instances: Instance[];
  if (ids && ids.length === 0) return [];
  try {
    instances = await known(ids ? [...ids] : undefined);
  } catch {
    // One unknown id fails the whole call: ask one by one and keep those moto knows.
    const each = await Promise.all((ids ?? []).map((id) => known([id]).catch(() => [] as Instance[])));
    instances = each.flat();
  }
  const live = instances.filter((i) => i.InstanceId && i.State?.Name !== "terminated");
  if (live.length === 0) return [];
  const profiles = await profilesOf(ctx, accountId, region);
  return Promise.all(live.map((i) => hostOf(ctx, accountId, region, i, profiles)));
}
