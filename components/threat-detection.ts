import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import {
  GUARDDUTY_FEATURE_NAMES,
  GUARDDUTY_FEATURES,
  type GuardDutyFeature,
} from "../config/guardduty-features";
import { baseTags } from "./tags";

export interface ThreatDetectionArgs {
  /** Protection plans to enable; the others are explicitly disabled, so drift shows in a preview. */
  features: GuardDutyFeature[];
}

/** Agent management that runtime monitoring needs to see inside EC2 instances (and containers). */
const RUNTIME_AGENTS = ["EC2_AGENT_MANAGEMENT", "ECS_FARGATE_AGENT_MANAGEMENT", "EKS_ADDON_MANAGEMENT"];

/**
 * GuardDuty in one region: a detector publishing findings every 15 minutes (the default is 6 hours,
 * far too slow for containment) and the chosen protection plans.
 */
export class ThreatDetection extends pulumi.ComponentResource {
  readonly detector: aws.guardduty.Detector;
  readonly detectorId: pulumi.Output<string>;

  constructor(name: string, args: ThreatDetectionArgs, opts?: pulumi.ComponentResourceOptions) {
    super("incident-ready:detection:ThreatDetection", name, {}, opts);
    this.detector = new aws.guardduty.Detector(
      name,
      { enable: true, findingPublishingFrequency: "FIFTEEN_MINUTES", tags: baseTags() },
      { parent: this },
    );
    for (const feature of GUARDDUTY_FEATURES) {
      const enabled = args.features.includes(feature);
      const status = enabled ? "ENABLED" : "DISABLED";
      new aws.guardduty.DetectorFeature(
        `${name}-${feature}`,
        {
          detectorId: this.detector.id,
          name: GUARDDUTY_FEATURE_NAMES[feature],
          status,
          additionalConfigurations:
            feature === "runtime" ? RUNTIME_AGENTS.map((agent) => ({ name: agent, status })) : undefined,
        },
        { parent: this },
      );
    }
    this.detectorId = this.detector.id;
    this.registerOutputs({ detectorId: this.detectorId });
  }
}
