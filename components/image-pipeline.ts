/**
 * A generic EC2 Image Builder pipeline: components (our YAML documents or AWS-managed ARNs), a
 * recipe with encrypted volumes, an infrastructure configuration with IMDSv2 required, a private
 * CMK-encrypted distribution that publishes the new AMI id to an SSM parameter, a schedule and a
 * lifecycle policy. The forensic AMI uses it; so can any workload's golden AMI (publish to
 * `knownGoodAmiParameter(workload)`, see docs/known-good-amis.md).
 *
 * Image Builder components and recipes are immutable: their names carry a hash of their content,
 * so a changed document creates a new version next to the old one and the pipeline moves over.
 */
import { createHash } from "node:crypto";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { MANAGED_BY, TAG } from "../facts";
import { checkIfPlain, validateKmsKeyArn, validateScheduleExpression, validateSemver } from "./validation";

/** A component: either our own AWSTOE YAML document, or an existing component ARN (e.g. AWS-managed). */
export type ImageComponentSpec =
  | {
      /** Short name (letters, digits, -). */ name: string /** AWSTOE YAML document. */;
      document: pulumi.Input<string>;
    }
  | {
      /** Component ARN, e.g. arn:aws:imagebuilder:<region>:aws:component/update-linux/x.x.x */ arn: pulumi.Input<string>;
    };

export interface ImagePipelineArgs {
  /** Build components, in order. */
  components: ImageComponentSpec[];
  /** Test components (run on a fresh instance from the new image; a failure fails the build). @default [] */
  testComponents?: ImageComponentSpec[];
  /**
   * Parent image: an Image Builder image ARN or an AMI id.
   * @default the current Amazon Linux 2023 x86_64 image (arn:aws:imagebuilder:<region>:aws:image/amazon-linux-2023-x86/x.x.x)
   */
  parentImage?: pulumi.Input<string>;
  /** Recipe semantic version. @default "1.0.0" */
  recipeVersion?: string;
  /** CMK (ARN) that encrypts the build volumes and the distributed AMI's snapshots. */
  kmsKeyArn: pulumi.Input<string>;
  /** Root volume size (GiB). @default 30 */
  rootVolumeSizeGiB?: pulumi.Input<number>;
  /** Root device name of the parent image. @default "/dev/xvda" */
  rootDeviceName?: pulumi.Input<string>;
  /** Subnet the build and test instances run in (e.g. a forensic VPC subnet: no internet). */
  subnetId: pulumi.Input<string>;
  /** Security groups of the build and test instances. */
  securityGroupIds: pulumi.Input<pulumi.Input<string>[]>;
  /** Build instance types. @default ["m6i.large"] */
  instanceTypes?: pulumi.Input<pulumi.Input<string>[]>;
  /** Extra inline IAM policy (JSON) for the build instance, e.g. read access to a tools bucket. @default none */
  instancePolicyJson?: pulumi.Input<string>;
  /** SSM parameter that receives each new AMI id (data type aws:ec2:image; its history is the record). */
  ssmParameterName: pulumi.Input<string>;
  /** Schedule (cron or rate). @default "cron(0 4 ? * MON *)" (weekly, Monday 04:00 UTC) */
  schedule?: string;
  /**
   * When the schedule fires: build always (`EXPRESSION_MATCH_ONLY`) or only when the parent image or a
   * component has a newer version (`EXPRESSION_MATCH_AND_DEPENDENCY_UPDATES_AVAILABLE`).
   * @default "EXPRESSION_MATCH_AND_DEPENDENCY_UPDATES_AVAILABLE"
   */
  scheduleStartCondition?: pulumi.Input<string>;
  /** Build-log bucket (S3 logs of AWSTOE). @default no S3 logs (CloudWatch Logs only) */
  logBucketName?: pulumi.Input<string>;
  /** SNS topic notified of each build's outcome. @default none */
  snsTopicArn?: pulumi.Input<string>;
  /** Scan images with Amazon Inspector (Inspector must be enabled). @default false */
  scanImages?: pulumi.Input<boolean>;
  /**
   * Number of newest images kept by the lifecycle policy (older AMIs and snapshots are deleted). Keep
   * enough to recover from a compromise discovered late: recovery picks an AMI from before it.
   * @default 10
   */
  keepImages?: pulumi.Input<number>;
  /** Accounts allowed to launch the AMI. @default [] (private) */
  launchPermissionAccountIds?: pulumi.Input<pulumi.Input<string>[]>;
  /** Tags on the AMI. @default {} */
  amiTags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** Tags on the Image Builder resources. @default {} */
  tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

const hash8 = (...parts: string[]) => createHash("sha256").update(parts.join("\0")).digest("hex").slice(0, 8);

export class ImagePipeline extends pulumi.ComponentResource {
  public readonly pipelineArn: pulumi.Output<string>;
  public readonly recipeArn: pulumi.Output<string>;
  public readonly infrastructureConfigurationArn: pulumi.Output<string>;
  public readonly distributionConfigurationArn: pulumi.Output<string>;
  public readonly lifecyclePolicyArn: pulumi.Output<string>;
  public readonly instanceRoleArn: pulumi.Output<string>;
  public readonly instanceProfileName: pulumi.Output<string>;
  /** Build component ARNs, in order. */
  public readonly componentArns: pulumi.Output<string>[];
  public readonly ssmParameterName: pulumi.Output<string>;

  constructor(name: string, args: ImagePipelineArgs, opts?: pulumi.ComponentResourceOptions) {
    super("incident-ready:images:ImagePipeline", name, {}, opts);
    if (args.components.length === 0)
      throw new Error(`image pipeline "${name}" has no component: give at least one`);
    checkIfPlain(args.kmsKeyArn, (v: string) => validateKmsKeyArn(v, "image pipeline kms key arn"));
    const schedule = validateScheduleExpression(
      args.schedule ?? "cron(0 4 ? * MON *)",
      "image pipeline schedule",
    );
    const version = validateSemver(args.recipeVersion ?? "1.0.0", "image recipe version");
    checkIfPlain(args.keepImages, (n: number) => {
      if (!Number.isInteger(n) || n < 1 || n > 1000)
        throw new Error(
          `image pipeline keepImages ${n} is not valid: expected a whole number from 1 to 1000`,
        );
    });
    const p = { parent: this };
    const region = aws.getRegionOutput({}, p).region;
    const partition = aws.getPartitionOutput({}, p).partition;
    const tags = pulumi
      .output(args.tags ?? {})
      .apply((t) => ({ ...t, [TAG.managedBy]: MANAGED_BY, "ir:image-pipeline": name }));

    const component = (spec: ImageComponentSpec, i: number, kind: string) => {
      if ("arn" in spec) return pulumi.output(spec.arn);
      if (!/^[A-Za-z0-9-]+$/.test(spec.name))
        throw new Error(`image component name "${spec.name}" is not valid: expected letters, digits or -`);
      return new aws.imagebuilder.Component(
        `${name}-${kind}-${i}-${spec.name}`,
        {
          name: pulumi.output(spec.document).apply((d) => `${name}-${spec.name}-${hash8(d)}`),
          platform: "Linux",
          version: "1.0.0",
          data: spec.document,
          // No kmsKeyId: documents hold no secrets, and the AWS-owned key needs no grant to build instances.
          tags,
        },
        p,
      ).arn;
    };
    const buildArns = args.components.map((c, i) => component(c, i, "build"));
    const testArns = (args.testComponents ?? []).map((c, i) => component(c, i, "test"));

    const parentImage =
      args.parentImage ??
      pulumi.interpolate`arn:${partition}:imagebuilder:${region}:aws:image/amazon-linux-2023-x86/x.x.x`;
    const blockDeviceMappings = [
      {
        deviceName: args.rootDeviceName ?? "/dev/xvda",
        ebs: {
          encrypted: "true",
          kmsKeyId: args.kmsKeyArn,
          deleteOnTermination: "true",
          volumeSize: args.rootVolumeSizeGiB ?? 30,
          volumeType: "gp3",
        },
      },
    ];
    const recipeName = pulumi
      .all([
        pulumi.output(parentImage),
        pulumi.all([...buildArns, ...testArns]),
        pulumi.output(blockDeviceMappings),
      ])
      .apply(
        ([parentArn, arns, bdm]) => `${name}-${hash8(parentArn, ...arns, JSON.stringify(bdm), version)}`,
      );
    const recipe = new aws.imagebuilder.ImageRecipe(
      `${name}-recipe`,
      {
        name: recipeName,
        version,
        parentImage,
        components: [...buildArns, ...testArns].map((componentArn) => ({ componentArn })),
        blockDeviceMappings,
        tags,
      },
      p,
    );

    const role = new aws.iam.Role(
      `${name}-instance`,
      {
        description: `Image Builder build instances of ${name}`,
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
    for (const policy of ["EC2InstanceProfileForImageBuilder", "AmazonSSMManagedInstanceCore"])
      new aws.iam.RolePolicyAttachment(
        `${name}-instance-${policy}`,
        { role: role.name, policyArn: pulumi.interpolate`arn:${partition}:iam::aws:policy/${policy}` },
        p,
      );
    if (args.instancePolicyJson !== undefined)
      new aws.iam.RolePolicy(
        `${name}-instance-extra`,
        { role: role.name, policy: args.instancePolicyJson },
        p,
      );
    const profile = new aws.iam.InstanceProfile(`${name}-instance`, { role: role.name, tags }, p);

    const infrastructure = new aws.imagebuilder.InfrastructureConfiguration(
      `${name}-infrastructure`,
      {
        name: `${name}-infrastructure`,
        instanceProfileName: profile.name,
        instanceTypes: args.instanceTypes ?? ["m6i.large"],
        subnetId: args.subnetId,
        securityGroupIds: args.securityGroupIds,
        terminateInstanceOnFailure: true,
        instanceMetadataOptions: { httpTokens: "required", httpPutResponseHopLimit: 1 },
        logging: args.logBucketName
          ? { s3Logs: { s3BucketName: args.logBucketName, s3KeyPrefix: `image-builder/${name}` } }
          : undefined,
        snsTopicArn: args.snsTopicArn,
        resourceTags: tags,
        tags,
      },
      p,
    );

    const distribution = new aws.imagebuilder.DistributionConfiguration(
      `${name}-distribution`,
      {
        name: `${name}-distribution`,
        distributions: [
          {
            region,
            amiDistributionConfiguration: {
              name: `${name}-{{ imagebuilder:buildDate }}`,
              kmsKeyId: args.kmsKeyArn,
              amiTags: pulumi
                .all([pulumi.output(args.amiTags ?? {}), tags])
                .apply(([a, t]) => ({ ...t, ...a })),
              launchPermission: pulumi
                .output(args.launchPermissionAccountIds ?? [])
                .apply((ids) => (ids.length > 0 ? { userIds: ids } : undefined)),
            },
            ssmParameterConfigurations: [{ parameterName: args.ssmParameterName, dataType: "aws:ec2:image" }],
          },
        ],
        tags,
      },
      p,
    );

    const pipeline = new aws.imagebuilder.ImagePipeline(
      `${name}-pipeline`,
      {
        name,
        imageRecipeArn: recipe.arn,
        infrastructureConfigurationArn: infrastructure.arn,
        distributionConfigurationArn: distribution.arn,
        imageTestsConfiguration: { imageTestsEnabled: true, timeoutMinutes: 120 },
        imageScanningConfiguration: { imageScanningEnabled: args.scanImages ?? false },
        enhancedImageMetadataEnabled: true,
        schedule: {
          scheduleExpression: schedule,
          pipelineExecutionStartCondition:
            args.scheduleStartCondition ?? "EXPRESSION_MATCH_AND_DEPENDENCY_UPDATES_AVAILABLE",
          timezone: "Etc/UTC",
        },
        status: "ENABLED",
        tags,
      },
      p,
    );

    const lifecycleRole = new aws.iam.Role(
      `${name}-lifecycle`,
      {
        description: `Image Builder lifecycle policy of ${name}`,
        assumeRolePolicy: JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            {
              Effect: "Allow",
              Principal: { Service: "imagebuilder.amazonaws.com" },
              Action: "sts:AssumeRole",
            },
          ],
        }),
        tags,
      },
      p,
    );
    new aws.iam.RolePolicyAttachment(
      `${name}-lifecycle`,
      {
        role: lifecycleRole.name,
        policyArn: pulumi.interpolate`arn:${partition}:iam::aws:policy/service-role/EC2ImageBuilderLifecycleExecutionPolicy`,
      },
      p,
    );
    const lifecycle = new aws.imagebuilder.LifecyclePolicy(
      `${name}-lifecycle`,
      {
        name: `${name}-lifecycle`,
        description: `Keep the newest images of ${name}; delete older AMIs and their snapshots`,
        executionRole: lifecycleRole.arn,
        resourceType: "AMI_IMAGE",
        resourceSelection: { recipes: [{ name: recipe.name, semanticVersion: recipe.version }] },
        policyDetails: [
          {
            action: { type: "DELETE", includeResources: { amis: true, snapshots: true } },
            filter: { type: "COUNT", value: args.keepImages ?? 10 },
          },
        ],
        tags,
      },
      p,
    );

    this.pipelineArn = pipeline.arn;
    this.recipeArn = recipe.arn;
    this.infrastructureConfigurationArn = infrastructure.arn;
    this.distributionConfigurationArn = distribution.arn;
    this.lifecyclePolicyArn = lifecycle.arn;
    this.instanceRoleArn = role.arn;
    this.instanceProfileName = profile.name;
    this.componentArns = buildArns;
    this.ssmParameterName = pulumi.output(args.ssmParameterName);
    this.registerOutputs({
      pipelineArn: this.pipelineArn,
      recipeArn: this.recipeArn,
      ssmParameterName: this.ssmParameterName,
      instanceRoleArn: this.instanceRoleArn,
    });
  }
}
