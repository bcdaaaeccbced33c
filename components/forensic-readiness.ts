import * as pulumi from "@pulumi/pulumi";
import type { BaselineConfig } from "../config/read";
import type { CaptureToolPin } from "../facts/responder-settings";
import { EvidenceStore } from "./evidence-store";
import { ForensicAmi } from "./forensic-ami";
import type { ForensicVpc } from "./forensic-vpc";
import { avmlTool } from "./image-builder/forensic-documents";
import { KnownGoodAmi } from "./known-good-ami";
import { ReferenceWorkload } from "./reference-workload";
import { ResponderAccess } from "./responder-access";

export interface ForensicReadinessArgs {
  config: BaselineConfig;
  /** Evidence CMK (evidence objects, journal, snapshots copies, forensic AMI). */
  evidenceKmsKeyArn: pulumi.Input<string>;
  /** Every key the responder must use: the evidence key and each region's EBS key (snapshots, volumes). */
  responderKmsKeyArns: pulumi.Input<string>[];
  /** Log archive bucket (flow logs) and its key: the responder reads flow logs for `ir analyze`. */
  logArchiveBucketArn?: pulumi.Input<string>;
  logArchiveKmsKeyArn?: pulumi.Input<string>;
  /** Home-region ELB access-log bucket (the reference workload logs there). */
  elbLogBucketName: pulumi.Input<string>;
  /** Home-region EBS key (the reference workload's volumes). */
  ebsKmsKeyArn: pulumi.Input<string>;
  alertTopicArn: pulumi.Input<string>;
  /** The forensic VPC (created before the regional baselines, which attach its flow logs). */
  forensicVpc: ForensicVpc;
}

/**
 * Everything the response needs in the home region, so containment is a handful of API calls: the
 * Object-Lock evidence store and journal, the responder role and deny-all profile, the forensic AMI
 * pipeline (building in the isolated forensic VPC), and optionally the reference workload with its known-good AMI.
 * Isolation groups are regional: RegionalBaseline creates them for each protected VPC.
 */
export class ForensicReadiness extends pulumi.ComponentResource {
  readonly evidence: EvidenceStore;
  readonly access: ResponderAccess;
  readonly forensicVpc: ForensicVpc;
  readonly forensicAmiParameter: pulumi.Output<string>;
  /** The memory-capture tool (AVML, from the avml pin of forensicToolPins) and its pin, for `ir`. */
  readonly captureTool: CaptureToolPin;
  readonly workload?: ReferenceWorkload;

  constructor(name: string, args: ForensicReadinessArgs, opts?: pulumi.ComponentResourceOptions) {
    super("incident-ready:forensics:ForensicReadiness", name, {}, opts);
    const c = args.config;
    const parent = { parent: this };
    this.evidence = new EvidenceStore(
      "evidence",
      {
        kmsKeyArn: args.evidenceKmsKeyArn,
        retentionDays: c.evidenceRetentionDays,
        analystPrincipalArns: c.analystPrincipals,
        analystAccountIds: c.analystAccountIds,
        // The deploying identity is always exempt (EvidenceStore); the break-glass principal besides it.
        administratorPrincipalArns: c.breakGlassPrincipal ? [c.breakGlassPrincipal] : [],
      },
      parent,
    );
    this.access = new ResponderAccess(
      "responder",
      {
        humanPrincipalArns: c.responderPrincipals,
        humanMfa: c.responderMfa,
        autoContainment: c.autoContain !== "off",
        workloadRoleArns: c.workloadRoleArns,
        evidenceBucketArn: this.evidence.evidenceBucketArn,
        toolsBucketArn: this.evidence.toolsBucketArn,
        ...(args.logArchiveBucketArn ? { logArchiveBucketArn: args.logArchiveBucketArn } : {}),
        ...(args.logArchiveKmsKeyArn ? { logArchiveKmsKeyArns: [args.logArchiveKmsKeyArn] } : {}),
        journalTableArn: this.evidence.journalTableArn,
        kmsKeyArns: args.responderKmsKeyArns,
        regions: c.regions,
      },
      parent,
    );
    this.forensicVpc = args.forensicVpc;
    // The pin reaches `ir` through its settings (stack config), never as metadata beside the binary.
    const avml = avmlTool(c.forensicToolPins.avml);
    this.captureTool = { key: avml.key, sha256: avml.sha256 };
    this.forensicAmiParameter = pulumi.output("/ir/forensic-ami");
    if (c.forensicAmiPipeline) {
      const p = c.forensicToolPins;
      const ami = new ForensicAmi(
        "forensic-ami",
        {
          toolsBucketName: this.evidence.toolsBucketName,
          tools: { avml: p.avml, sleuthkit: p.sleuthkit, volatility3: p.volatility3, plaso: p.plaso },
          kmsKeyArn: args.evidenceKmsKeyArn,
          subnetId: this.forensicVpc.subnetIds.apply((ids) => ids[0]),
          securityGroupIds: [this.forensicVpc.workstationSecurityGroupId],
          schedule: c.forensicAmiSchedule,
          snsTopicArn: args.alertTopicArn,
        },
        parent,
      );
      this.forensicAmiParameter = ami.amiParameterName;
    }
    if (c.referenceWorkload) {
      const knownGood = new KnownGoodAmi(
        `${c.workloadName}-known-good`,
        { workload: c.workloadName },
        parent,
      );
      this.workload = new ReferenceWorkload(
        c.workloadName,
        {
          workload: c.workloadName,
          vpcId: c.workloadVpcId,
          albSubnetIds: c.workloadPublicSubnetIds,
          instanceSubnetIds: c.workloadPrivateSubnetIds,
          accessLogBucket: args.elbLogBucketName,
          kmsKeyArn: args.ebsKmsKeyArn,
          certificateArn: c.workloadCertificateArn || undefined,
          amiParameterName: knownGood.parameterName,
        },
        parent,
      );
    }
    this.registerOutputs({});
  }
}
