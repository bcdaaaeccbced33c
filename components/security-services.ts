import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { NAME_PREFIX } from "../facts";
import { baseTags } from "./tags";

/** Security Hub standards, by config name, as ARN paths (the region is filled in). */
export const STANDARD_ARN_PATHS: Record<string, string> = {
  "aws-foundational-security-best-practices": "standards/aws-foundational-security-best-practices/v/1.0.0",
  "cis-aws-foundations-benchmark-v3.0.0": "standards/cis-aws-foundations-benchmark/v/3.0.0",
  "nist-800-53-r5": "standards/nist-800-53/v/5.0.0",
  "pci-dss-v4.0.1": "standards/pci-dss/v/4.0.1",
};

export interface SecurityServicesArgs {
  region: string;
  /** @default false */
  securityHub?: boolean;
  /** Standards to subscribe to (keys of STANDARD_ARN_PATHS). @default [] */
  standards?: string[];
  /** @default false */
  detective?: boolean;
  /** @default true */
  accessAnalyzer?: boolean;
}

/** Optional regional services: Security Hub with standards, Detective, IAM Access Analyzer. */
export class SecurityServices extends pulumi.ComponentResource {
  constructor(name: string, args: SecurityServicesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("incident-ready:detection:SecurityServices", name, {}, opts);
    const parent = { parent: this };
    if (args.securityHub) {
      const hub = new aws.securityhub.Account(
        name,
        { enableDefaultStandards: false, autoEnableControls: true },
        parent,
      );
      for (const standard of args.standards ?? []) {
        const path = STANDARD_ARN_PATHS[standard];
        if (!path)
          throw new Error(
            `security hub standard "${standard}" is not known: expected one of ${Object.keys(STANDARD_ARN_PATHS).join(", ")}`,
          );
        const arn = `arn:aws:securityhub:${args.region}::${path}`;
        new aws.securityhub.StandardsSubscription(
          `${name}-${standard}`,
          { standardsArn: arn },
          { parent: this, dependsOn: [hub] },
        );
      }
    }
    if (args.detective) new aws.detective.Graph(name, { tags: baseTags() }, parent);
    if (args.accessAnalyzer ?? true)
      new aws.accessanalyzer.Analyzer(
        name,
        { analyzerName: `${NAME_PREFIX}-account-${args.region}`, type: "ACCOUNT", tags: baseTags() },
        parent,
      );
    this.registerOutputs({});
  }
}
