/**
 * Forensic workstation AMI: the generic ImagePipeline with the forensic recipe (OS updates, then the
 * pinned toolset from the tools bucket, then the test document), built inside the forensic VPC and
 * published to the SSM parameter `/ir/forensic-ami` that the responder launches workstations from.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { SSM } from "../facts";
import {
  DEFAULT_AVML_PIN,
  type ForensicToolPins,
  forensicBuildDocument,
  forensicTestDocument,
  forensicTools,
} from "./image-builder/forensic-documents";
import { ImagePipeline } from "./image-pipeline";

export interface ForensicAmiArgs {
  /** Tools bucket (EvidenceStore.toolsBucketName): artefacts are read from `forensic-ami/<tool>/<version>/`. */
  toolsBucketName: pulumi.Input<string>;
  /** Pinned versions and SHA-256 of the staged artefacts (AVML has a default; see DEFAULT_AVML_PIN). */
  tools: ForensicToolPins;
  /** CMK (ARN) for the build volumes, the AMI, and decrypting the tools bucket. */
  kmsKeyArn: pulumi.Input<string>;
  /** Build subnet: a forensic VPC subnet (ForensicVpc.subnetIds[0]). */
  subnetId: pulumi.Input<string>;
  /** Build security groups: the forensic workstation group (endpoints only). */
  securityGroupIds: pulumi.Input<pulumi.Input<string>[]>;
  /** SSM parameter receiving each new AMI id. @default "/ir/forensic-ami" (SSM.forensicAmi) */
  parameterName?: pulumi.Input<string>;
  /** Apply OS updates (AWS-managed update-linux component) before installing the tools. @default true */
  includeOsUpdates?: boolean;
  /** Root volume size (GiB). @default 60 */
  rootVolumeSizeGiB?: pulumi.Input<number>;
  /** @default "cron(0 4 ? * MON *)" */
  schedule?: string;
  /** @default 10 */
  keepImages?: pulumi.Input<number>;
  /** @default ["m6i.large"] */
  instanceTypes?: pulumi.Input<pulumi.Input<string>[]>;
  /** @default none */
  logBucketName?: pulumi.Input<string>;
  /** @default none */
  snsTopicArn?: pulumi.Input<string>;
  /** @default {} */
  tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

export class ForensicAmi extends pulumi.ComponentResource {
  public readonly pipelineArn: pulumi.Output<string>;
  /** SSM parameter holding the newest forensic AMI id (ResponderSettings.forensic.amiParameter). */
  public readonly amiParameterName: pulumi.Output<string>;
  public readonly instanceRoleArn: pulumi.Output<string>;
  /** The generated AWSTOE documents (YAML), for review. */
  public readonly buildDocument: pulumi.Output<string>;
  public readonly testDocument: string;

  constructor(name: string, args: ForensicAmiArgs, opts?: pulumi.ComponentResourceOptions) {
    super("incident-ready:forensics:ForensicAmi", name, {}, opts);
    const tools = forensicTools(args.tools);
    if ((args.tools.avml ?? DEFAULT_AVML_PIN).sha256 === DEFAULT_AVML_PIN.sha256)
      pulumi.log.warn(
        "the avml sha-256 pin is the unverified placeholder: image builds will fail until tools.avml is set to the release's digest",
        this,
      );
    const p = { parent: this };
    const account = aws.getCallerIdentityOutput({}, p).accountId;
    const region = aws.getRegionOutput({}, p).region;
    const partition = aws.getPartitionOutput({}, p).partition;

    // The build document names the bucket owner (this account) for S3Download's expectedBucketOwner.
    const toolsBucket = pulumi.output(args.toolsBucketName);
    this.buildDocument = pulumi
      .all([account, toolsBucket])
      .apply(([a, b]) => forensicBuildDocument(tools, b, a));
    this.testDocument = forensicTestDocument(tools);

    const instancePolicyJson = pulumi
      .all([partition, pulumi.output(args.kmsKeyArn), region, toolsBucket])
      .apply(([part, key, r, bucket]) =>
        JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            {
              Sid: "ReadForensicTools",
              Effect: "Allow",
              Action: "s3:GetObject",
              Resource: `arn:${part}:s3:::${bucket}/forensic-ami/*`,
            },
            {
              Sid: "DecryptTools",
              Effect: "Allow",
              Action: "kms:Decrypt",
              Resource: key,
              Condition: { StringEquals: { "kms:ViaService": `s3.${r}.amazonaws.com` } },
            },
          ],
        }),
      );

    const updates = pulumi.interpolate`arn:${partition}:imagebuilder:${region}:aws:component/update-linux/x.x.x`;
    const pipeline = new ImagePipeline(
      `${name}`,
      {
        components: [
          ...(args.includeOsUpdates === false ? [] : [{ arn: updates }]),
          { name: "toolset", document: this.buildDocument },
        ],
        testComponents: [{ name: "toolset-test", document: this.testDocument }],
        kmsKeyArn: args.kmsKeyArn,
        rootVolumeSizeGiB: args.rootVolumeSizeGiB ?? 60,
        subnetId: args.subnetId,
        securityGroupIds: args.securityGroupIds,
        instanceTypes: args.instanceTypes,
        instancePolicyJson,
        ssmParameterName: args.parameterName ?? SSM.forensicAmi,
        schedule: args.schedule,
        keepImages: args.keepImages,
        logBucketName: args.logBucketName,
        snsTopicArn: args.snsTopicArn,
        amiTags: { "ir:image": "forensic-workstation" },
        tags: args.tags,
      },
      p,
    );

    this.pipelineArn = pipeline.pipelineArn;
    this.amiParameterName = pipeline.ssmParameterName;
    this.instanceRoleArn = pipeline.instanceRoleArn;
    this.registerOutputs({ pipelineArn: this.pipelineArn, amiParameterName: this.amiParameterName });
  }
}
