/**
 * Isolation groups of one protected VPC: "untrack" (all traffic in and out, IPv4 and IPv6, so the
 * flows of an ENI moved there become untracked and die when it moves on), "isolation" (no rules at
 * all) and "forensic-egress" (outbound HTTPS only to S3 and the SSM endpoints, for memory capture).
 * Names come from `isolationGroupNames(vpcId)` and every group is tagged `ir:role` and `ir:vpc`, so the
 * responder finds them without guessing. Rules are inline, so any rule added by hand is removed on
 * the next `pulumi up`.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { isolationGroupNames, MANAGED_BY, POLICY, policyExemptionTag, ROLE_TAG_VALUES, TAG } from "../facts";
import { checkIfPlain, validateCidr, validateVpcId } from "./validation";

export interface IsolationGroupsArgs {
  /** The protected VPC (a plain id: group names are derived from it). */
  vpcId: string;
  /**
   * Managed prefix list of the S3 gateway endpoint (`pl-...`) the capture uploads through.
   * @default looked up: com.amazonaws.<region>.s3
   */
  s3PrefixListId?: pulumi.Input<string>;
  /**
   * Security groups of the VPC's SSM, SSM Messages and EC2 Messages interface endpoints: the
   * forensic-egress group allows HTTPS to them.
   * @default []
   */
  ssmEndpointSecurityGroupIds?: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * CIDR blocks of the SSM endpoints (alternative to their security groups).
   * @default []
   */
  ssmEndpointCidrs?: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * For a VPC without SSM interface endpoints: allow outbound HTTPS to anywhere, so the SSM agent can
   * reach the public SSM endpoints through the VPC's NAT or internet gateway. This weakens isolation
   * (an implant can reach any HTTPS server while the forensic-egress group is attached); prefer
   * creating the endpoints.
   * @default false
   */
  ssmOverInternet?: boolean;
  /** @default {} */
  tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

const UNTRACK_REASON =
  "incident-response untrack group: it must allow all traffic in and out (IPv4 and IPv6) so that a contained ENI's existing flows become untracked; it is attached only for seconds during containment";
/** Exemption tags of the untrack group, one per security-group exposure policy. */
export const UNTRACK_EXEMPTIONS = Object.fromEntries(
  [POLICY.sgAllTrafficOpenToWorld, POLICY.sgAdminPortsOpenToWorld, POLICY.sgDatabasePortsOpenToWorld].map(
    (policy) => [policyExemptionTag(policy), UNTRACK_REASON],
  ),
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
    checkIfPlain(args.ssmEndpointCidrs, (v: string) => validateCidr(v, "ssm endpoint cidr", 0, 32));
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
      aws.ec2.getPrefixListOutput({ name: pulumi.interpolate`com.amazonaws.${region}.s3` }, p).id;
    const egress = pulumi
      .all([
        pulumi.output(s3PrefixList),
        pulumi.output(args.ssmEndpointSecurityGroupIds ?? []),
        pulumi.output(args.ssmEndpointCidrs ?? []),
      ])
      .apply(([pl, groups, cidrs]) => {
        const https = { protocol: "tcp", fromPort: 443, toPort: 443 };
        const rules: aws.types.input.ec2.SecurityGroupEgress[] = [
          { ...https, prefixListIds: [pl], description: "https to s3 (gateway endpoint)" },
        ];
        if (groups.length > 0)
          rules.push({ ...https, securityGroups: groups as string[], description: "https to ssm endpoints" });
        if (args.ssmOverInternet)
          rules.push({
            ...https,
            cidrBlocks: ["0.0.0.0/0"],
            description: "https anywhere: ssm without endpoints",
          });
        if (cidrs.length > 0)
          rules.push({ ...https, cidrBlocks: cidrs as string[], description: "https to ssm endpoints" });
        return rules;
      });
    if (
      args.ssmEndpointSecurityGroupIds === undefined &&
      args.ssmEndpointCidrs === undefined &&
      !args.ssmOverInternet
    )
      pulumi.log.warn(
        `forensic-egress group of ${args.vpcId} allows only s3: memory capture over ssm needs the vpc's ssm ` +
          "endpoints: set ssmEndpointSecurityGroupIds or ssmEndpointCidrs (or ssmOverInternet, weaker)",
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
