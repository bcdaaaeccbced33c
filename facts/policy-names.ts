/**
 * Names of the policy pack's policies (policy/), for code that writes exemption tags: a component
 * that must deviate from a rule tags its resource with `policyExemptionTag(POLICY.x)` and a reason, and
 * the pack honours it. A test keeps this list and the pack identical.
 */
import { TAG } from "./tags";

export const POLICY = {
  sgAdminPortsOpenToWorld: "sg-admin-ports-open-to-world",
  sgDatabasePortsOpenToWorld: "sg-database-ports-open-to-world",
  sgAllTrafficOpenToWorld: "sg-all-traffic-open-to-world",
  naclAdminPortsOpenToWorld: "nacl-admin-ports-open-to-world",
  defaultSgRestrictsAll: "default-sg-restricts-all",
  ec2NoPublicIp: "ec2-no-public-ip",
  subnetNoAutoPublicIp: "subnet-no-auto-public-ip",
  sgEgressAllToWorld: "sg-egress-all-to-world",
  imdsv2Required: "imdsv2-required",
  imdsHopLimit: "imds-hop-limit",
  userDataNoSecrets: "user-data-no-secrets",
  approvedAmi: "approved-ami",
  instanceRoleNotAdmin: "instance-role-not-admin",
  ebsVolumeEncrypted: "ebs-volume-encrypted",
  ec2BlockDevicesEncrypted: "ec2-block-devices-encrypted",
  ebsEncryptionByDefault: "ebs-encryption-by-default",
  efsEncrypted: "efs-encrypted",
  kmsKeyRotation: "kms-key-rotation",
  kmsKeyPolicyNotPublic: "kms-key-policy-not-public",
  amiNotPublic: "ami-not-public",
  snapshotNotPublic: "snapshot-not-public",
  amiBlockPublicAccess: "ami-block-public-access",
  snapshotBlockPublicAccess: "snapshot-block-public-access",
  ssmDocumentNotPublic: "ssm-document-not-public",
  s3NoPublicAcl: "s3-no-public-acl",
  s3NoPublicPolicy: "s3-no-public-policy",
  s3AccountPublicAccessBlock: "s3-account-public-access-block",
  s3BucketPublicAccessBlockFlags: "s3-bucket-public-access-block-flags",
  s3BucketPublicAccessBlock: "s3-bucket-public-access-block",
  s3AclsDisabled: "s3-acls-disabled",
  s3BucketEncryption: "s3-bucket-encryption",
  s3TlsOnly: "s3-tls-only",
  iamPolicyNoAdmin: "iam-policy-no-admin",
  iamNoAccessKeys: "iam-no-access-keys",
  iamNoPassroleWildcard: "iam-no-passrole-wildcard",
  iamRoleTrustNotPublic: "iam-role-trust-not-public",
  cloudtrailMultiRegion: "cloudtrail-multi-region",
  cloudtrailLogValidation: "cloudtrail-log-validation",
  cloudtrailKms: "cloudtrail-kms",
  guarddutyEnabled: "guardduty-enabled",
  vpcFlowLogs: "vpc-flow-logs",
  elbAccessLogs: "elb-access-logs",
  elbHttpRedirectsToHttps: "elb-http-redirects-to-https",
  elbTlsPolicy: "elb-tls-policy",
  exemptionTagsValid: "exemption-tags-valid",
} as const;

export type PolicyName = (typeof POLICY)[keyof typeof POLICY];

/** The exemption tag key for one policy: `tags: { [policyExemptionTag(POLICY.ec2NoPublicIp)]: "<reason>" }`. */
export const policyExemptionTag = (policy: PolicyName): string => `${TAG.policyExemptPrefix}${policy}`;
