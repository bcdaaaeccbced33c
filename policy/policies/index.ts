/**
 * Every policy of the pack, in the order they run. Tests and tools import this array; only
 * policy/index.ts builds the PolicyPack from it.
 */
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { cloudtrailKms } from "./cloudtrail/cloudtrail-kms";
import { cloudtrailLogValidation } from "./cloudtrail/cloudtrail-log-validation";
import { cloudtrailMultiRegion } from "./cloudtrail/cloudtrail-multi-region";
import { ebsEncryptionByDefault } from "./ebs/ebs-encryption-by-default";
import { ebsVolumeEncrypted } from "./ebs/ebs-volume-encrypted";
import { amiBlockPublicAccess } from "./ec2/ami-block-public-access";
import { amiNotPublic } from "./ec2/ami-not-public";
import { approvedAmi } from "./ec2/approved-ami";
import { ec2BlockDevicesEncrypted } from "./ec2/ec2-block-devices-encrypted";
import { ec2NoPublicIp } from "./ec2/ec2-no-public-ip";
import { imdsHopLimit } from "./ec2/imds-hop-limit";
import { imdsv2Required } from "./ec2/imdsv2-required";
import { sgAdminPortsOpenToWorld } from "./ec2/sg-admin-ports-open-to-world";
import { sgAllTrafficOpenToWorld } from "./ec2/sg-all-traffic-open-to-world";
import { sgDatabasePortsOpenToWorld } from "./ec2/sg-database-ports-open-to-world";
import { sgEgressAllToWorld } from "./ec2/sg-egress-all-to-world";
import { snapshotBlockPublicAccess } from "./ec2/snapshot-block-public-access";
import { snapshotNotPublic } from "./ec2/snapshot-not-public";
import { userDataNoSecrets } from "./ec2/user-data-no-secrets";
import { efsEncrypted } from "./efs/efs-encrypted";
import { elbAccessLogs } from "./elb/elb-access-logs";
import { elbHttpRedirectsToHttps } from "./elb/elb-http-redirects-to-https";
import { elbTlsPolicy } from "./elb/elb-tls-policy";
import { guarddutyEnabled } from "./guardduty/guardduty-enabled";
import { iamNoAccessKeys } from "./iam/iam-no-access-keys";
import { iamNoPassroleWildcard } from "./iam/iam-no-passrole-wildcard";
import { iamPolicyNoAdmin } from "./iam/iam-policy-no-admin";
import { iamRoleTrustNotPublic } from "./iam/iam-role-trust-not-public";
import { instanceRoleNotAdmin } from "./iam/instance-role-not-admin";
import { kmsKeyPolicyNotPublic } from "./kms/kms-key-policy-not-public";
import { kmsKeyRotation } from "./kms/kms-key-rotation";
import { exemptionTagsValid } from "./pack/exemption-tags-valid";
import { s3AccountPublicAccessBlock } from "./s3/s3-account-public-access-block";
import { s3AclsDisabled } from "./s3/s3-acls-disabled";
import { s3BucketEncryption } from "./s3/s3-bucket-encryption";
import { s3BucketPublicAccessBlock } from "./s3/s3-bucket-public-access-block";
import { s3BucketPublicAccessBlockFlags } from "./s3/s3-bucket-public-access-block-flags";
import { s3NoPublicAcl } from "./s3/s3-no-public-acl";
import { s3NoPublicPolicy } from "./s3/s3-no-public-policy";
import { s3TlsOnly } from "./s3/s3-tls-only";
import { ssmDocumentNotPublic } from "./ssm/ssm-document-not-public";
import { defaultSgRestrictsAll } from "./vpc/default-sg-restricts-all";
import { naclAdminPortsOpenToWorld } from "./vpc/nacl-admin-ports-open-to-world";
import { subnetNoAutoPublicIp } from "./vpc/subnet-no-auto-public-ip";
import { vpcFlowLogs } from "./vpc/vpc-flow-logs";

export { RULES } from "../lib/define";

export const policies: Array<ResourceValidationPolicy | StackValidationPolicy> = [
  // network exposure
  sgAdminPortsOpenToWorld,
  sgDatabasePortsOpenToWorld,
  sgAllTrafficOpenToWorld,
  naclAdminPortsOpenToWorld,
  defaultSgRestrictsAll,
  ec2NoPublicIp,
  subnetNoAutoPublicIp,
  sgEgressAllToWorld,
  // instance hardening
  imdsv2Required,
  imdsHopLimit,
  userDataNoSecrets,
  approvedAmi,
  instanceRoleNotAdmin,
  // encryption at rest
  ebsVolumeEncrypted,
  ec2BlockDevicesEncrypted,
  ebsEncryptionByDefault,
  efsEncrypted,
  kmsKeyRotation,
  kmsKeyPolicyNotPublic,
  // images and snapshots
  amiNotPublic,
  snapshotNotPublic,
  amiBlockPublicAccess,
  snapshotBlockPublicAccess,
  ssmDocumentNotPublic,
  // S3
  s3NoPublicAcl,
  s3NoPublicPolicy,
  s3AccountPublicAccessBlock,
  s3BucketPublicAccessBlockFlags,
  s3BucketPublicAccessBlock,
  s3AclsDisabled,
  s3BucketEncryption,
  s3TlsOnly,
  // IAM
  iamPolicyNoAdmin,
  iamNoAccessKeys,
  iamNoPassroleWildcard,
  iamRoleTrustNotPublic,
  // logging and detection
  cloudtrailMultiRegion,
  cloudtrailLogValidation,
  cloudtrailKms,
  guarddutyEnabled,
  vpcFlowLogs,
  elbAccessLogs,
  elbHttpRedirectsToHttps,
  elbTlsPolicy,
  // the pack itself
  exemptionTagsValid,
];
