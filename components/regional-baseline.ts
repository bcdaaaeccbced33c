import * as pulumi from "@pulumi/pulumi";
import type { BaselineConfig } from "../config/read";
import { AccountGuardrails } from "./account-guardrails";
import { AlertForwarding } from "./alert-forwarding";
import { ConfigRecording } from "./config-recording";
import { CustomerManagedKey } from "./customer-managed-key";
import { ElbLogBucket } from "./elb-log-bucket";
import { FlowLogs } from "./flow-logs";
import { IsolationGroups } from "./isolation-groups";
import { accessLogPrefix } from "./reference-workload";
import { SecurityServices } from "./security-services";
import { ThreatDetection } from "./threat-detection";

export interface RegionalBaselineArgs {
  region: string;
  isHomeRegion: boolean;
  accountId: pulumi.Input<string>;
  config: BaselineConfig;
  archiveBucketName: pulumi.Input<string>;
  archiveBucketArn: pulumi.Input<string>;
  /** The home region's audit key (archive encryption; CloudWatch flow-log groups in the home region). */
  auditKeyArn: pulumi.Input<string>;
  /** AWS Config's role (global). */
  configRoleArn?: pulumi.Input<string>;
  /** Alert forwarding to the home region (other regions only). */
  forwarding?: { homeBusArn: pulumi.Input<string>; roleArn: pulumi.Input<string> };
  /** VPCs in this region that get flow logs (existing ones from config, and ours). */
  flowLogVpcIds: pulumi.Input<string>[];
  /** Protected VPCs in this region: each gets the pre-created isolation groups. */
  protectedVpcIds: string[];
}

/**
 * Everything the baseline declares in each region, through that region's explicit provider (passed
 * in the options): the EBS key and guardrails, GuardDuty, AWS Config and its rules, optional Security
 * Hub / Detective / Access Analyzer, the ELB access-log bucket, flow logs, isolation groups for protected VPCs, and alert forwarding.
 */
export class RegionalBaseline extends pulumi.ComponentResource {
  readonly ebsKey: CustomerManagedKey;
  readonly elbLogBucket: ElbLogBucket;
  readonly detectorId: pulumi.Output<string>;
  readonly isolation: IsolationGroups[];
  /** The customer-managed keys declared in this region (EBS, and CloudWatch Logs outside the home region). */
  readonly keys: CustomerManagedKey[];

  constructor(name: string, args: RegionalBaselineArgs, opts?: pulumi.ComponentResourceOptions) {
    super("incident-ready:baseline:RegionalBaseline", name, {}, opts);
    const c = args.config;
    const parent = { parent: this };
    this.ebsKey = new CustomerManagedKey(
      `${name}-ebs`,
      { purpose: "ebs", accountId: args.accountId, region: args.region },
      parent,
    );
    if (c.accountGuardrails)
      new AccountGuardrails(
        name,
        { ebsKmsKeyArn: this.ebsKey.arn, imdsHopLimit: c.imdsDefaultHopLimit },
        parent,
      );
    this.detectorId = new ThreatDetection(name, { features: c.guardDutyFeatures }, parent).detectorId;
    new ConfigRecording(
      name,
      {
        isHomeRegion: args.isHomeRegion,
        recorder: c.configRecorder,
        roleArn: args.configRoleArn,
        archiveBucketName: args.archiveBucketName,
        archiveKmsKeyArn: args.auditKeyArn,
        disabledRules: c.configDisabledRules,
        approvedAmiIds: c.approvedAmiIds,
      },
      parent,
    );
    new SecurityServices(
      name,
      {
        region: args.region,
        securityHub: c.securityHub,
        standards: c.securityHubStandards,
        detective: c.detective,
        accessAnalyzer: c.accessAnalyzer,
      },
      parent,
    );
    this.elbLogBucket = new ElbLogBucket(
      `${name}-elb-logs`,
      {
        accountId: args.accountId,
        region: args.region,
        // The reference workload (home region) logs under its own prefix.
        logPrefixes: args.isHomeRegion && c.referenceWorkload ? [accessLogPrefix(c.workloadName)] : [],
      },
      parent,
    );
    this.keys = [this.ebsKey];
    if (args.flowLogVpcIds.length) {
      // CloudWatch Logs needs a key in its own region: the home region reuses the audit key.
      let cloudWatchKey: pulumi.Input<string> | undefined;
      if (c.flowLogDestination === "cloudwatch" && args.isHomeRegion) cloudWatchKey = args.auditKeyArn;
      else if (c.flowLogDestination === "cloudwatch") {
        const logsKey = new CustomerManagedKey(
          `${name}-logs`,
          { purpose: "audit", accountId: args.accountId, region: args.region },
          parent,
        );
        this.keys.push(logsKey);
        cloudWatchKey = logsKey.arn;
      }
      new FlowLogs(
        `${name}-flow-logs`,
        {
          vpcIds: args.flowLogVpcIds,
          destination: c.flowLogDestination,
          archiveBucketArn: args.archiveBucketArn,
          kmsKeyArn: cloudWatchKey,
          logRetentionDays: c.logRetentionDays,
        },
        parent,
      );
    }
    this.isolation = args.protectedVpcIds.map(
      (vpcId) => new IsolationGroups(`${name}-${vpcId}`, { vpcId }, parent),
    );
    // This region's keys are watched here: KMS events reach the bus of the key's own region.
    if (args.forwarding)
      new AlertForwarding(
        name,
        { ...args.forwarding, minSeverity: c.alertMinSeverity, watchedKeys: this.keys },
        parent,
      );
    this.registerOutputs({ detectorId: this.detectorId });
  }
}
