/**
 * isolation-groups: the VPC's untrack and isolation groups (and forensic egress), from the settings or
 * by their standard names; created with the standard names and tags when the baseline is not deployed
 * in this VPC, so a missing prerequisite never blocks containment. Shared by every case of a run.
 *
 * Forensic egress (added to the isolated ENIs while a memory capture or log collection uploads) allows
 * HTTPS to the Region's S3 prefix list and to the security groups of the VPC's SSM interface endpoints,
 * never 0.0.0.0/0 or ::/0. Without those endpoints an isolated host cannot reach SSM at all: the record,
 * the plan and the verification say so.
 */
import {
  AuthorizeSecurityGroupEgressCommand,
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  DescribeManagedPrefixListsCommand,
  DescribeSecurityGroupsCommand,
  DescribeVpcEndpointsCommand,
  type EC2Client,
  type IpPermission,
  RevokeSecurityGroupEgressCommand,
  type SecurityGroup,
} from "@aws-sdk/client-ec2";
import { SESSION_MANAGER_ENDPOINT_SERVICES } from "../../facts/forensic";
import { isolationGroupNames } from "../../facts/names";
import { MANAGED_BY, ROLE_TAG_VALUES, TAG } from "../../facts/tags";
import { isTransientFailure } from "../aws/retry";
import { type CaseContext, type ForensicReach, facts, type IsolationGroups } from "../case/context";
import type { Json, PlannedChange, Step } from "../engine/types";
import { errorName } from "./util";

const ALL_V4: IpPermission = { IpProtocol: "-1", IpRanges: [{ CidrIp: "0.0.0.0/0" }] };
const ALL_V6: IpPermission = { IpProtocol: "-1", Ipv6Ranges: [{ CidrIpv6: "::/0" }] };
const HTTPS = { IpProtocol: "tcp", FromPort: 443, ToPort: 443 } as const;

type Kind = "untrack" | "isolation" | "forensicEgress";
const ROLE: Record<Kind, string> = {
  untrack: ROLE_TAG_VALUES.untrackGroup,
  isolation: ROLE_TAG_VALUES.isolationGroup,
  forensicEgress: ROLE_TAG_VALUES.forensicEgressGroup,
};
const DESCRIPTION: Record<Kind, string> = {
  untrack: "ir: all traffic in and out, so existing flows become untracked before isolation",
  isolation: "ir: no rules at all, the final state of a contained network interface",
  forensicEgress:
    "ir: outbound HTTPS to S3 and the SSM endpoints of the VPC only, for memory and log uploads",
};

/** Endpoint states in which an interface endpoint serves nothing. */
const DEAD_ENDPOINT = new Set(["deleting", "deleted", "failed", "rejected", "expired"]);

/**
 * Where forensic egress may go in this VPC: the Region's AWS-managed S3 prefix list, and the security
 * groups of the VPC's Session Manager interface endpoints (ssm, ssmmessages, ec2messages). SSM's public
 * endpoints are on the internet, which forensic egress never opens: without endpoints in the VPC, an
 * isolated host cannot reach SSM, and the record says so. An endpoint counts only with private DNS on
 * (else the agent resolves the public name) and in a group of its own: the VPC's default group is never
 * referenced (HTTPS to it would reach every instance in that group).
 */
export async function lookUpForensicReach(
  ec2: EC2Client,
  region: string,
  vpcId: string,
): Promise<ForensicReach> {
  const service = (s: string) => `com.amazonaws.${region}.${s}`;
  const [lists, endpoints] = await Promise.all([
    ec2.send(
      new DescribeManagedPrefixListsCommand({
        Filters: [
          { Name: "prefix-list-name", Values: [service("s3")] },
          { Name: "owner-id", Values: ["AWS"] },
        ],
      }),
    ),
    ec2.send(
      new DescribeVpcEndpointsCommand({
        Filters: [
          { Name: "vpc-id", Values: [vpcId] },
          { Name: "service-name", Values: SESSION_MANAGER_ENDPOINT_SERVICES.map(service) },
        ],
      }),
    ),
  ]);
  const s3PrefixListId = (lists.PrefixLists ?? []).find(
    (l) => l.PrefixListName === service("s3"),
  )?.PrefixListId;
  const live = (endpoints.VpcEndpoints ?? []).filter(
    (e) =>
      (e.VpcEndpointType ?? "").toLowerCase() === "interface" &&
      !DEAD_ENDPOINT.has((e.State ?? "").toLowerCase()),
  );
  const groups = new Set<string>();
  const missing: string[] = [];
  const problems: string[] = [];
  for (const s of SESSION_MANAGER_ENDPOINT_SERVICES) {
    const mine = live.filter((e) => e.ServiceName === service(s));
    const dns = mine.filter((e) => e.PrivateDnsEnabled !== false);
    const own = dns.flatMap((e) =>
      (e.Groups ?? []).filter((g) => g.GroupId && g.GroupName !== "default").map((g) => g.GroupId!),
    );
    if (mine.length > 0 && dns.length === 0)
      problems.push(
        `the ${s} endpoint ${mine.map((e) => e.VpcEndpointId).join(", ")} has private DNS off: the agent resolves SSM's public name`,
      );
    else if (dns.length > 0 && own.length === 0)
      problems.push(
        `the ${s} endpoint ${dns.map((e) => e.VpcEndpointId).join(", ")} is in the VPC's default security group (or none): not referenced, HTTPS to it would reach every instance in that group; give the endpoints a group of their own`,
      );
    if (own.length === 0) missing.push(s);
    for (const id of own) groups.add(id);
  }
  if (!s3PrefixListId)
    problems.unshift(
      `the S3 prefix list ${service("s3")} was not found: nothing can be uploaded from an isolated host`,
    );
  if (missing.length > 0)
    problems.push(
      `no usable SSM interface endpoint for ${missing.join(", ")} in ${vpcId}: an isolated host cannot reach SSM (its public endpoints are on the internet, which forensic egress never opens), so the memory capture and the log collection cannot be delivered; create interface endpoints for ssm, ssmmessages and ec2messages with private DNS and a security group of their own (the baseline should)`,
    );
  return {
    ...(s3PrefixListId ? { s3PrefixListId } : {}),
    ssmEndpointGroups: [...groups].sort(),
    ssm: missing.length === 0,
    ...(problems.length > 0 ? { problem: problems.join("; ") } : {}),
  };
}

/**
 * The look-up, for containment: a transient error is thrown (the step runs again), anything else (the
 * responder denied the look-up, say) leaves forensic egress with nothing to open, said in the record,
 * and never blocks the untrack and isolation groups.
 */
function forensicReachOrProblem(ec2: EC2Client, region: string, vpcId: string): Promise<ForensicReach> {
  return lookUpForensicReach(ec2, region, vpcId).catch((err) => {
    if (isTransientFailure(err)) throw err;
    return {
      ssmEndpointGroups: [],
      ssm: false,
      problem: `could not look up the S3 prefix list and the SSM endpoints of ${vpcId} (${errorName(err)}): forensic egress opens nothing`,
    };
  });
}

/** One line for a record or a report: where forensic egress goes, and what it cannot reach. */
export function describeReach(reach: ForensicReach | undefined): string {
  if (!reach) return "forensic egress not looked up";
  const to = [
    ...(reach.s3PrefixListId ? [`S3 (${reach.s3PrefixListId})`] : []),
    ...(reach.ssmEndpointGroups.length > 0
      ? [`the SSM endpoints (${reach.ssmEndpointGroups.join(", ")})`]
      : []),
  ];
  const where = to.length > 0 ? `HTTPS to ${to.join(" and ")} only` : "nothing";
  return `forensic egress: ${where}${reach.problem ? `; ${reach.problem}` : ""}`;
}

/** The parts of rules that reach the whole internet (0.0.0.0/0 or ::/0), each as a revocable rule. */
export function worldRules(perms: IpPermission[] | undefined): IpPermission[] {
  return (perms ?? []).flatMap((p) => {
    const base = {
      IpProtocol: p.IpProtocol,
      ...(p.IpProtocol !== "-1" && p.FromPort !== undefined ? { FromPort: p.FromPort } : {}),
      ...(p.IpProtocol !== "-1" && p.ToPort !== undefined ? { ToPort: p.ToPort } : {}),
    };
    return [
      ...((p.IpRanges ?? []).some((r) => r.CidrIp === "0.0.0.0/0")
        ? [{ ...base, IpRanges: [{ CidrIp: "0.0.0.0/0" }] }]
        : []),
      ...((p.Ipv6Ranges ?? []).some((r) => r.CidrIpv6 === "::/0")
        ? [{ ...base, Ipv6Ranges: [{ CidrIpv6: "::/0" }] }]
        : []),
    ];
  });
}

/** The rules the forensic-egress group lacks: HTTPS to the S3 prefix list and to the endpoints' groups. */
export function missingForensicRules(g: SecurityGroup, reach: ForensicReach): IpPermission[] {
  const https = (g.IpPermissionsEgress ?? []).filter(
    (p) => p.IpProtocol === "tcp" && p.FromPort === 443 && p.ToPort === 443,
  );
  const out: IpPermission[] = [];
  const pl = reach.s3PrefixListId;
  if (pl && !https.some((p) => (p.PrefixListIds ?? []).some((x) => x.PrefixListId === pl)))
    out.push({
      ...HTTPS,
      PrefixListIds: [{ PrefixListId: pl, Description: "ir: https to s3 (evidence uploads)" }],
    });
  const groups = reach.ssmEndpointGroups.filter(
    (id) => !https.some((p) => (p.UserIdGroupPairs ?? []).some((x) => x.GroupId === id)),
  );
  if (groups.length > 0)
    out.push({
      ...HTTPS,
      UserIdGroupPairs: groups.map((GroupId) => ({ GroupId, Description: "ir: https to the ssm endpoints" })),
    });
  return out;
}

async function createGroup(
  ec2: EC2Client,
  vpcId: string,
  kind: Kind,
  name: string,
  reach: ForensicReach,
): Promise<string> {
  let groupId: string;
  try {
    const res = await ec2.send(
      new CreateSecurityGroupCommand({
        GroupName: name,
        Description: DESCRIPTION[kind],
        VpcId: vpcId,
        TagSpecifications: [
          {
            ResourceType: "security-group",
            Tags: [
              { Key: "Name", Value: name },
              { Key: TAG.role, Value: ROLE[kind] },
              { Key: TAG.vpc, Value: vpcId },
              { Key: TAG.managedBy, Value: MANAGED_BY },
            ],
          },
        ],
      }),
    );
    groupId = res.GroupId!;
  } catch (err) {
    if (errorName(err) !== "InvalidGroup.Duplicate") throw err;
    // Another responder created it a moment ago: use theirs.
    const again = await ec2.send(
      new DescribeSecurityGroupsCommand({
        Filters: [
          { Name: "vpc-id", Values: [vpcId] },
          { Name: "group-name", Values: [name] },
        ],
      }),
    );
    return again.SecurityGroups![0]!.GroupId!;
  }
  // A new group has AWS's default egress: all IPv4, and all IPv6 too when the VPC has an IPv6 block.
  // Untrack adds the IPv6 rule (already there: InvalidPermission.Duplicate, fine); the others revoke it
  // (not there: InvalidPermission.NotFound, fine).
  await convergeRules(
    ec2,
    kind,
    {
      GroupId: groupId,
      IpPermissions: [],
      IpPermissionsEgress: kind === "untrack" ? [ALL_V4] : [ALL_V4, ALL_V6],
    },
    reach,
  );
  return groupId;
}

const hasAllV4 = (perms: IpPermission[] | undefined) =>
  (perms ?? []).some(
    (p) => p.IpProtocol === "-1" && (p.IpRanges ?? []).some((r) => r.CidrIp === "0.0.0.0/0"),
  );
const hasAllV6 = (perms: IpPermission[] | undefined) =>
  (perms ?? []).some((p) => p.IpProtocol === "-1" && (p.Ipv6Ranges ?? []).some((r) => r.CidrIpv6 === "::/0"));

/** Adds rules; one already there (AWS's default, another responder's a moment ago) is fine. */
async function authorize(
  ec2: EC2Client,
  direction: "ingress" | "egress",
  GroupId: string,
  perms: IpPermission[],
): Promise<void> {
  const send = (IpPermissions: IpPermission[]): Promise<unknown> =>
    direction === "ingress"
      ? ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId, IpPermissions }))
      : ec2.send(new AuthorizeSecurityGroupEgressCommand({ GroupId, IpPermissions }));
  const duplicate = (err: unknown) => {
    if (errorName(err) !== "InvalidPermission.Duplicate") throw err;
  };
  await send(perms).catch(async (err) => {
    duplicate(err);
    // The whole call is refused for one duplicate: add the others one by one.
    if (perms.length > 1) await Promise.all(perms.map((p) => send([p]).catch(duplicate)));
  });
}

/**
 * Brings a group's rules to what its kind needs, adding or removing only what differs. Run on creation
 * and on every group found by name: a responder killed between CreateSecurityGroup and its rules (or a
 * reset after the create took effect) left a group that the next run must finish, not trust. The
 * isolation and forensic-egress groups never keep a rule to the whole internet, over IPv4 or IPv6
 * (a group made by an older version allowed HTTPS to 0.0.0.0/0: it is removed here).
 */
async function convergeRules(
  ec2: EC2Client,
  kind: Kind,
  g: SecurityGroup,
  reach: ForensicReach,
): Promise<void> {
  await convergeRulesOf(ec2, kind, g, reach).catch((err) => {
    // The responder may change rules only on the project's groups (ir:role): a group found by name
    // without the tag (made by hand, or by a version that did not tag) is refused; say how to adopt it.
    const untagged = g.Tags !== undefined && !g.Tags.some((t) => t.Key === TAG.role);
    if (errorName(err) !== "UnauthorizedOperation" || !untagged) throw err;
    throw new Error(
      `security group ${g.GroupId} (${g.GroupName}) has the ${kind} group's name but no ${TAG.role} tag, and the responder may change rules only on the project's groups: tag it (aws ec2 create-tags --resources ${g.GroupId} --tags Key=${TAG.role},Value=${ROLE[kind]}) or delete it, then run again`,
    );
  });
}

async function convergeRulesOf(
  ec2: EC2Client,
  kind: Kind,
  g: SecurityGroup,
  reach: ForensicReach,
): Promise<void> {
  const GroupId = g.GroupId!;
  if (kind === "untrack") {
    const ingress = [
      ...(hasAllV4(g.IpPermissions) ? [] : [ALL_V4]),
      ...(hasAllV6(g.IpPermissions) ? [] : [ALL_V6]),
    ];
    const egress = [
      ...(hasAllV4(g.IpPermissionsEgress) ? [] : [ALL_V4]),
      ...(hasAllV6(g.IpPermissionsEgress) ? [] : [ALL_V6]),
    ];
    await Promise.all([
      ...(ingress.length > 0 ? [authorize(ec2, "ingress", GroupId, ingress)] : []),
      ...(egress.length > 0 ? [authorize(ec2, "egress", GroupId, egress)] : []),
    ]);
    return;
  }
  const add = kind === "forensicEgress" ? missingForensicRules(g, reach) : [];
  await Promise.all([
    // One call per rule: a rule already gone (or absent, as IPv6 in a VPC without it) fails alone.
    ...worldRules(g.IpPermissionsEgress).map((p) =>
      ec2.send(new RevokeSecurityGroupEgressCommand({ GroupId, IpPermissions: [p] })).catch((err) => {
        if (errorName(err) !== "InvalidPermission.NotFound") throw err;
      }),
    ),
    ...(add.length > 0 ? [authorize(ec2, "egress", GroupId, add)] : []),
  ]);
}

const allowsAll = (perms: IpPermission[] | undefined) =>
  (perms ?? []).some(
    (p) => p.IpProtocol === "-1" && (p.IpRanges ?? []).some((r) => r.CidrIp === "0.0.0.0/0"),
  ) &&
  (perms ?? []).some((p) => p.IpProtocol === "-1" && (p.Ipv6Ranges ?? []).some((r) => r.CidrIpv6 === "::/0"));

/** Checks the groups' rules: untrack allows everything both ways, isolation nothing. */
export function checkGroupRules(untrack?: SecurityGroup, isolation?: SecurityGroup): string | undefined {
  if (!untrack) return "the untrack group does not exist";
  if (!isolation) return "the isolation group does not exist";
  if (!allowsAll(untrack.IpPermissions) || !allowsAll(untrack.IpPermissionsEgress)) {
    return `untrack group ${untrack.GroupId} must allow all traffic in and out (0.0.0.0/0 and ::/0) or flows stay tracked`;
  }
  if ((isolation.IpPermissions ?? []).length > 0 || (isolation.IpPermissionsEgress ?? []).length > 0) {
    return `isolation group ${isolation.GroupId} has rules: it must have none`;
  }
  return undefined;
}

/** The groups of one VPC as they are: by the configured ids, else by their standard names. */
function describeGroups(
  ec2: EC2Client,
  vpcId: string,
  configured: { untrack: string; isolation: string; forensicEgress?: string } | undefined,
) {
  return ec2.send(
    new DescribeSecurityGroupsCommand(
      configured
        ? {
            GroupIds: [configured.untrack, configured.isolation, configured.forensicEgress].filter(
              (id): id is string => Boolean(id),
            ),
          }
        : {
            Filters: [
              { Name: "vpc-id", Values: [vpcId] },
              { Name: "group-name", Values: Object.values(isolationGroupNames(vpcId)) },
            ],
          },
    ),
  );
}

/** Finds or creates the groups of one VPC; memoised per VPC for the run (many cases, one VPC). */
export class IsolationGroupResolver {
  private readonly byVpc = new Map<string, Promise<IsolationGroups>>();

  ensure(ctx: Pick<CaseContext, "clients" | "settings">, vpcId: string): Promise<IsolationGroups> {
    let p = this.byVpc.get(vpcId);
    if (!p) {
      p = this.load(ctx, vpcId);
      p.catch(() => this.byVpc.delete(vpcId));
      this.byVpc.set(vpcId, p);
    }
    return p;
  }

  private async load(
    ctx: Pick<CaseContext, "clients" | "settings">,
    vpcId: string,
  ): Promise<IsolationGroups> {
    const ec2 = ctx.clients.ec2;
    const names = isolationGroupNames(vpcId);
    const configured = ctx.settings.isolationGroups[vpcId];
    // The groups and where forensic egress may go, in one round trip.
    const [res, reach] = await Promise.all([
      describeGroups(ec2, vpcId, configured),
      forensicReachOrProblem(ec2, ctx.clients.region, vpcId),
    ]);
    const found = new Map<Kind, string>();
    const existing: [Kind, SecurityGroup][] = [];
    for (const g of res.SecurityGroups ?? []) {
      for (const kind of Object.keys(names) as Kind[]) {
        if (configured ? configured[kind] === g.GroupId : names[kind] === g.GroupName) {
          found.set(kind, g.GroupId!);
          existing.push([kind, g]);
        }
      }
    }
    await Promise.all(existing.map(([kind, g]) => convergeRules(ec2, kind, g, reach)));
    const created: string[] = [];
    await Promise.all(
      (["untrack", "isolation", "forensicEgress"] as Kind[])
        .filter((k) => !found.has(k))
        .map(async (k) => {
          const id = await createGroup(ec2, vpcId, k, names[k], reach);
          found.set(k, id);
          created.push(`${names[k]} (${id})`);
        }),
    );
    return {
      untrack: found.get("untrack")!,
      isolation: found.get("isolation")!,
      ...(found.get("forensicEgress") ? { forensicEgress: found.get("forensicEgress")! } : {}),
      created,
      forensicReach: reach,
    };
  }
}

export function isolationGroupsStep(resolver: IsolationGroupResolver): Step<CaseContext> {
  return {
    id: "isolation-groups",
    title: "Find (or create) the VPC's untrack and isolation groups",
    needs: ["discover"],
    purpose: "containment",
    effect: "prerequisites",
    async plan(ctx) {
      const vpcId = facts(ctx).vpcId;
      const names = isolationGroupNames(vpcId);
      const [res, reach] = await Promise.all([
        ctx.clients.ec2.send(
          new DescribeSecurityGroupsCommand({
            Filters: [
              { Name: "vpc-id", Values: [vpcId] },
              { Name: "group-name", Values: Object.values(names) },
            ],
          }),
        ),
        forensicReachOrProblem(ctx.clients.ec2, ctx.clients.region, vpcId),
      ]);
      const have = new Set((res.SecurityGroups ?? []).map((g) => g.GroupName));
      const configured = ctx.settings.isolationGroups[vpcId];
      const forensic = (res.SecurityGroups ?? []).find((g) =>
        configured?.forensicEgress
          ? g.GroupId === configured.forensicEgress
          : g.GroupName === names.forensicEgress,
      );
      return [
        ...(configured
          ? []
          : Object.values(names)
              .filter((n) => !have.has(n))
              .map((n) => ({
                action: "ec2:CreateSecurityGroup",
                target: vpcId,
                detail: `create missing group "${n}" (the baseline is not deployed in ${vpcId})`,
              }))),
        ...forensicPlan(vpcId, names.forensicEgress, forensic, reach),
      ];
    },
    async run(ctx) {
      const g = await resolver.ensure(ctx, facts(ctx).vpcId);
      const notes = [
        ...(g.created.length > 0 ? [`created missing groups: ${g.created.join(", ")}`] : []),
        ...(g.forensicReach?.problem ? [describeReach(g.forensicReach)] : []),
      ];
      return {
        status: "done",
        ...(notes.length > 0 ? { reason: notes.join("; ") } : {}),
        record: g as unknown as Json,
      };
    },
    async verify(ctx, record) {
      const g = record as unknown as IsolationGroups;
      const res = await ctx.clients.ec2.send(
        new DescribeSecurityGroupsCommand({ GroupIds: [g.untrack, g.isolation] }),
      );
      const byId = new Map((res.SecurityGroups ?? []).map((s) => [s.GroupId, s]));
      const problem = checkGroupRules(byId.get(g.untrack), byId.get(g.isolation));
      const reach = g.forensicReach ? `; ${describeReach(g.forensicReach)}` : "";
      return problem
        ? { ok: false, detail: problem }
        : {
            ok: true,
            detail:
              g.created.length > 0
                ? `created (baseline missing in this VPC): ${g.created.join(", ")}${reach}`
                : `untrack ${g.untrack}, isolation ${g.isolation}${reach}`,
          };
    },
  };
}

const showRule = (p: IpPermission) =>
  `${p.IpProtocol === "-1" ? "all traffic" : `${p.IpProtocol} ${p.FromPort}-${p.ToPort}`} to ${[
    ...(p.IpRanges ?? []).map((r) => r.CidrIp),
    ...(p.Ipv6Ranges ?? []).map((r) => r.CidrIpv6),
  ].join(", ")}`;

/** What the run would change in the forensic-egress group, and what an isolated host could not reach. */
function forensicPlan(
  vpcId: string,
  name: string,
  g: SecurityGroup | undefined,
  reach: ForensicReach,
): PlannedChange[] {
  const target = g?.GroupId ?? name;
  const world = g ? worldRules(g.IpPermissionsEgress) : [];
  const add = missingForensicRules(g ?? { IpPermissionsEgress: [ALL_V4] }, reach);
  const to = add.flatMap((p) => [
    ...(p.PrefixListIds ?? []).map((x) => `S3 (${x.PrefixListId})`),
    ...((p.UserIdGroupPairs ?? []).length > 0
      ? [`the SSM endpoints (${(p.UserIdGroupPairs ?? []).map((x) => x.GroupId).join(", ")})`]
      : []),
  ]);
  return [
    ...(world.length > 0
      ? [
          {
            action: "ec2:RevokeSecurityGroupEgress",
            target,
            detail: `remove egress to the whole internet (${world.map(showRule).join("; ")}): forensic egress never reaches 0.0.0.0/0 or ::/0`,
          },
        ]
      : []),
    ...(add.length > 0
      ? [{ action: "ec2:AuthorizeSecurityGroupEgress", target, detail: `allow HTTPS to ${to.join(" and ")}` }]
      : []),
    ...(reach.problem
      ? [{ action: "ec2:DescribeVpcEndpoints", target: vpcId, detail: `forensic egress: ${reach.problem}` }]
      : []),
  ];
}
