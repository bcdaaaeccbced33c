/**
 * Reference workload: the example users copy, and what recovery and the game day exercise. An ALB
 * (access logs to the ELB log bucket; HTTPS with an HTTP->HTTPS redirect when a certificate is given,
 * plain HTTP otherwise), a target group, and an Auto Scaling group on a launch template that requires
 * IMDSv2 with hop limit 1, encrypts its volumes with the CMK, and launches the workload's known-good
 * AMI (`resolve:ssm:/ir/known-good-ami/<workload>`). Instances are SSM-managed, so the responder can
 * capture memory over Run Command. Not deployed by the baseline unless enabled.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { knownGoodAmiParameter, MANAGED_BY, TAG } from "../facts";
import { checkIfPlain, validateCidr, validateKmsKeyArn, validateWorkloadName } from "./validation";

/**
 * The key prefix of the workload's ALB access logs in the ELB log bucket. One function, so the bucket's
 * policy (ElbLogBucket logPrefixes) admits exactly the prefix the load balancer writes under: ELB checks
 * its write permission when access logs are enabled, and refuses the load balancer otherwise.
 */
export const accessLogPrefix = (workload: string) => workload;

export interface ReferenceWorkloadArgs {
  /** Workload name: tags (`ir:workload`) and the known-good AMI parameter. */
  workload: string;
  vpcId: pulumi.Input<string>;
  /** Subnets of the load balancer (public ones for an internet-facing ALB), in two or more AZs. */
  albSubnetIds: pulumi.Input<pulumi.Input<string>[]>;
  /** Private subnets of the instances. */
  instanceSubnetIds: pulumi.Input<pulumi.Input<string>[]>;
  /** ELB access-log bucket (the baseline's ELB log bucket output). */
  accessLogBucket: pulumi.Input<string>;
  /** CMK (ARN) for the instances' EBS volumes. */
  kmsKeyArn: pulumi.Input<string>;
  /** ACM certificate: enables the HTTPS listener and the HTTP->HTTPS redirect. @default none (HTTP only) */
  certificateArn?: pulumi.Input<string>;
  /** Internal (not internet-facing) load balancer. @default false */
  internal?: pulumi.Input<boolean>;
  /** CIDRs allowed to reach the load balancer. @default ["0.0.0.0/0"] */
  ingressCidrs?: string[];
  /** TLS policy of the HTTPS listener. @default "ELBSecurityPolicy-TLS13-1-2-2021-06" */
  sslPolicy?: pulumi.Input<string>;
  /** Instance port and health check. @default 80 */
  appPort?: number;
  /** @default "/" */
  healthCheckPath?: pulumi.Input<string>;
  /** @default "t3.small" */
  instanceType?: pulumi.Input<string>;
  /** @default 20 */
  rootVolumeSizeGiB?: pulumi.Input<number>;
  /** User data (plain text; encoded here). @default none */
  userData?: pulumi.Input<string>;
  /** @default 2 */
  minSize?: pulumi.Input<number>;
  /** @default 4 */
  maxSize?: pulumi.Input<number>;
  /** @default 2 */
  desiredCapacity?: pulumi.Input<number>;
  /** SSM parameter holding the AMI. @default /ir/known-good-ami/<workload> */
  amiParameterName?: pulumi.Input<string>;
  /** ALB deletion protection. @default false */
  deletionProtection?: pulumi.Input<boolean>;
  /** @default {} */
  tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

export class ReferenceWorkload extends pulumi.ComponentResource {
  public readonly loadBalancerArn: pulumi.Output<string>;
  public readonly loadBalancerDnsName: pulumi.Output<string>;
  public readonly targetGroupArn: pulumi.Output<string>;
  public readonly autoScalingGroupName: pulumi.Output<string>;
  public readonly launchTemplateId: pulumi.Output<string>;
  public readonly instanceSecurityGroupId: pulumi.Output<string>;
  public readonly instanceRoleName: pulumi.Output<string>;
  public readonly amiParameterName: pulumi.Output<string>;

  constructor(name: string, args: ReferenceWorkloadArgs, opts?: pulumi.ComponentResourceOptions) {
    super("incident-ready:workloads:ReferenceWorkload", name, {}, opts);
    const workload = validateWorkloadName(args.workload);
    checkIfPlain(args.kmsKeyArn, (v: string) => validateKmsKeyArn(v, "workload kms key arn"));
    checkIfPlain(args.certificateArn, (v: string) => {
      if (!/^arn:aws(-cn|-us-gov)?:acm:[a-z0-9-]+:\d{12}:certificate\/[\w-]+$/.test(v))
        throw new Error(
          `certificate arn "${v}" is not valid: expected arn:aws:acm:<region>:<account>:certificate/<id>`,
        );
    });
    const ingressCidrs = (args.ingressCidrs ?? ["0.0.0.0/0"]).map((c) =>
      validateCidr(c, "workload ingress cidr", 0, 32),
    );
    const appPort = args.appPort ?? 80;
    if (!Number.isInteger(appPort) || appPort < 1 || appPort > 65535)
      throw new Error(`workload app port ${appPort} is not valid: expected a port from 1 to 65535`);
    const https = args.certificateArn !== undefined;
    const p = { parent: this };
    const partition = aws.getPartitionOutput({}, p).partition;
    const tags = pulumi
      .output(args.tags ?? {})
      .apply((t) => ({ ...t, [TAG.workload]: workload, [TAG.managedBy]: MANAGED_BY }));

    const albSg = new aws.ec2.SecurityGroup(
      `${name}-alb`,
      { vpcId: args.vpcId, description: `${workload} load balancer`, tags },
      p,
    );
    const instanceSg = new aws.ec2.SecurityGroup(
      `${name}-instances`,
      { vpcId: args.vpcId, description: `${workload} instances`, tags },
      p,
    );
    for (const port of https ? [80, 443] : [80])
      ingressCidrs.forEach((cidr, i) => {
        new aws.vpc.SecurityGroupIngressRule(
          `${name}-alb-in-${port}-${i}`,
          { securityGroupId: albSg.id, ipProtocol: "tcp", fromPort: port, toPort: port, cidrIpv4: cidr },
          p,
        );
      });
    new aws.vpc.SecurityGroupEgressRule(
      `${name}-alb-to-instances`,
      {
        securityGroupId: albSg.id,
        ipProtocol: "tcp",
        fromPort: appPort,
        toPort: appPort,
        referencedSecurityGroupId: instanceSg.id,
      },
      p,
    );
    new aws.vpc.SecurityGroupIngressRule(
      `${name}-instances-from-alb`,
      {
        securityGroupId: instanceSg.id,
        ipProtocol: "tcp",
        fromPort: appPort,
        toPort: appPort,
        referencedSecurityGroupId: albSg.id,
      },
      p,
    );
    new aws.vpc.SecurityGroupEgressRule(
      `${name}-instances-https-out`,
      {
        securityGroupId: instanceSg.id,
        ipProtocol: "tcp",
        fromPort: 443,
        toPort: 443,
        cidrIpv4: "0.0.0.0/0",
      },
      p,
    );

    const alb = new aws.lb.LoadBalancer(
      `${name}-alb`,
      {
        loadBalancerType: "application",
        internal: args.internal ?? false,
        subnets: args.albSubnetIds,
        securityGroups: [albSg.id],
        dropInvalidHeaderFields: true,
        enableDeletionProtection: args.deletionProtection ?? false,
        accessLogs: { bucket: args.accessLogBucket, prefix: accessLogPrefix(workload), enabled: true },
        tags,
      },
      p,
    );
    const targetGroup = new aws.lb.TargetGroup(
      `${name}-tg`,
      {
        vpcId: args.vpcId,
        port: appPort,
        protocol: "HTTP",
        targetType: "instance",
        deregistrationDelay: 30,
        healthCheck: {
          path: args.healthCheckPath ?? "/",
          matcher: "200-399",
          interval: 15,
          healthyThreshold: 2,
        },
        tags,
      },
      p,
    );
    const forward = [{ type: "forward", targetGroupArn: targetGroup.arn }];
    if (https) {
      new aws.lb.Listener(
        `${name}-https`,
        {
          loadBalancerArn: alb.arn,
          port: 443,
          protocol: "HTTPS",
          certificateArn: args.certificateArn,
          sslPolicy: args.sslPolicy ?? "ELBSecurityPolicy-TLS13-1-2-2021-06",
          defaultActions: forward,
          tags,
        },
        p,
      );
      new aws.lb.Listener(
        `${name}-http`,
        {
          loadBalancerArn: alb.arn,
          port: 80,
          protocol: "HTTP",
          defaultActions: [
            { type: "redirect", redirect: { port: "443", protocol: "HTTPS", statusCode: "HTTP_301" } },
          ],
          tags,
        },
        p,
      );
    } else {
      pulumi.log.warn(`workload ${workload} has no certificate: its load balancer serves plain HTTP`, this);
      new aws.lb.Listener(
        `${name}-http`,
        { loadBalancerArn: alb.arn, port: 80, protocol: "HTTP", defaultActions: forward, tags },
        p,
      );
    }

    const role = new aws.iam.Role(
      `${name}-instance`,
      {
        description: `${workload} instances`,
        assumeRolePolicy: JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            { Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" },
          ],
        }),
        tags,
      },
      p,
    );
    new aws.iam.RolePolicyAttachment(
      `${name}-instance-ssm`,
      {
        role: role.name,
        policyArn: pulumi.interpolate`arn:${partition}:iam::aws:policy/AmazonSSMManagedInstanceCore`,
      },
      p,
    );
    const profile = new aws.iam.InstanceProfile(`${name}-instance`, { role: role.name, tags }, p);

    const amiParameterName = pulumi.output(args.amiParameterName ?? knownGoodAmiParameter(workload));
    const launchTemplate = new aws.ec2.LaunchTemplate(
      `${name}-lt`,
      {
        description: `${workload}: known-good AMI, IMDSv2 only, encrypted volumes`,
        imageId: pulumi.interpolate`resolve:ssm:${amiParameterName}`,
        instanceType: args.instanceType ?? "t3.small",
        iamInstanceProfile: { arn: profile.arn },
        vpcSecurityGroupIds: [instanceSg.id],
        metadataOptions: {
          httpEndpoint: "enabled",
          httpTokens: "required",
          httpPutResponseHopLimit: 1,
          instanceMetadataTags: "enabled",
        },
        blockDeviceMappings: [
          {
            deviceName: "/dev/xvda",
            ebs: {
              encrypted: "true",
              kmsKeyId: args.kmsKeyArn,
              volumeSize: args.rootVolumeSizeGiB ?? 20,
              volumeType: "gp3",
              deleteOnTermination: "true",
            },
          },
        ],
        monitoring: { enabled: true },
        userData: args.userData
          ? pulumi.output(args.userData).apply((u) => Buffer.from(u).toString("base64"))
          : undefined,
        tagSpecifications: ["instance", "volume", "network-interface"].map((resourceType) => ({
          resourceType,
          tags,
        })),
        updateDefaultVersion: true,
        tags,
      },
      p,
    );
    const asg = new aws.autoscaling.Group(
      `${name}-asg`,
      {
        vpcZoneIdentifiers: args.instanceSubnetIds,
        minSize: args.minSize ?? 2,
        maxSize: args.maxSize ?? 4,
        desiredCapacity: args.desiredCapacity ?? 2,
        // $Latest: a launch-template version created by recovery (pinned known-good AMI) takes effect at once.
        launchTemplate: { id: launchTemplate.id, version: "$Latest" },
        targetGroupArns: [targetGroup.arn],
        healthCheckType: "ELB",
        healthCheckGracePeriod: 300,
        tags: tags.apply((t) =>
          Object.entries(t).map(([key, value]) => ({ key, value: value as string, propagateAtLaunch: true })),
        ),
      },
      p,
    );

    this.loadBalancerArn = alb.arn;
    this.loadBalancerDnsName = alb.dnsName;
    this.targetGroupArn = targetGroup.arn;
    this.autoScalingGroupName = asg.name;
    this.launchTemplateId = launchTemplate.id;
    this.instanceSecurityGroupId = instanceSg.id;
    this.instanceRoleName = role.name;
    this.amiParameterName = amiParameterName;
    this.registerOutputs({
      loadBalancerDnsName: this.loadBalancerDnsName,
      targetGroupArn: this.targetGroupArn,
      autoScalingGroupName: this.autoScalingGroupName,
      launchTemplateId: this.launchTemplateId,
    });
  }
}
