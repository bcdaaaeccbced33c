/**
 * Maps an SDK command to the IAM action that authorises it. Most are `<prefix>:<Command>`; S3 and a few
 * others differ (HeadObject is authorised by s3:GetObject, multipart parts by s3:PutObject...).
 */

/** IAM service prefix by SDK client name (context.clientName). */
const PREFIX_BY_CLIENT: Record<string, string> = {
  EC2Client: "ec2",
  AutoScalingClient: "autoscaling",
  ElasticLoadBalancingV2Client: "elasticloadbalancing",
  ElasticLoadBalancingClient: "elasticloadbalancing",
  IAMClient: "iam",
  STSClient: "sts",
  S3Client: "s3",
  SSMClient: "ssm",
  DynamoDBClient: "dynamodb",
  KMSClient: "kms",
  CloudTrailClient: "cloudtrail",
  ConfigServiceClient: "config",
  EventBridgeClient: "events",
  SNSClient: "sns",
};

/** Operations whose IAM action has another name. */
const S3_ACTIONS: Record<string, string> = {
  HeadObject: "GetObject",
  HeadBucket: "ListBucket",
  ListObjectsV2: "ListBucket",
  CreateMultipartUpload: "PutObject",
  UploadPart: "PutObject",
  CompleteMultipartUpload: "PutObject",
  ListParts: "ListMultipartUploadParts",
  PutObjectLockConfiguration: "PutBucketObjectLockConfiguration",
  GetObjectLockConfiguration: "GetBucketObjectLockConfiguration",
  PutBucketVersioning: "PutBucketVersioning",
  CreateBucket: "CreateBucket",
  PutPublicAccessBlock: "PutBucketPublicAccessBlock",
  GetPublicAccessBlock: "GetBucketPublicAccessBlock",
  GetObjectRetention: "GetObjectRetention",
};

/** The IAM action for an SDK call, e.g. ("EC2Client", "CreateSnapshotsCommand") -> "ec2:CreateSnapshots". */
export function iamActionFor(clientName: string, commandName: string): string {
  const prefix = PREFIX_BY_CLIENT[clientName] ?? clientName.replace(/Client$/, "").toLowerCase();
  const op = commandName.replace(/Command$/, "");
  if (prefix === "s3") return `s3:${S3_ACTIONS[op] ?? op}`;
  return `${prefix}:${op}`;
}

/** Read-only operations: safe to retry on any transient error. */
export function isReadOnly(op: string): boolean {
  return /^(Describe|Get|List|Head|Query|Scan|Lookup|Select)/.test(op.replace(/Command$/, ""));
}

/**
 * Mutations that have the same effect however often they are sent (set-state calls), so a transient
 * failure may be retried. Creates without client tokens are deliberately absent: they are retried
 * only on throttling (the request was refused, so nothing was created).
 */
const IDEMPOTENT_MUTATIONS = new Set([
  "ModifyNetworkInterfaceAttribute",
  "ModifyInstanceAttribute",
  "SetInstanceProtection",
  "DeregisterTargets",
  "DeregisterInstancesFromLoadBalancer",
  "PutRolePolicy",
  "DeleteRolePolicy",
  "CreateTags",
  "PutObject",
  "UploadPart",
  "CompleteMultipartUpload",
  "AbortMultipartUpload",
  "PutItem",
  "UpdateItem",
  "DeleteItem",
  "TransactWriteItems",
  "PutPublicAccessBlock",
  "PutBucketVersioning",
  "PutObjectLockConfiguration",
]);

export function isIdempotent(op: string): boolean {
  const name = op.replace(/Command$/, "");
  return isReadOnly(name) || IDEMPOTENT_MUTATIONS.has(name);
}
