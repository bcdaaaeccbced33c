import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export interface AccountGuardrailsArgs {
  /** The region's EBS CMK: new volumes and snapshot copies are encrypted with it by default. */
  ebsKmsKeyArn: pulumi.Input<string>;
  /** Account-default IMDS hop limit for new instances (1 or 2). @default 1 */
  imdsHopLimit?: number;
}

/**
 * Regional account settings that close common EC2 breach paths before any workload exists: EBS
 * encryption by default with our CMK, no new public AMI sharing, no public snapshots, and IMDSv2
 * required by default for instances launched without explicit metadata options.
 */
export class AccountGuardrails extends pulumi.ComponentResource {
  constructor(name: string, args: AccountGuardrailsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("incident-ready:guardrails:AccountGuardrails", name, {}, opts);
    const hopLimit = args.imdsHopLimit ?? 1;
    if (hopLimit !== 1 && hopLimit !== 2)
      throw new Error(`IMDS hop limit ${hopLimit} is not allowed: expected 1 or 2`);
    const parent = { parent: this };
    new aws.ebs.EncryptionByDefault(name, { enabled: true }, parent);
    new aws.ebs.DefaultKmsKey(name, { keyArn: args.ebsKmsKeyArn }, parent);
    new aws.ec2.ImageBlockPublicAccess(name, { state: "block-new-sharing" }, parent);
    new aws.ebs.SnapshotBlockPublicAccess(name, { state: "block-all-sharing" }, parent);
    new aws.ec2.InstanceMetadataDefaults(
      name,
      {
        httpTokens: "required",
        httpPutResponseHopLimit: hopLimit,
        httpEndpoint: "enabled",
        instanceMetadataTags: "disabled",
      },
      parent,
    );
    this.registerOutputs({});
  }
}
