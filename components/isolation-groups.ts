/**
 * Isolation groups of one protected VPC: "untrack" (all traffic in and out, IPv4 and IPv6, so the
 * flows of an ENI moved there become untracked and die when it moves on), "isolation" (no rules at
 * all) and "forensic-egress" (outbound HTTPS only to the Region's S3 prefix list and the SSM
 * endpoints, for memory capture and log collection; never 0.0.0.0/0 or ::/0, whatever the arguments).
 * Names come from `isolationGroupNames(vpcId)` and every group is tagged `ir:role` and `ir:vpc`, so the
 * responder finds them without guessing. Rules are inline, so any rule added by hand is removed on
 * the next `pulumi up`.
 *
 * An isolated host reaches SSM only through interface endpoints (ssm, ssmmessages, ec2messages) in its
 * VPC: SSM's public endpoints are on the internet, which forensic egress never opens. Without them the
 * memory capture and the log collection cannot be delivered (a warning says so at `pulumi up`; the
 * responder's isolation-groups step says so in its record). The responder also adds HTTPS to the
 * endpoints' own security groups it finds in the VPC at containment time.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { isolationGroupNames, MANAGED_BY, POLICY, policyExemptionTag, ROLE_TAG_VALUES, TAG } from "../facts";
import { checkIfPlain, validateCidr, validateVpcId } from "./validation";

export interface IsolationGroupsArgs {
  /** The protected VPC (a plain id: group names are derived from it). */
  vpcId: string;
  /**
   * The Region's AWS-managed S3 prefix list (`pl-...`, the one S3 gateway endpoints route) the
   * capture uploads to.
   * @default looked up by name (com.amazonaws.<region>.s3, owner AWS) with DescribeManagedPrefixLists
   */
  s3PrefixListId?: pulumi.Input<string>;
  /**
   * Security groups of the VPC's SSM, SSM Messages and EC2 Messages interface endpoints: the
   * forensic-egress group allows HTTPS to them. Give the endpoints a group of their own: HTTPS to a
   * group reaches every network interface in it.
   * @default []
   */
  ssmEndpointSecurityGroupIds?: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * CIDR blocks of the SSM endpoints (alternative to their security groups; e.g. endpoints shared
   * from a central VPC), from /16 (the largest VPC block) to /32. Never 0.0.0.0/0: there is no option
   * to reach SSM's public endpoints over the internet from an isolated host.
   * @default []
   */
  ssmEndpointCidrs?: pulumi.Input<pulumi.Input<string>[]>;
  /** @default {} */
  tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

const UNTRACK_REASON =
  "incident-response untrack group: it must allow all traffic in and out (IPv4 and IPv6) so that a contained ENI's existing flows become untracked; it is attached only for seconds during containment";
/** Exemption tags of the untrack group, one per security-group exposure policy. */
export const UNTRACK_EXEMPTIONS = Object.fromEntries(
  [
    POLICY.sgAllTrafficOpenToWorld,
    POLICY.sgAdminPortsOpenToWorld,
    POLICY.sgDatabasePortsOpenToWorld,
    POLICY.sgEgressAllToWorld,
  ].map((policy) => [policyExemptionTag(policy), UNTRACK_REASON]),
);

export class IsolationGroups extends pulumi.ComponentResource {
  public readonly vpcId: string;
  public readonly untrackGroupId: pulumi.Output<string>;
  public readonly isolationGroupId: pulumi.Output<string>;
  public readonly forensicEgressGroupId: pulumi.Output<string>;
  /** The three ids in the `IsolationGroupIds` shape of facts/responder-settings.ts. */
  public readonly ids: pulumi.Output<{ untrack: string; isolation: string; forensicEgress: string }>;

  constructor(name: string, args: IsolationGroupsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("incident-ready:forensics:IsolationGroups", name, {}, opts);
    validateVpcId(args.vpcId, "protected vpc id");
    checkIfPlain(args.ssmEndpointCidrs, (v: string) => validateCidr(v, "ssm endpoint cidr", 16, 32));
    const p = { parent: this };
    const names = isolationGroupNames(args.vpcId);
    const tags = (role: string, groupName: string) =>
      pulumi.output(args.tags ?? {}).apply((t) => ({
        ...t,
        Name: groupName,
        [TAG.role]: role,
        [TAG.vpc]: args.vpcId,
        [TAG.managedBy]: MANAGED_BY,
      }));

    const everything = {
      protocol: "-1",
      fromPort: 0,
      toPort: 0,
      cidrBlocks: ["0.0.0.0/0"],
      ipv6CidrBlocks: ["::/0"],
    };
    const untrack = new aws.ec2.SecurityGroup(
      `${name}-untrack`,
      {
        name: names.untrack,
        description: "ir: all traffic in and out, makes existing flows untracked before isolation",
        vpcId: args.vpcId,
        ingress: [{ ...everything, description: "all (untracks existing flows)" }],
        egress: [{ ...everything, description: "all (untracks existing flows)" }],
        revokeRulesOnDelete: true,
        // Open by design: the policy pack sees why in explicit exemption tags (and reports them as advisory).
        tags: tags(ROLE_TAG_VALUES.untrackGroup, names.untrack).apply((t) => ({
          ...t,
          ...UNTRACK_EXEMPTIONS,
        })),
      },
      p,
    );
    const isolation = new aws.ec2.SecurityGroup(
      `${name}-isolation`,
      {
        name: names.isolation,
        description: "ir: no rules, contained instances",
        vpcId: args.vpcId,
        ingress: [],
        egress: [],
        revokeRulesOnDelete: true,
        tags: tags(ROLE_TAG_VALUES.isolationGroup, names.isolation),
      },
      p,
    );

    const region = aws.getRegionOutput({}, p).region;
    const s3PrefixList =
      args.s3PrefixListId ??
      aws.ec2.getManagedPrefixListOutput(
        {
          name: pulumi.interpolate`com.amazonaws.${region}.s3`,
          filters: [{ name: "owner-id", values: ["AWS"] }],
        },
        p,
      ).id;
    const egress = pulumi
      .all([
        pulumi.output(s3PrefixList),
        pulumi.output(args.ssmEndpointSecurityGroupIds ?? []),
        pulumi.output(args.ssmEndpointCidrs ?? []),
      ])
      .apply(([pl, groups, cidrs]) => {
        for (const c of cidrs as string[]) validateCidr(c, "ssm endpoint cidr", 16, 32);
        const https = { protocol: "tcp", fromPort: 443, toPort: 443 };
        const rules: aws.types.input.ec2.SecurityGroupEgress[] = [
          { ...https, prefixListIds: [pl], description: "https to s3 (prefix list)" },
        ];
        if (groups.length > 0)
          rules.push({ ...https, securityGroups: groups as string[], description: "https to ssm endpoints" });
        if (cidrs.length > 0)
          rules.push({ ...https, cidrBlocks: cidrs as string[], description: "https to ssm endpoints" });
        return rules;
      });
    if (args.ssmEndpointSecurityGroupIds === undefined && args.ssmEndpointCidrs === undefined)
      pulumi.log.warn(
        `forensic-egress group of ${args.vpcId} allows https to s3 only: an isolated host reaches ssm only ` +
          "through interface endpoints in its vpc (forensic egress never opens the internet), so memory " +
          "capture and log collection cannot be delivered there: create interface endpoints for ssm, " +
          "ssmmessages and ec2messages (private dns, a security group of their own) and pass " +
          "ssmEndpointSecurityGroupIds or ssmEndpointCidrs; the responder adds https to endpoint groups it finds",
        this,
      );
    const forensicEgress = new aws.ec2.SecurityGroup(
      `${name}-forensic-egress`,
      {
        name: names.forensicEgress,
        description: "ir: outbound https to s3 and ssm endpoints only, memory capture after isolation",
        vpcId: args.vpcId,
        ingress: [],
        egress,
        revokeRulesOnDelete: true,
        tags: tags(ROLE_TAG_VALUES.forensicEgressGroup, names.forensicEgress),
      },
      p,
    );

    this.vpcId = args.vpcId;
    this.untrackGroupId = untrack.id;
    this.isolationGroupId = isolation.id;
    this.forensicEgressGroupId = forensicEgress.id;
    this.ids = pulumi
      .all([untrack.id, isolation.id, forensicEgress.id])
      .apply(([u, i, f]) => ({ untrack: u, isolation: i, forensicEgress: f }));
    this.registerOutputs({ vpcId: this.vpcId, ids: this.ids });
  }
}
