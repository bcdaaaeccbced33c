/**
 * Every rule of the strict layer, in the order a request meets them: credentials and URL expiry first,
 * then pacing and request-size limits (AWS refuses those before it looks at who asks), then
 * authorisation, then each service's own refusals, and last the rules that answer calls moto lacks.
 * One rule per file; docs/strict-aws.md lists them with their sources.
 */
import type { StrictRule } from "../types";
import { asgLifecycleHeartbeat } from "./asg-lifecycle-heartbeat";
import { asgLifecycleState } from "./asg-lifecycle-state";
import { asgNoReplacementOnTemplateVersion } from "./asg-no-replacement-on-template-version";
import { asgResourceContention } from "./asg-resource-contention";
import { ec2ConntrackNitroOnly } from "./ec2-conntrack-nitro-only";
import { ec2DeprecatedAmiHidden } from "./ec2-deprecated-ami-hidden";
import { ec2EbsKeyAccess } from "./ec2-ebs-key-access";
import { ec2InstanceGroupsMultiEni } from "./ec2-instance-groups-multi-eni";
import { ec2RequestRateBuckets } from "./ec2-request-rate-buckets";
import { ec2RequesterManagedEni } from "./ec2-requester-managed-eni";
import { ec2SnapshotPerVolumeRate } from "./ec2-snapshot-per-volume-rate";
import { ec2StopProtectionBlocksTerminate } from "./ec2-stop-protection-blocks-terminate";
import { iamAuthorize } from "./iam-authorize";
import { iamInlinePolicyBudget } from "./iam-inline-policy-budget";
import { iamSimulatePrincipalPolicy } from "./iam-simulate-principal-policy";
import { lambdaRoleWriter } from "./lambda-role-writer";
import { motoDynamodbSerialWrites } from "./moto-dynamodb-serial-writes";
import { motoFlowLogS3Prefix } from "./moto-flow-log-s3-prefix";
import { motoS3BucketPolicy } from "./moto-s3-bucket-policy";
import { s3ObjectLockChecksum } from "./s3-object-lock-checksum";
import { s3PartSize } from "./s3-part-size";
import { s3PresignedExpiry } from "./s3-presigned-expiry";
import { ssmAgent } from "./ssm-agent";
import { stsSessions } from "./sts-sessions";

export const STRICT_RULES: readonly StrictRule[] = [
  stsSessions,
  s3PresignedExpiry,
  ec2RequestRateBuckets,
  s3PartSize,
  iamAuthorize,
  ec2ConntrackNitroOnly,
  ec2RequesterManagedEni,
  ec2InstanceGroupsMultiEni,
  ec2SnapshotPerVolumeRate,
  ec2StopProtectionBlocksTerminate,
  ec2DeprecatedAmiHidden,
  ec2EbsKeyAccess,
  asgLifecycleState,
  asgLifecycleHeartbeat,
  asgResourceContention,
  asgNoReplacementOnTemplateVersion,
  s3ObjectLockChecksum,
  iamInlinePolicyBudget,
  iamSimulatePrincipalPolicy,
  // Answers an Invoke of the role writer itself (after authorisation): runs its handler as its role.
  lambdaRoleWriter,
  // Answers the SSM command calls itself (after authorisation): runs delivered scripts on an emulated host.
  ssmAgent,
  motoFlowLogS3Prefix,
  motoDynamodbSerialWrites,
  motoS3BucketPolicy,
];

/**
 * Work-arounds of moto bugs, not AWS behaviour: in front of moto even when strictness is off. With
 * them, the role writer: moto cannot run a function at all, and `ir` writes role policies through it.
 */
export const MOTO_SHIMS: readonly StrictRule[] = [
  lambdaRoleWriter,
  motoFlowLogS3Prefix,
  motoDynamodbSerialWrites,
  motoS3BucketPolicy,
];
