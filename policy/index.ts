/**
 * The CrossGuard policy pack: `pulumi preview --policy-pack policy`. This file only constructs the
 * pack; every policy lives in policies/ (tests and tools import policies/index.ts, never this file).
 */
import { PolicyPack } from "@pulumi/policy";
import { policies } from "./policies";

new PolicyPack("ec2-incident-ready", {
  description:
    "Blocks the misconfigurations behind EC2 breaches: open admin ports, IMDSv1, secrets in user data, public snapshots and AMIs, admin instance roles, unencrypted disks, public buckets, missing trails and flow logs.",
  displayName: "EC2 incident-ready guardrails",
  provider: "aws",
  enforcementLevel: "mandatory",
  policies,
});
