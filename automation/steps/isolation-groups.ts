/**
 * isolation-groups: the VPC's untrack and isolation groups (and forensic egress), from the settings or
 * by their standard names; created with the standard names and tags when the baseline is not deployed
 * in this VPC, so a missing prerequisite never blocks containment. Shared by every case of a run.
 */
import {
  AuthorizeSecurityGroupEgressCommand,
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  DescribeSecurityGroupsCommand,
  type EC2Client,
  type IpPermission,
  RevokeSecurityGroupEgressCommand,
  type SecurityGroup,
} from "@aws-sdk/client-ec2";
import { isolationGroupNames } from "../../facts/names";
import { MANAGED_BY, ROLE_TAG_VALUES, TAG } from "../../facts/tags";
import { type CaseContext, facts, type IsolationGroups } from "../case/context";
import type { Json, Step } from "../engine/types";
import { errorName } from "./util";

const ALL_V4: IpPermission = { IpProtocol: "-1", IpRanges: [{ CidrIp: "0.0.0.0/0" }] };
const ALL_V6: IpPermission = { IpProtocol: "-1", Ipv6Ranges: [{ CidrIpv6: "::/0" }] };

type Kind = "untrack" | "isolation" | "forensicEgress";
const ROLE: Record<Kind, string> = {
  untrack: ROLE_TAG_VALUES.untrackGroup,
  isolation: ROLE_TAG_VALUES.isolationGroup,
  forensicEgress: ROLE_TAG_VALUES.forensicEgressGroup,
};
const DESCRIPTION: Record<Kind, string> = {
  untrack: "ir: all traffic in and out, so existing flows become untracked before isolation",
  isolation: "ir: no rules at all, the final state of a contained network interface",
  forensicEgress: "ir: outbound HTTPS only, so an isolated host can upload a memory capture",
};

async function createGroup(ec2: EC2Client, vpcId: string, kind: Kind, name: string): Promise<string> {
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
  // A new group has AWS's default egress (all IPv4) and nothing else.
  await convergeRules(ec2, kind, { GroupId: groupId, IpPermissions: [], IpPermissionsEgress: [ALL_V4] });
  return groupId;
}

const hasAllV4 = (perms: IpPermission[] | undefined) =>
  (perms ?? []).some(
    (p) => p.IpProtocol === "-1" && (p.IpRanges ?? []).some((r) => r.CidrIp === "0.0.0.0/0"),
  );
const hasAllV6 = (perms: IpPermission[] | undefined) =>
  (perms ?? []).some((p) => p.IpProtocol === "-1" && (p.Ipv6Ranges ?? []).some((r) => r.CidrIpv6 === "::/0"));
const hasHttpsOut = (perms: IpPermission[] | undefined) =>
  (perms ?? []).some((p) => p.IpProtocol === "tcp" && p.FromPort === 443 && p.ToPort === 443);

/**
 * Brings a group's rules to what its kind needs, adding or removing only what differs. Run on creation
 * and on every group found by name: a responder killed between CreateSecurityGroup and its rules (or a
 * reset after the create took effect) left a group that the next run must finish, not trust.
 */
async function convergeRules(ec2: EC2Client, kind: Kind, g: SecurityGroup): Promise<void> {
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
    if (ingress.length > 0)
      await ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId, IpPermissions: ingress }));
    if (egress.length > 0)
      await ec2.send(new AuthorizeSecurityGroupEgressCommand({ GroupId, IpPermissions: egress }));
    return;
  }
  if (hasAllV4(g.IpPermissionsEgress))
    await ec2.send(new RevokeSecurityGroupEgressCommand({ GroupId, IpPermissions: [ALL_V4] }));
  if (kind === "forensicEgress" && !hasHttpsOut(g.IpPermissionsEgress))
    await ec2.send(
      new AuthorizeSecurityGroupEgressCommand({
        GroupId,
        IpPermissions: [
          { IpProtocol: "tcp", FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: "0.0.0.0/0" }] },
        ],
      }),
    );
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
    const res = await ec2.send(
      new DescribeSecurityGroupsCommand(
        configured
          ? {
              GroupIds: [configured.untrack, configured.isolation, configured.forensicEgress].filter(Boolean),
            }
          : {
              Filters: [
                { Name: "vpc-id", Values: [vpcId] },
                { Name: "group-name", Values: Object.values(names) },
              ],
            },
      ),
    );
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
    await Promise.all(existing.map(([kind, g]) => convergeRules(ec2, kind, g)));
    const created: string[] = [];
    await Promise.all(
      (["untrack", "isolation", "forensicEgress"] as Kind[])
        .filter((k) => !found.has(k))
        .map(async (k) => {
          const id = await createGroup(ec2, vpcId, k, names[k]);
          found.set(k, id);
          created.push(`${names[k]} (${id})`);
        }),
    );
    return {
      untrack: found.get("untrack")!,
      isolation: found.get("isolation")!,
      ...(found.get("forensicEgress") ? { forensicEgress: found.get("forensicEgress")! } : {}),
      created,
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
      const res = await ctx.clients.ec2.send(
        new DescribeSecurityGroupsCommand({
          Filters: [
            { Name: "vpc-id", Values: [vpcId] },
            { Name: "group-name", Values: Object.values(names) },
          ],
        }),
      );
      const have = new Set((res.SecurityGroups ?? []).map((g) => g.GroupName));
      const configured = ctx.settings.isolationGroups[vpcId];
      return configured
        ? []
        : Object.values(names)
            .filter((n) => !have.has(n))
            .map((n) => ({
              action: "ec2:CreateSecurityGroup",
              target: vpcId,
              detail: `create missing group "${n}" (the baseline is not deployed in ${vpcId})`,
            }));
    },
    async run(ctx) {
      const g = await resolver.ensure(ctx, facts(ctx).vpcId);
      return {
        status: "done",
        ...(g.created.length > 0 ? { reason: `created missing groups: ${g.created.join(", ")}` } : {}),
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
      return problem
        ? { ok: false, detail: problem }
        : {
            ok: true,
            detail:
              g.created.length > 0
                ? `created (baseline missing in this VPC): ${g.created.join(", ")}`
                : `untrack ${g.untrack}, isolation ${g.isolation}`,
          };
    },
  };
}
