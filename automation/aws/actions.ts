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
  LambdaClient: "lambda",
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
  ListMultipartUploads: "ListBucketMultipartUploads",
  PutObjectLockConfiguration: "PutBucketObjectLockConfiguration",
  GetObjectLockConfiguration: "GetBucketObjectLockConfiguration",
  PutBucketVersioning: "PutBucketVersioning",
  CreateBucket: "CreateBucket",
  PutPublicAccessBlock: "PutBucketPublicAccessBlock",
  GetPublicAccessBlock: "GetBucketPublicAccessBlock",
  GetObjectRetention: "GetObjectRetention",
  ListObjectVersions: "ListBucketVersions",
};

/** Operations of other services whose IAM action has another name. */
const OTHER_ACTIONS: Record<string, string> = { "lambda:Invoke": "lambda:InvokeFunction" };

/** The IAM action for an SDK call, e.g. ("EC2Client", "CreateSnapshotsCommand") -> "ec2:CreateSnapshots". */
export function iamActionFor(clientName: string, commandName: string): string {
  const prefix = PREFIX_BY_CLIENT[clientName] ?? clientName.replace(/Client$/, "").toLowerCase();
  const op = commandName.replace(/Command$/, "");
  if (prefix === "s3") return `s3:${S3_ACTIONS[op] ?? op}`;
  return OTHER_ACTIONS[`${prefix}:${op}`] ?? `${prefix}:${op}`;
}

/**
 * Every IAM action one call needs: its own, plus those IAM evaluates for what the input asks for
 * (tag-on-create, Object Lock retention, passing a role, each item of a DynamoDB transaction...).
 */
export function iamActionsFor(clientName: string, commandName: string, input: any): string[] {
  const op = commandName.replace(/Command$/, "");
  const own = iamActionFor(clientName, commandName);
  const out = new Set<string>(op === "TransactWriteItems" ? [] : [own]);
  const tagged = Array.isArray(input?.TagSpecifications) && input.TagSpecifications.length > 0;
  switch (op) {
    case "TransactWriteItems":
      for (const item of input?.TransactItems ?? []) {
        if (item.Put) out.add("dynamodb:PutItem");
        if (item.Update) out.add("dynamodb:UpdateItem");
        if (item.Delete) out.add("dynamodb:DeleteItem");
        if (item.ConditionCheck) out.add("dynamodb:ConditionCheckItem");
      }
      break;
    case "CreateSnapshots":
    case "CopySnapshot":
    case "CreateSecurityGroup":
    case "CreateVolume":
    case "CreateVpc":
    case "CreateSubnet":
    case "CreateVpcEndpoint":
    case "CreateLaunchTemplateVersion":
      if (tagged) out.add("ec2:CreateTags");
      break;
    case "RunInstances":
      if (tagged) out.add("ec2:CreateTags");
      // Launching with an instance profile passes its role.
      if (input?.IamInstanceProfile) out.add("iam:PassRole");
      break;
    case "UpdateAutoScalingGroup":
      // Pointing a group at a launch template: AWS checks the caller may launch from it and pass the
      // role of its instance profile (the same checks as a RunInstances with that template).
      if (input?.LaunchTemplate || input?.MixedInstancesPolicy) {
        out.add("ec2:RunInstances");
        out.add("iam:PassRole");
      }
      break;
    case "ReplaceIamInstanceProfileAssociation":
    case "AssociateIamInstanceProfile":
      out.add("iam:PassRole");
      break;
    case "CreateRole":
      if (input?.Tags?.length) out.add("iam:TagRole");
      break;
    case "CreateInstanceProfile":
      if (input?.Tags?.length) out.add("iam:TagInstanceProfile");
      break;
    case "CreateTable":
      if (input?.Tags?.length) out.add("dynamodb:TagResource");
      break;
    case "CreateBucket":
      if (input?.ObjectLockEnabledForBucket) {
        out.add("s3:PutBucketObjectLockConfiguration");
        out.add("s3:PutBucketVersioning");
      }
      break;
    case "GetObject":
    case "HeadObject":
      // Reading a specific version is authorised by s3:GetObjectVersion, not s3:GetObject.
      if (input?.VersionId) {
        out.delete(own);
        out.add("s3:GetObjectVersion");
      }
      break;
    case "PutObject":
    case "CreateMultipartUpload":
      if (input?.ObjectLockMode) out.add("s3:PutObjectRetention");
      if (input?.SSEKMSKeyId) out.add("kms:GenerateDataKey");
      break;
  }
  return [...out];
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
  // Removes one association: sent again after it took effect, it finds the association gone
  // (InvalidAssociationID.NotFound, which the caller takes as done) and changes nothing else.
  "DisassociateAddress",
  "SetInstanceProtection",
  "DeregisterTargets",
  "DeregisterInstancesFromLoadBalancer",
  "PutRolePolicy",
  "DeleteRolePolicy",
  // ir invokes one function, the role writer, whose every operation is a put or a delete of a fixed
  // policy (automation/aws/role-writes.ts): sent again, it writes the same bytes or finds none to delete.
  "Invoke",
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
