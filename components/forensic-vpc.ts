/**
 * Forensic VPC: where investigation workstations run and the forensic AMI is built. No internet
 * gateway, no NAT, no route to 0.0.0.0/0; private subnets in several AZs; interface endpoints for
 * Session Manager, EC2, KMS, Logs, STS and Image Builder and a gateway endpoint for S3, with endpoint
 * policies limited to this account where AWS supports them; a workstation security group with no
 * inbound rule and HTTPS out to the endpoints only; an SSM-only workstation instance profile.
 * Flow logs are attached by the baseline's flow-log component (it covers every VPC we create).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { MANAGED_BY, TAG } from "../facts";
import {
  FORENSIC_INTERFACE_ENDPOINT_SERVICES,
  FORENSIC_WORKSTATION_ROLE_NAME,
  SESSION_MANAGER_ENDPOINT_SERVICES,
} from "../facts/forensic";
import { endpointPolicy, s3EndpointPolicy, splitCidr } from "./forensic-vpc-policies";
import { checkIfPlain, validateAzCount, validateCidr } from "./validation";

export interface ForensicVpcArgs {
  /** IPv4 CIDR of the VPC (/16 to /24); subnets are carved out of it. @default "10.99.0.0/16" */
  cidrBlock?: string;
  /** Number of private subnets, one per availability zone (at least 2). @default 2 */
  azCount?: number;
  /** Availability zones to use. @default the first `azCount` available zones of the region */
  availabilityZones?: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * Interface endpoint services (suffixes of com.amazonaws.<region>.). Must include ssm, ssmmessages
   * and ec2messages (Session Manager).
   * @default FORENSIC_INTERFACE_ENDPOINT_SERVICES (ec2, ec2messages, imagebuilder, kms, logs, ssm, ssmmessages, sts)
   */
  interfaceEndpointServices?: string[];
  /**
   * Extra S3 object ARNs (outside this account) the S3 endpoint lets instances read, e.g. a
   * vendor's package bucket. AWS-owned buckets that SSM and Amazon Linux need are always allowed.
   * @default []
   */
  extraS3ObjectArns?: pulumi.Input<pulumi.Input<string>[]>;
  /** Managed policy ARNs added to the workstation role besides AmazonSSMManagedInstanceCore. @default [] */
  workstationPolicyArns?: pulumi.Input<string>[];
  /** @default {} */
  tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

export class ForensicVpc extends pulumi.ComponentResource {
  public readonly vpcId: pulumi.Output<string>;
  public readonly cidrBlock: string;
  public readonly subnetIds: pulumi.Output<string[]>;
  public readonly routeTableId: pulumi.Output<string>;
  public readonly endpointSecurityGroupId: pulumi.Output<string>;
  public readonly workstationSecurityGroupId: pulumi.Output<string>;
  public readonly workstationInstanceProfileName: pulumi.Output<string>;
  public readonly workstationRoleArn: pulumi.Output<string>;
  public readonly s3PrefixListId: pulumi.Output<string>;
  /** Interface endpoint ids by service suffix. */
  public readonly interfaceEndpointIds: Record<string, pulumi.Output<string>>;

  constructor(name: string, args: ForensicVpcArgs = {}, opts?: pulumi.ComponentResourceOptions) {
    super("incident-ready:forensics:ForensicVpc", name, {}, opts);
    const cidr = validateCidr(args.cidrBlock ?? "10.99.0.0/16", "forensic vpc cidr", 16, 24);
    const azCount = validateAzCount(args.azCount ?? 2, "forensic vpc availability zone count");
    const services = validateEndpointServices(
      args.interfaceEndpointServices ?? [...FORENSIC_INTERFACE_ENDPOINT_SERVICES],
    );
    checkIfPlain(args.availabilityZones, (z: string) => {
      if (!/^[a-z]{2}(-[a-z]+)+-\d[a-z]$/.test(z))
        throw new Error(
          `forensic vpc availability zone "${z}" is not valid: expected a zone name such as us-east-1a`,
        );
    });
    const p = { parent: this };
    const account = aws.getCallerIdentityOutput({}, p).accountId;
    const region = aws.getRegionOutput({}, p).region;
    const tags = (extra: Record<string, string> = {}) =>
      pulumi.output(args.tags ?? {}).apply((t) => ({ ...t, ...extra, [TAG.managedBy]: MANAGED_BY }));

    const vpc = new aws.ec2.Vpc(
      `${name}-vpc`,
      {
        cidrBlock: cidr,
        enableDnsSupport: true,
        enableDnsHostnames: true,
        tags: tags({ Name: `${name}-forensic` }),
      },
      p,
    );
    // The default route table and security group are left empty, so nothing placed there by mistake talks.
    new aws.ec2.DefaultRouteTable(
      `${name}-default-rt`,
      { defaultRouteTableId: vpc.defaultRouteTableId, routes: [], tags: tags({ Name: `${name}-default` }) },
      p,
    );
    new aws.ec2.DefaultSecurityGroup(
      `${name}-default-sg`,
      { vpcId: vpc.id, ingress: [], egress: [], tags: tags({ Name: `${name}-default` }) },
      p,
    );

    const zones = args.availabilityZones
      ? pulumi.output(args.availabilityZones)
      : aws.getAvailabilityZonesOutput({ state: "available" }, p).names;
    const checkedZones = zones.apply((z) => {
      if (z.length < azCount)
        throw new Error(
          `forensic vpc needs ${azCount} availability zones but only ${z.length} are available: lower azCount`,
        );
      return z;
    });
    const routeTable = new aws.ec2.RouteTable(
      `${name}-private-rt`,
      { vpcId: vpc.id, tags: tags({ Name: `${name}-private` }) },
      p,
    );
    const cidrs = splitCidr(cidr, azCount);
    const subnets = cidrs.map((subnetCidr, i) => {
      const subnet = new aws.ec2.Subnet(
        `${name}-private-${i}`,
        {
          vpcId: vpc.id,
          cidrBlock: subnetCidr,
          availabilityZone: checkedZones.apply((z) => z[i]!),
          mapPublicIpOnLaunch: false,
          tags: tags({ Name: `${name}-private-${i}` }),
        },
        p,
      );
      new aws.ec2.RouteTableAssociation(
        `${name}-private-${i}`,
        { subnetId: subnet.id, routeTableId: routeTable.id },
        p,
      );
      return subnet;
    });

    const endpointSg = new aws.ec2.SecurityGroup(
      `${name}-endpoints`,
      {
        vpcId: vpc.id,
        description: "ir forensic vpc: interface endpoints, https from the vpc",
        ingress: [
          {
            protocol: "tcp",
            fromPort: 443,
            toPort: 443,
            cidrBlocks: [cidr],
            description: "https from the vpc",
          },
        ],
        egress: [],
        tags: tags({ Name: `${name}-endpoints` }),
      },
      p,
    );
    const s3 = new aws.ec2.VpcEndpoint(
      `${name}-s3`,
      {
        vpcId: vpc.id,
        serviceName: pulumi.interpolate`com.amazonaws.${region}.s3`,
        vpcEndpointType: "Gateway",
        routeTableIds: [routeTable.id],
        policy: pulumi
          .all([account, region, pulumi.output(args.extraS3ObjectArns ?? [])])
          .apply(([a, r, extra]) => JSON.stringify(s3EndpointPolicy(a, r, extra as string[]))),
        tags: tags({ Name: `${name}-s3` }),
      },
      p,
    );
    const interfaceEndpointIds: Record<string, pulumi.Output<string>> = {};
    for (const service of services) {
      const policy = account.apply((a) => endpointPolicy(service, a));
      const endpoint = new aws.ec2.VpcEndpoint(
        `${name}-${service}`,
        {
          vpcId: vpc.id,
          serviceName: pulumi.interpolate`com.amazonaws.${region}.${service}`,
          vpcEndpointType: "Interface",
          privateDnsEnabled: true,
          subnetIds: subnets.map((s) => s.id),
          securityGroupIds: [endpointSg.id],
          policy: policy.apply((d) => (d ? JSON.stringify(d) : undefined)) as pulumi.Output<string>,
          tags: tags({ Name: `${name}-${service}` }),
        },
        p,
      );
      interfaceEndpointIds[service] = endpoint.id;
    }

    const workstationSg = new aws.ec2.SecurityGroup(
      `${name}-workstation`,
      {
        vpcId: vpc.id,
        description: "ir forensic workstation: no inbound, https to the endpoints only",
        ingress: [],
        egress: [
          {
            protocol: "tcp",
            fromPort: 443,
            toPort: 443,
            securityGroups: [endpointSg.id],
            description: "https to interface endpoints",
          },
          {
            protocol: "tcp",
            fromPort: 443,
            toPort: 443,
            prefixListIds: [s3.prefixListId],
            description: "https to s3 (gateway endpoint)",
          },
        ],
        tags: tags({ Name: `${name}-workstation`, [TAG.role]: "forensic-workstation" }),
      },
      p,
    );

    const role = new aws.iam.Role(
      `${name}-workstation`,
      {
        name: FORENSIC_WORKSTATION_ROLE_NAME,
        description: "Forensic workstations: Session Manager only",
        assumeRolePolicy: JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            { Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" },
          ],
        }),
        tags: tags(),
      },
      p,
    );
    const partition = aws.getPartitionOutput({}, p).partition;
    new aws.iam.RolePolicyAttachment(
      `${name}-workstation-ssm`,
      {
        role: role.name,
        policyArn: pulumi.interpolate`arn:${partition}:iam::aws:policy/AmazonSSMManagedInstanceCore`,
      },
      p,
    );
    (args.workstationPolicyArns ?? []).forEach((arn, i) => {
      new aws.iam.RolePolicyAttachment(
        `${name}-workstation-extra-${i}`,
        { role: role.name, policyArn: arn },
        p,
      );
    });
    const profile = new aws.iam.InstanceProfile(
      `${name}-workstation`,
      { name: FORENSIC_WORKSTATION_ROLE_NAME, role: role.name, tags: tags() },
      p,
    );

    this.vpcId = vpc.id;
    this.cidrBlock = cidr;
    this.subnetIds = pulumi.all(subnets.map((s) => s.id));
    this.routeTableId = routeTable.id;
    this.endpointSecurityGroupId = endpointSg.id;
    this.workstationSecurityGroupId = workstationSg.id;
    this.workstationInstanceProfileName = profile.name;
    this.workstationRoleArn = role.arn;
    this.s3PrefixListId = s3.prefixListId;
    this.interfaceEndpointIds = interfaceEndpointIds;
    this.registerOutputs({
      vpcId: this.vpcId,
      subnetIds: this.subnetIds,
      workstationSecurityGroupId: this.workstationSecurityGroupId,
      workstationInstanceProfileName: this.workstationInstanceProfileName,
      endpointSecurityGroupId: this.endpointSecurityGroupId,
    });
  }
}

/** Checks an interface endpoint service list: known service names, Session Manager endpoints present. */
export function validateEndpointServices(services: string[]): string[] {
  for (const s of services)
    if (!/^[a-z0-9][a-z0-9.-]*$/.test(s))
      throw new Error(
        `forensic vpc endpoint service "${s}" is not valid: expected a service suffix such as ssm or kms`,
      );
  const missing = SESSION_MANAGER_ENDPOINT_SERVICES.filter((s) => !services.includes(s));
  if (missing.length > 0)
    throw new Error(
      `forensic vpc endpoint services ${JSON.stringify(services)} lack ${missing.join(", ")}: ` +
        "session manager needs ssm, ssmmessages and ec2messages",
    );
  if (services.includes("s3"))
    throw new Error(
      'forensic vpc endpoint service "s3" is not allowed as an interface endpoint: s3 uses the gateway endpoint',
    );
  return [...new Set(services)];
}
