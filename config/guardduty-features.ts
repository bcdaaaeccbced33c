/** GuardDuty protection plans, as the config names them, and the detector feature each one turns on. */
export const GUARDDUTY_FEATURE_NAMES = {
  s3: "S3_DATA_EVENTS",
  "ebs-malware": "EBS_MALWARE_PROTECTION",
  runtime: "RUNTIME_MONITORING",
  rds: "RDS_LOGIN_EVENTS",
  eks: "EKS_AUDIT_LOGS",
  lambda: "LAMBDA_NETWORK_LOGS",
} as const;

export type GuardDutyFeature = keyof typeof GUARDDUTY_FEATURE_NAMES;
export const GUARDDUTY_FEATURES = Object.keys(GUARDDUTY_FEATURE_NAMES) as GuardDutyFeature[];
