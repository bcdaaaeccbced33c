import { type Case, one, res, spec } from "../harness";
import { T } from "./types";

const tlsDeny = (arn: string) =>
  JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "DenyInsecure",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:*",
        Resource: [arn, `${arn}/*`],
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      },
    ],
  });
const publicRead = JSON.stringify({
  Statement: [
    { Sid: "Public", Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: "arn:aws:s3:::b/*" },
  ],
});
/** A bucket policy allowing Principal "*" to read, under the given condition. */
const publicUnder = (condition: Record<string, unknown>) => ({
  Statement: [
    {
      Sid: "Conditional",
      Effect: "Allow",
      Principal: "*",
      Action: "s3:GetObject",
      Resource: "arn:aws:s3:::b/*",
      Condition: condition,
    },
  ],
});
const flags = {
  blockPublicAcls: true,
  blockPublicPolicy: true,
  ignorePublicAcls: true,
  restrictPublicBuckets: true,
};

export const publicAcl = spec({
  policy: "s3-no-public-acl",
  compliant: [
    one("private bucket", T.bucket, { bucket: "b", acl: "private" }),
    one("BucketAcl private", T.bucketAcl, { bucket: "b", acl: "private" }),
    one("grant to a canonical user", T.bucketAclV2, {
      bucket: "b",
      accessControlPolicy: {
        owner: { id: "o" },
        grants: [{ permission: "READ", grantee: { type: "CanonicalUser", id: "abc" } }],
      },
    }),
  ],
  noncompliant: [
    one("bucket acl public-read", T.bucket, { bucket: "b", acl: "public-read" }),
    one(
      "BucketAcl public-read-write",
      T.bucketAcl,
      { bucket: "b", acl: "public-read-write" },
      { expect: "writable" },
    ),
    one(
      "grant to AllUsers",
      T.bucketAcl,
      {
        bucket: "b",
        accessControlPolicy: {
          owner: { id: "o" },
          grants: [
            {
              permission: "READ",
              grantee: { type: "Group", uri: "http://acs.amazonaws.com/groups/global/AllUsers" },
            },
          ],
        },
      },
      { expect: "AllUsers" },
    ),
    one("bucket grant to AuthenticatedUsers", T.bucketV2, {
      bucket: "b",
      grants: [
        {
          type: "Group",
          permissions: ["READ"],
          uri: "http://acs.amazonaws.com/groups/global/AuthenticatedUsers",
        },
      ],
    }),
    one("public object", T.object, { bucket: "b", key: "k", acl: "public-read" }),
  ],
});

export const publicPolicy = spec({
  policy: "s3-no-public-policy",
  compliant: [
    one("TLS deny policy", T.bucketPolicy, { bucket: "b", policy: tlsDeny("arn:aws:s3:::b") }),
    one("Principal * restricted to the organization", T.bucketPolicy, {
      bucket: "b",
      policy: {
        Statement: [
          {
            Effect: "Allow",
            Principal: "*",
            Action: "s3:GetObject",
            Resource: "*",
            Condition: { StringEquals: { "aws:PrincipalOrgID": "o-123" } },
          },
        ],
      },
    }),
    one("named account principal", T.bucketPolicy, {
      bucket: "b",
      policy: {
        Statement: [
          {
            Effect: "Allow",
            Principal: { AWS: "arn:aws:iam::111122223333:root" },
            Action: "s3:*",
            Resource: "*",
          },
        ],
      },
    }),
    one("bucket without a policy", T.bucket, { bucket: "b" }),
    one("Principal * restricted to an account (StringEquals aws:SourceAccount)", T.bucketPolicy, {
      bucket: "b",
      policy: publicUnder({ StringEquals: { "aws:SourceAccount": "111122223333" } }),
    }),
    one("Principal * restricted to a narrow source IP range", T.bucketPolicy, {
      bucket: "b",
      policy: publicUnder({ IpAddress: { "aws:SourceIp": ["203.0.113.0/24"] } }),
    }),
  ],
  noncompliant: [
    one("public read policy", T.bucketPolicy, { bucket: "b", policy: publicRead }, { expect: '"Public"' }),
    one("Principal {AWS: *} on the bucket itself", T.bucket, {
      bucket: "b",
      policy: {
        Statement: [{ Effect: "Allow", Principal: { AWS: ["*"] }, Action: "s3:PutObject", Resource: "*" }],
      },
    }),
    one(
      "Principal * with aws:SourceIp 0.0.0.0/0 (admits everyone)",
      T.bucketPolicy,
      { bucket: "b", policy: publicUnder({ IpAddress: { "aws:SourceIp": "0.0.0.0/0" } }) },
      { expect: '"Conditional"' },
    ),
    one(
      "Principal * with aws:SourceIp ::0/0 beside a narrow range",
      T.bucketPolicy,
      { bucket: "b", policy: publicUnder({ IpAddress: { "aws:SourceIp": ["10.0.0.0/8", "::0/0"] } }) },
      { expect: '"Conditional"' },
    ),
    one(
      "Principal * with a negated account match (StringNotEquals aws:SourceAccount)",
      T.bucketPolicy,
      { bucket: "b", policy: publicUnder({ StringNotEquals: { "aws:SourceAccount": "111122223333" } }) },
      { expect: '"Conditional"' },
    ),
    one(
      "Principal * with StringEqualsIfExists aws:SourceAccount (absent key passes)",
      T.bucketPolicy,
      { bucket: "b", policy: publicUnder({ StringEqualsIfExists: { "aws:SourceAccount": "111122223333" } }) },
      { expect: '"Conditional"' },
    ),
    one(
      'Principal * with StringLike aws:PrincipalOrgID "*"',
      T.bucketPolicy,
      { bucket: "b", policy: publicUnder({ StringLike: { "aws:PrincipalOrgID": "*" } }) },
      { expect: '"Conditional"' },
    ),
    one(
      "Principal * with ArnLike aws:SourceArn in any account",
      T.bucketPolicy,
      {
        bucket: "b",
        policy: publicUnder({ ArnLike: { "aws:SourceArn": "arn:aws:cloudfront::*:distribution/*" } }),
      },
      { expect: '"Conditional"' },
    ),
    one(
      "Principal * with only unrelated Bool and Null conditions",
      T.bucketPolicy,
      {
        bucket: "b",
        policy: publicUnder({
          Bool: { "aws:SecureTransport": "true" },
          Null: { "aws:SourceVpce": "false" },
        }),
      },
      { expect: '"Conditional"' },
    ),
  ],
});

export const accountPab = spec({
  policy: "s3-account-public-access-block",
  compliant: [one("all four flags", T.accountPab, flags)],
  noncompliant: [
    one(
      "restrictPublicBuckets false",
      T.accountPab,
      { ...flags, restrictPublicBuckets: false },
      { expect: "restrictPublicBuckets" },
    ),
    one("flags missing", T.accountPab, {}),
  ],
});

export const bucketPabFlags = spec({
  policy: "s3-bucket-public-access-block-flags",
  compliant: [one("all four flags", T.pab, { bucket: "b", ...flags })],
  noncompliant: [one("blockPublicPolicy false", T.pab, { bucket: "b", ...flags, blockPublicPolicy: false })],
});

export const aclsDisabled = spec({
  policy: "s3-acls-disabled",
  compliant: [
    one("BucketOwnerEnforced", T.ownership, {
      bucket: "b",
      rule: { objectOwnership: "BucketOwnerEnforced" },
    }),
  ],
  noncompliant: [
    one("ObjectWriter", T.ownership, { bucket: "b", rule: { objectOwnership: "ObjectWriter" } }),
  ],
});

const bucket = res(T.bucket, { bucket: "logs-b", arn: "arn:aws:s3:::logs-b" }, { name: "logs" });
const unnamed = res(T.bucket, { bucket: "04da6b54-80e4-46f7-96ec-b56ff0331ba9" }, { name: "auto" });
const byDep = (type: string, props: Record<string, unknown>, target = unnamed) =>
  res(
    type,
    { bucket: "04da6b54-80e4-46f7-96ec-b56ff0331ba9", ...props },
    { propertyDependencies: { bucket: [target.urn!] } },
  );

export const bucketPab = spec({
  policy: "s3-bucket-public-access-block",
  compliant: [
    {
      title: "bucket with a block (by name)",
      resources: [bucket, res(T.pab, { bucket: "logs-b", ...flags })],
    },
    { title: "bucket with a block (by dependency, preview)", resources: [unnamed, byDep(T.pab, flags)] },
    { title: "account-level block in the stack", resources: [bucket, res(T.accountPab, flags)] },
  ],
  noncompliant: [
    { title: "bucket without a block", resources: [bucket], expect: "no BucketPublicAccessBlock" },
    { title: "block for another bucket", resources: [bucket, res(T.pab, { bucket: "other", ...flags })] },
    { title: "BucketV2 without a block", resources: [res(T.bucketV2, { bucket: "v2" })] },
  ] as Case[],
});

const sseRule = (alg: string) => ({ rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: alg } }] });
export const bucketSse = spec({
  policy: "s3-bucket-encryption",
  compliant: [
    {
      title: "KMS configuration resource",
      resources: [bucket, res(T.sse, { bucket: "logs-b", ...sseRule("aws:kms") })],
    },
    { title: "V2 configuration by dependency", resources: [unnamed, byDep(T.sseV2, sseRule("AES256"))] },
    {
      title: "inline configuration on the bucket",
      resources: [
        res(T.bucket, {
          bucket: "x",
          serverSideEncryptionConfiguration: {
            rule: { applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms" } },
          },
        }),
      ],
    },
  ],
  noncompliant: [
    { title: "no encryption configuration", resources: [bucket], expect: "no default encryption" },
    {
      title: "SSE-S3 when KMS is required",
      resources: [bucket, res(T.sse, { bucket: "logs-b", ...sseRule("AES256") })],
      config: { requireKms: true },
      expect: "requireKms",
    },
  ] as Case[],
});

/** The full TLS deny for logs-b with some fields replaced. */
const tlsOnlyWith = (over: Record<string, unknown>) => ({
  Statement: [
    {
      Effect: "Deny",
      Principal: "*",
      Action: "s3:*",
      Resource: ["arn:aws:s3:::logs-b", "arn:aws:s3:::logs-b/*"],
      Condition: { Bool: { "aws:SecureTransport": "false" } },
      ...over,
    },
  ],
});

export const tlsOnly = spec({
  policy: "s3-tls-only",
  compliant: [
    {
      title: "bucket policy denies insecure transport",
      resources: [bucket, res(T.bucketPolicy, { bucket: "logs-b", policy: tlsDeny("arn:aws:s3:::logs-b") })],
    },
    {
      title: "by dependency during preview",
      resources: [unnamed, byDep(T.bucketPolicy, { policy: tlsDeny("arn:aws:s3:::x") })],
    },
    {
      title: "inline bucket policy",
      resources: [res(T.bucket, { bucket: "x", policy: tlsDeny("arn:aws:s3:::x") })],
    },
    {
      title: "full TLS deny split over two statements, {AWS: *}, Action *, BoolIfExists",
      resources: [
        bucket,
        res(T.bucketPolicy, {
          bucket: "logs-b",
          policy: {
            Statement: ["arn:aws:s3:::logs-b", "arn:aws:s3:::logs-b/*"].map((r) => ({
              Effect: "Deny",
              Principal: { AWS: "*" },
              Action: "*",
              Resource: r,
              Condition: { BoolIfExists: { "aws:SecureTransport": false } },
            })),
          },
        }),
      ],
    },
    {
      title: "TLS deny on a wildcard Resource (GovCloud bucket known by name only)",
      resources: [
        res(T.bucket, { bucket: "gov-b" }),
        res(T.bucketPolicy, {
          bucket: "gov-b",
          policy: tlsOnlyWith({ Resource: "arn:aws-us-gov:s3:::gov-b*" }),
        }),
      ],
    },
  ],
  noncompliant: [
    { title: "no bucket policy", resources: [bucket], expect: "has no bucket policy" },
    {
      title: "policy without the TLS deny",
      resources: [bucket, res(T.bucketPolicy, { bucket: "logs-b", policy: publicRead })],
      expect: "does not deny",
    },
    {
      title: "TLS deny covering only the objects (bucket/*)",
      resources: [
        bucket,
        res(T.bucketPolicy, { bucket: "logs-b", policy: tlsOnlyWith({ Resource: "arn:aws:s3:::logs-b/*" }) }),
      ],
      expect: "all its objects",
    },
    {
      title: "TLS deny covering only the bucket ARN",
      resources: [
        bucket,
        res(T.bucketPolicy, { bucket: "logs-b", policy: tlsOnlyWith({ Resource: "arn:aws:s3:::logs-b" }) }),
      ],
      expect: "does not deny",
    },
    {
      title: "TLS deny for another bucket",
      resources: [bucket, res(T.bucketPolicy, { bucket: "logs-b", policy: tlsDeny("arn:aws:s3:::other") })],
      expect: "does not deny",
    },
    {
      title: "TLS deny for one principal only",
      resources: [
        bucket,
        res(T.bucketPolicy, {
          bucket: "logs-b",
          policy: tlsOnlyWith({ Principal: { AWS: "arn:aws:iam::111122223333:root" } }),
        }),
      ],
      expect: "does not deny",
    },
    {
      title: "TLS deny for s3:GetObject only",
      resources: [
        bucket,
        res(T.bucketPolicy, { bucket: "logs-b", policy: tlsOnlyWith({ Action: "s3:GetObject" }) }),
      ],
      expect: "does not deny",
    },
    {
      title: "TLS deny narrowed by another condition",
      resources: [
        bucket,
        res(T.bucketPolicy, {
          bucket: "logs-b",
          policy: tlsOnlyWith({
            Condition: {
              Bool: { "aws:SecureTransport": "false" },
              StringEquals: { "aws:PrincipalAccount": "111122223333" },
            },
          }),
        }),
      ],
      expect: "does not deny",
    },
    {
      title: "an Allow with the TLS condition",
      resources: [
        bucket,
        res(T.bucketPolicy, { bucket: "logs-b", policy: tlsOnlyWith({ Effect: "Allow" }) }),
      ],
      expect: "does not deny",
    },
  ] as Case[],
});
