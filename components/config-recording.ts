import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { NAME_PREFIX } from "../facts";
import { approvedAmisRule, CONFIG_RULES, type ConfigRuleSpec } from "./config-rule-catalog";
import { ARCHIVE_PREFIX } from "./log-archive";
import { policyJson, serviceRole } from "./service-role";
import { baseTags } from "./tags";

export interface ConfigRecordingArgs {
  /** Whether this is the home region (global resource types and account-level rules live there). */
  isHomeRegion: boolean;
  /** "create" a recorder and delivery channel, or keep the "existing" one and add rules only. */
  recorder: "create" | "existing";
  /** Role AWS Config records with (created once, in the home region). Needed with recorder "create". */
  roleArn?: pulumi.Input<string>;
  archiveBucketName?: pulumi.Input<string>;
  archiveKmsKeyArn?: pulumi.Input<string>;
  /** Curated rule names to leave out. @default [] */
  disabledRules?: string[];
  /** AMI ids for approved-amis-by-id; empty leaves the rule out. @default [] */
  approvedAmiIds?: string[];
}

/** The curated rules that apply to one region, after exclusions. */
export function rulesForRegion(
  isHomeRegion: boolean,
  disabled: string[],
  approvedAmiIds: string[],
): ConfigRuleSpec[] {
  const all = approvedAmiIds.length ? [...CONFIG_RULES, approvedAmisRule(approvedAmiIds)] : [...CONFIG_RULES];
  return all.filter((r) => !disabled.includes(r.name) && (isHomeRegion || !r.homeRegionOnly));
}

/** The role AWS Config records with, and the archive writes its delivery channel makes. */
export function configRole(
  name: string,
  archiveBucketArn: pulumi.Input<string>,
  kmsKeyArn: pulumi.Input<string>,
  opts: pulumi.CustomResourceOptions,
) {
  const policy = pulumi.all([archiveBucketArn, kmsKeyArn]).apply(([bucket, key]) =>
    policyJson(
      {
        Effect: "Allow",
        Action: "s3:PutObject",
        Resource: `${bucket}/${ARCHIVE_PREFIX.config}/*`,
        Condition: { StringLike: { "s3:x-amz-acl": "bucket-owner-full-control" } },
      },
      { Effect: "Allow", Action: "s3:GetBucketAcl", Resource: bucket },
      { Effect: "Allow", Action: ["kms:GenerateDataKey", "kms:Decrypt"], Resource: key },
    ),
  );
  return serviceRole(name, "config.amazonaws.com", policy, opts, [
    "arn:aws:iam::aws:policy/service-role/AWS_ConfigRole",
  ]).role;
}

/**
 * AWS Config in one region: a recorder of every supported resource type (global ones only in the home
 * region, so IAM changes are recorded once), daily snapshots to the log archive, and the curated rules.
 */
export class ConfigRecording extends pulumi.ComponentResource {
  readonly rules: aws.cfg.Rule[] = [];

  constructor(name: string, args: ConfigRecordingArgs, opts?: pulumi.ComponentResourceOptions) {
    super("incident-ready:detection:ConfigRecording", name, {}, opts);
    let ready: pulumi.Resource[] = [];
    if (args.recorder === "create") {
      if (!args.roleArn || !args.archiveBucketName || !args.archiveKmsKeyArn)
        throw new Error(
          `config recording "${name}": recorder "create" needs roleArn, archiveBucketName and archiveKmsKeyArn`,
        );
      const recorder = new aws.cfg.Recorder(
        name,
        {
          name: `${NAME_PREFIX}-recorder`,
          roleArn: args.roleArn,
          recordingGroup: { allSupported: true, includeGlobalResourceTypes: args.isHomeRegion },
        },
        { parent: this },
      );
      const channel = new aws.cfg.DeliveryChannel(
        name,
        {
          name: `${NAME_PREFIX}-delivery`,
          s3BucketName: args.archiveBucketName,
          s3KeyPrefix: ARCHIVE_PREFIX.config,
          s3KmsKeyArn: args.archiveKmsKeyArn,
          snapshotDeliveryProperties: { deliveryFrequency: "TwentyFour_Hours" },
        },
        { parent: this, dependsOn: [recorder] },
      );
      const status = new aws.cfg.RecorderStatus(
        name,
        { name: recorder.name, isEnabled: true },
        { parent: this, dependsOn: [channel] },
      );
      ready = [status];
    }
    for (const rule of rulesForRegion(
      args.isHomeRegion,
      args.disabledRules ?? [],
      args.approvedAmiIds ?? [],
    )) {
      this.rules.push(
        new aws.cfg.Rule(
          `${name}-${rule.name}`,
          {
            name: `${NAME_PREFIX}-${rule.name}`,
            description: rule.why,
            source: { owner: "AWS", sourceIdentifier: rule.identifier },
            inputParameters: rule.parameters ? JSON.stringify(rule.parameters) : undefined,
            maximumExecutionFrequency: rule.periodic ? "TwentyFour_Hours" : undefined,
            tags: baseTags(),
          },
          { parent: this, dependsOn: ready },
        ),
      );
    }
    this.registerOutputs({});
  }
}
