/**
 * The curated AWS Config managed rules: each one watches for a cause of EC2 compromises or for a gap
 * that would leave one uninvestigable. `identifier` is the managed rule's source identifier.
 */
export interface ConfigRuleSpec {
  name: string;
  identifier: string;
  why: string;
  /** Rule parameters (JSON object), when the rule takes some. */
  parameters?: Record<string, string>;
  /** Periodic rules evaluate on a schedule rather than on configuration changes. */
  periodic?: boolean;
  /** Account-level rules evaluate once, in the home region. */
  homeRegionOnly?: boolean;
}

export const CONFIG_RULES: readonly ConfigRuleSpec[] = [
  {
    name: "restricted-ssh",
    identifier: "INCOMING_SSH_DISABLED",
    why: "SSH open to the world is the first way in.",
  },
  {
    name: "restricted-common-ports",
    identifier: "RESTRICTED_INCOMING_TRAFFIC",
    why: "RDP, databases and admin ports open to the world.",
    parameters: {
      blockedPort1: "3389",
      blockedPort2: "3306",
      blockedPort3: "5432",
      blockedPort4: "6379",
      blockedPort5: "27017",
    },
  },
  {
    name: "vpc-sg-open-only-to-authorized-ports",
    identifier: "VPC_SG_OPEN_ONLY_TO_AUTHORIZED_PORTS",
    why: "Anything open to 0.0.0.0/0 beyond HTTP and HTTPS.",
    parameters: { authorizedTcpPorts: "443,80" },
  },
  {
    name: "ec2-imdsv2-check",
    identifier: "EC2_IMDSV2_CHECK",
    why: "IMDSv1 lets SSRF steal the instance role's credentials.",
  },
  {
    name: "encrypted-volumes",
    identifier: "ENCRYPTED_VOLUMES",
    why: "Unencrypted volumes leak through snapshots.",
  },
  {
    name: "ec2-ebs-encryption-by-default",
    identifier: "EC2_EBS_ENCRYPTION_BY_DEFAULT",
    why: "New volumes must be encrypted without anyone remembering to.",
    periodic: true,
  },
  {
    name: "vpc-flow-logs-enabled",
    identifier: "VPC_FLOW_LOGS_ENABLED",
    why: "Without flow logs, exfiltration is invisible.",
    periodic: true,
  },
  {
    name: "ebs-snapshot-public-restorable-check",
    identifier: "EBS_SNAPSHOT_PUBLIC_RESTORABLE_CHECK",
    why: "A public snapshot publishes the disk.",
    periodic: true,
  },
  {
    name: "elb-logging-enabled",
    identifier: "ELB_LOGGING_ENABLED",
    why: "Access logs show the request that broke in.",
  },
  {
    name: "alb-http-to-https-redirection-check",
    identifier: "ALB_HTTP_TO_HTTPS_REDIRECTION_CHECK",
    why: "Plain HTTP exposes sessions and credentials.",
    periodic: true,
  },
  {
    name: "multi-region-cloud-trail-enabled",
    identifier: "MULTI_REGION_CLOUD_TRAIL_ENABLED",
    why: "An attacker works in the region nobody logs.",
    periodic: true,
    homeRegionOnly: true,
  },
  {
    name: "cloud-trail-log-file-validation-enabled",
    identifier: "CLOUD_TRAIL_LOG_FILE_VALIDATION_ENABLED",
    why: "Log files must prove they were not altered.",
    periodic: true,
    homeRegionOnly: true,
  },
  {
    name: "cloud-trail-encryption-enabled",
    identifier: "CLOUD_TRAIL_ENCRYPTION_ENABLED",
    why: "Trail files under a CMK are readable only through its policy.",
    periodic: true,
    homeRegionOnly: true,
  },
  {
    name: "cmk-backing-key-rotation-enabled",
    identifier: "CMK_BACKING_KEY_ROTATION_ENABLED",
    why: "Key rotation limits what one exposed key version can decrypt.",
    periodic: true,
  },
  {
    name: "s3-bucket-ssl-requests-only",
    identifier: "S3_BUCKET_SSL_REQUESTS_ONLY",
    why: "Requests without TLS leak data and credentials.",
  },
  {
    name: "s3-account-level-public-access-blocks-periodic",
    identifier: "S3_ACCOUNT_LEVEL_PUBLIC_ACCESS_BLOCKS_PERIODIC",
    why: "One public bucket policy publishes the data.",
    periodic: true,
    homeRegionOnly: true,
  },
  {
    name: "iam-policy-no-statements-with-admin-access",
    identifier: "IAM_POLICY_NO_STATEMENTS_WITH_ADMIN_ACCESS",
    why: "Admin rights on an instance role turn one host into the whole account.",
    homeRegionOnly: true,
  },
  {
    name: "ec2-instance-no-public-ip",
    identifier: "EC2_INSTANCE_NO_PUBLIC_IP",
    why: "A public IP makes every open port reachable from the internet.",
  },
  {
    name: "ec2-instance-profile-attached",
    identifier: "EC2_INSTANCE_PROFILE_ATTACHED",
    why: "Instances without a profile tend to carry long-term keys instead.",
  },
  {
    name: "guardduty-enabled-centralized",
    identifier: "GUARDDUTY_ENABLED_CENTRALIZED",
    why: "No GuardDuty, no finding, no response.",
    periodic: true,
  },
  {
    name: "access-keys-rotated",
    identifier: "ACCESS_KEYS_ROTATED",
    why: "Old long-term keys are the credentials attackers find in code and AMIs.",
    parameters: { maxAccessKeyAge: "90" },
    periodic: true,
    homeRegionOnly: true,
  },
];

/** approved-amis-by-id is added only when approved AMI ids are configured (it needs them as a parameter). */
export const approvedAmisRule = (amiIds: string[]): ConfigRuleSpec => ({
  name: "approved-amis-by-id",
  identifier: "APPROVED_AMIS_BY_ID",
  why: "Instances from unknown AMIs may carry a backdoor.",
  parameters: { amiIds: amiIds.join(",") },
});

export const CONFIG_RULE_NAMES = [...CONFIG_RULES.map((r) => r.name), "approved-amis-by-id"];
