/**
 * Endpoint policies and address plan of the forensic VPC, as pure functions.
 */

/**
 * How each interface endpoint's policy limits access to this account. `principal`: only principals
 * of this account (stolen outside credentials cannot use the endpoint); `resource`: only resources
 * of this account too (nothing can be copied out to another account's key or log group). Services
 * absent here either do not support endpoint policies (ssmmessages, ec2messages) or get full access.
 */
const ENDPOINT_LIMITS: Record<string, "principal" | "principal+resource"> = {
  ec2: "principal",
  imagebuilder: "principal",
  kms: "principal+resource",
  logs: "principal+resource",
  ssm: "principal",
  sts: "principal",
};

/** Policy of an interface endpoint, or undefined when the service supports none (default: full access). */
export function endpointPolicy(service: string, accountId: string) {
  const limit = ENDPOINT_LIMITS[service];
  if (!limit) return undefined;
  const condition: Record<string, string> = { "aws:PrincipalAccount": accountId };
  if (limit === "principal+resource") condition["aws:ResourceAccount"] = accountId;
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "ThisAccountOnly",
        Effect: "Allow",
        Principal: "*",
        Action: "*",
        Resource: "*",
        Condition: { StringEquals: condition },
      },
    ],
  };
}

/**
 * AWS-owned buckets that instances in a private VPC read through the S3 endpoint: Amazon Linux
 * package repositories, SSM Agent and its documents, Image Builder's task orchestrator (AWSTOE).
 */
export const awsOwnedBucketObjectArns = (region: string) => [
  `arn:aws:s3:::al2023-repos-${region}-de612dc2/*`,
  `arn:aws:s3:::amazonlinux-2-repos-${region}/*`,
  `arn:aws:s3:::amazon-ssm-${region}/*`,
  `arn:aws:s3:::amazon-ssm-packages-${region}/*`,
  `arn:aws:s3:::aws-ssm-${region}/*`,
  `arn:aws:s3:::aws-ssm-document-attachments-${region}/*`,
  `arn:aws:s3:::aws-ssm-distributor-file-${region}/*`,
  `arn:aws:s3:::patch-baseline-snapshot-${region}/*`,
  `arn:aws:s3:::${region}-birdwatcher-prod/*`,
  `arn:aws:s3:::ec2imagebuilder-toe-${region}-prod/*`,
  `arn:aws:s3:::ec2imagebuilder-managed-resources-${region}-prod/components/*`,
];

/** S3 gateway endpoint policy: buckets of this account, plus read-only access to the AWS-owned buckets. */
export function s3EndpointPolicy(accountId: string, region: string, extraObjectArns: string[] = []) {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "ThisAccountsBuckets",
        Effect: "Allow",
        Principal: "*",
        Action: "*",
        Resource: "*",
        Condition: { StringEquals: { "aws:ResourceAccount": accountId } },
      },
      {
        Sid: "AwsOwnedBucketsReadOnly",
        Effect: "Allow",
        Principal: "*",
        Action: "s3:GetObject",
        Resource: [...awsOwnedBucketObjectArns(region), ...extraObjectArns],
      },
    ],
  };
}

/**
 * Carves `count` subnets out of an IPv4 CIDR: 16 equal slices (room for more zones later), or more
 * if `count` needs it; returns the first `count`.
 */
export function splitCidr(cidr: string, count: number): string[] {
  const [addr, prefixText] = cidr.split("/");
  const prefix = Number(prefixText);
  const base = addr!.split(".").reduce((acc, o) => acc * 256 + Number(o), 0);
  const bits = Math.max(4, Math.ceil(Math.log2(count)));
  const newPrefix = prefix + bits;
  if (newPrefix > 28)
    throw new Error(`cidr ${cidr} is too small for ${count} subnets: use a larger vpc cidr`);
  const size = 2 ** (32 - newPrefix);
  return Array.from({ length: count }, (_, i) => {
    const n = base + i * size;
    return `${[24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join(".")}/${newPrefix}`;
  });
}
