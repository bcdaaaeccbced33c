/**
 * A synthetic stack for the policy benchmark: `n` resources in a realistic mix (network, compute with
 * user data, storage with the v7 split S3 resources, IAM chains, logging), about one in five of them
 * misconfigured, plus a share of preview-time unknowns. Deterministic for a given n.
 */
import type { ResourceInput } from "../policy/lib/run";
import { UNKNOWN } from "../policy/lib/unknown";

const b64 = (s: string) => Buffer.from(s).toString("base64");
const ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess";
const SCOPED = JSON.stringify({
  Statement: [{ Effect: "Allow", Action: ["s3:GetObject"], Resource: "arn:aws:s3:::app/*" }],
});
const USER_DATA = b64(
  `#!/bin/bash\nset -euo pipefail\nyum install -y nginx\nDB_PASSWORD=$(aws ssm get-parameter --name /app/db --with-decryption --query Parameter.Value --output text)\nsystemctl enable --now nginx\n${"# padding line for a realistic script\n".repeat(40)}`,
);
const BAD_USER_DATA = `#!/bin/bash\nexport AWS_ACCESS_KEY_ID=${["AKIA", "Q3EGRL6YB2WXNZAP"].join("")}\n`;

/** Builds one "unit": a small app (VPC, SG, instances, bucket, role chain, LB). */
function unit(i: number, out: ResourceInput[]) {
  const bad = i % 5 === 0;
  const preview = i % 7 === 0;
  const add = (
    type: string,
    name: string,
    props: Record<string, unknown>,
    extra: Partial<ResourceInput> = {},
  ) =>
    out.push({
      type,
      name: `${name}-${i}`,
      urn: `urn:pulumi:bench::bench::${type}::${name}-${i}`,
      props,
      ...extra,
    });
  const vpcId = `vpc-${i}`;
  add("aws:ec2/vpc:Vpc", "vpc", { cidrBlock: "10.0.0.0/16", id: vpcId });
  if (!bad) add("aws:ec2/flowLog:FlowLog", "flow", { vpcId, trafficType: "ALL", logDestinationType: "s3" });
  add("aws:ec2/subnet:Subnet", "subnet", { vpcId, cidrBlock: "10.0.1.0/24", mapPublicIpOnLaunch: bad });
  add("aws:ec2/securityGroup:SecurityGroup", "sg", {
    vpcId,
    ingress: [
      { protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["0.0.0.0/0"] },
      {
        protocol: "tcp",
        fromPort: bad ? 0 : 8080,
        toPort: bad ? 65535 : 8080,
        cidrBlocks: [preview ? UNKNOWN : "10.0.0.0/8"],
      },
    ],
    egress: [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] }],
    tags: { Name: `sg-${i}` },
  });
  add("aws:ec2/securityGroupRule:SecurityGroupRule", "rule", {
    type: "ingress",
    protocol: "tcp",
    fromPort: 22,
    toPort: 22,
    cidrBlocks: [bad ? "0.0.0.0/0" : "10.0.0.0/8"],
    securityGroupId: "sg-1",
  });
  add("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "ingress", {
    ipProtocol: "tcp",
    fromPort: 5432,
    toPort: 5432,
    cidrIpv6: bad ? "::/0" : undefined,
    referencedSecurityGroupId: bad ? undefined : "sg-app",
  });
  add("aws:iam/role:Role", "role", {
    name: `role-${i}`,
    arn: `arn:aws:iam::1:role/role-${i}`,
    assumeRolePolicy: "{}",
  });
  add("aws:iam/rolePolicy:RolePolicy", "role-policy", { role: `role-${i}`, policy: SCOPED });
  add("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "attach", {
    role: `role-${i}`,
    policyArn: bad ? ADMIN : "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
  });
  add("aws:iam/instanceProfile:InstanceProfile", "profile", { name: `profile-${i}`, role: `role-${i}` });
  const metadataOptions = { httpTokens: bad ? "optional" : "required", httpPutResponseHopLimit: 1 };
  for (let k = 0; k < 3; k++)
    add("aws:ec2/instance:Instance", `web${k}`, {
      ami: bad ? "ami-0abcdef1234567890" : "resolve:ssm:/ir/known-good-ami/web",
      instanceType: "t3.small",
      iamInstanceProfile: `profile-${i}`,
      associatePublicIpAddress: bad && k === 0,
      metadataOptions: preview && k === 1 ? UNKNOWN : metadataOptions,
      rootBlockDevice: { encrypted: !bad, volumeSize: 20 },
      ebsBlockDevices: [{ deviceName: "/dev/sdf", encrypted: true, volumeSize: 50 }],
      userData: bad && k === 2 ? BAD_USER_DATA : undefined,
      userDataBase64: bad && k === 2 ? undefined : USER_DATA,
      tags: { Name: `web-${i}-${k}` },
    });
  add("aws:ec2/launchTemplate:LaunchTemplate", "lt", {
    imageId: "resolve:ssm:/ir/known-good-ami/web",
    iamInstanceProfile: { name: `profile-${i}` },
    metadataOptions,
    blockDeviceMappings: [
      { deviceName: "/dev/xvda", ebs: { encrypted: bad ? "false" : "true", volumeSize: 20 } },
    ],
    networkInterfaces: [{ associatePublicIpAddress: "false", securityGroups: ["sg-1"] }],
    userData: USER_DATA,
  });
  add("aws:ebs/volume:Volume", "vol", { availabilityZone: "us-east-1a", size: 100, encrypted: !bad });
  add("aws:efs/fileSystem:FileSystem", "efs", { encrypted: !bad });
  add("aws:kms/key:Key", "key", { enableKeyRotation: !bad, description: "app" });
  const bucket = `bucket-${i}`;
  add("aws:s3/bucket:Bucket", "bucket", { bucket, arn: `arn:aws:s3:::${bucket}`, id: bucket });
  add("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "pab", {
    bucket,
    blockPublicAcls: true,
    blockPublicPolicy: true,
    ignorePublicAcls: true,
    restrictPublicBuckets: !bad,
  });
  if (!bad)
    add("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "sse", {
      bucket,
      rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms" } }],
    });
  add("aws:s3/bucketPolicy:BucketPolicy", "bucket-policy", {
    bucket,
    policy: JSON.stringify({
      Statement: [
        {
          Effect: "Deny",
          Principal: "*",
          Action: "s3:*",
          Resource: [`arn:aws:s3:::${bucket}/*`],
          Condition: { Bool: { "aws:SecureTransport": "false" } },
        },
      ],
    }),
  });
  add("aws:s3/bucketOwnershipControls:BucketOwnershipControls", "ownership", {
    bucket,
    rule: { objectOwnership: "BucketOwnerEnforced" },
  });
  add("aws:lb/loadBalancer:LoadBalancer", "alb", {
    loadBalancerType: "application",
    accessLogs: bad ? undefined : { bucket: "logs", enabled: true },
  });
  add("aws:lb/listener:Listener", "http", {
    loadBalancerArn: "arn",
    protocol: "HTTP",
    port: 80,
    defaultActions: [
      bad
        ? { type: "forward", targetGroupArn: "tg" }
        : { type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } },
    ],
  });
  add("aws:lb/listener:Listener", "https", {
    loadBalancerArn: "arn",
    protocol: "HTTPS",
    port: 443,
    sslPolicy: bad ? "ELBSecurityPolicy-2016-08" : "ELBSecurityPolicy-TLS13-1-2-2021-06",
    defaultActions: [{ type: "forward", targetGroupArn: "tg" }],
  });
  if (i % 10 === 0)
    add("aws:cloudtrail/trail:Trail", "trail", {
      s3BucketName: bucket,
      isMultiRegionTrail: !bad,
      enableLogFileValidation: true,
      kmsKeyId: "k",
    });
  if (i % 10 === 0)
    add("aws:elb/loadBalancer:LoadBalancer", "classic", {
      listeners: [{ lbProtocol: "https", lbPort: 443, instanceProtocol: "http", instancePort: 80 }],
      accessLogs: { bucket: "logs" },
    });
  add("aws:sns/topic:Topic", "topic", { name: `topic-${i}` });
  add("aws:cloudwatch/logGroup:LogGroup", "logs", { retentionInDays: 365 });
}

export function syntheticStack(n: number): ResourceInput[] {
  const out: ResourceInput[] = [];
  for (let i = 0; out.length < n; i++) unit(i, out);
  return out.slice(0, n);
}
