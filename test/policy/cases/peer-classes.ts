/**
 * Classes peers (checkov, cdk-nag, awsguard) cover: all-protocol egress to the world, iam:PassRole on
 * every role, role trust and KMS key policies open to any principal, suspended GuardDuty detectors,
 * public SSM documents.
 */
import { one, spec } from "../harness";
import { T } from "./types";

const EGRESS_RULE = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule";
const GROUP_POLICY = "aws:iam/groupPolicy:GroupPolicy";
const KEY_POLICY = "aws:kms/keyPolicy:KeyPolicy";
const DETECTOR = "aws:guardduty/detector:Detector";
const SSM_DOCUMENT = "aws:ssm/document:Document";

/** Advisory by default: the non-compliant cases run it as mandatory (the compliant ones at its own level). */
const mandatory = { config: { enforcementLevel: "mandatory" } };
const allOut = { protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] };

export const sgEgressAllToWorld = spec({
  policy: "sg-egress-all-to-world",
  compliant: [
    one("HTTPS out to the world only", T.sg, {
      egress: [{ protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["0.0.0.0/0"] }],
    }),
    one("all protocols out to the VPC range", T.sg, {
      egress: [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["10.0.0.0/8"] }],
    }),
    one("all protocols in from the world (an ingress rule: other policies judge it)", T.sgRule, {
      type: "ingress",
      protocol: "-1",
      fromPort: 0,
      toPort: 0,
      cidrBlocks: ["0.0.0.0/0"],
    }),
    one("egress rule to a prefix list", EGRESS_RULE, { ipProtocol: "-1", prefixListId: "pl-123" }),
    one("no egress rules at all", T.sg, { egress: [] }),
    one("the untrack group, exempted by tag", T.sg, {
      egress: [{ ...allOut, ipv6CidrBlocks: ["::/0"] }],
      tags: { "ir:policy-exempt:sg-egress-all-to-world": "untrack group: open by design, ticket IR-1" },
    }),
  ],
  noncompliant: [
    one(
      "inline egress -1 to 0.0.0.0/0",
      T.sg,
      { egress: [allOut] },
      { ...mandatory, expect: "egress[0].cidrBlocks[0]" },
    ),
    one(
      "inline egress all to ::0/0 (another spelling of the IPv6 world)",
      T.sg,
      { egress: [{ protocol: "all", fromPort: 0, toPort: 0, ipv6CidrBlocks: ["::0/0"] }] },
      { ...mandatory, expect: "::0/0" },
    ),
    one("SecurityGroupRule of type egress", T.sgRule, { type: "egress", ...allOut }, mandatory),
    one(
      "vpc.SecurityGroupEgressRule -1 to ::/0",
      EGRESS_RULE,
      { ipProtocol: "-1", cidrIpv6: "::/0" },
      mandatory,
    ),
    one(
      "a /0 written with another address (10.0.0.0/0)",
      EGRESS_RULE,
      {
        ipProtocol: "-1",
        cidrIpv4: "10.0.0.0/0",
      },
      mandatory,
    ),
  ],
});

const doc = (...Statement: unknown[]) => JSON.stringify({ Version: "2012-10-17", Statement });

export const iamNoPassroleWildcard = spec({
  policy: "iam-no-passrole-wildcard",
  compliant: [
    one("PassRole on one named role", T.iamPolicy, {
      policy: doc({
        Effect: "Allow",
        Action: "iam:PassRole",
        Resource: "arn:aws:iam::111122223333:role/app-instance",
      }),
    }),
    one("PassRole on a role-name prefix", T.rolePolicy, {
      role: "deployer",
      policy: doc({
        Effect: "Allow",
        Action: "iam:PassRole",
        Resource: "arn:aws:iam::111122223333:role/app-*",
      }),
    }),
    one("read-only IAM on every resource", T.iamPolicy, {
      policy: doc({ Effect: "Allow", Action: ["iam:Get*", "iam:List*"], Resource: "*" }),
    }),
    one("deny PassRole on everything", T.userPolicy, {
      user: "u",
      policy: doc({ Effect: "Deny", Action: "iam:PassRole", Resource: "*" }),
    }),
    one("NotAction that excludes iam:*", T.iamPolicy, {
      policy: doc({ Effect: "Allow", NotAction: ["iam:*"], Resource: "arn:aws:s3:::b/*" }),
    }),
    one("wide PassRole exempted by tag", T.iamPolicy, {
      policy: doc({ Effect: "Allow", Action: "iam:PassRole", Resource: "*" }),
      tags: { "ir:policy-exempt:iam-no-passrole-wildcard": "CI deployer, scoped by SCP, ticket SEC-7" },
    }),
  ],
  noncompliant: [
    one(
      "iam:PassRole on Resource *",
      T.iamPolicy,
      { policy: doc({ Effect: "Allow", Action: "iam:PassRole", Resource: "*" }) },
      { expect: '"iam:PassRole" on "*"' },
    ),
    one("iam:Pass* on every role of the account", T.rolePolicy, {
      role: "r",
      policy: doc({
        Effect: "Allow",
        Action: ["s3:GetObject", "iam:Pass*"],
        Resource: "arn:aws:iam::111122223333:role/*",
      }),
    }),
    one(
      "iam:* with only an iam:PassedToService condition",
      GROUP_POLICY,
      {
        group: "g",
        policy: doc({
          Effect: "Allow",
          Action: "iam:*",
          Resource: "*",
          Condition: { StringEquals: { "iam:PassedToService": "ec2.amazonaws.com" } },
        }),
      },
      { expect: "not which role" },
    ),
    one("passrole in lower case, policy as an object", T.userPolicy, {
      user: "u",
      policy: { Statement: [{ Effect: "Allow", Action: "IAM:passrole", Resource: ["arn:aws:s3:::x", "*"] }] },
    }),
    one(
      "Allow with NotAction that does not exclude PassRole",
      T.iamPolicy,
      { policy: doc({ Effect: "Allow", NotAction: "s3:*", Resource: "*" }) },
      { expect: "NotAction" },
    ),
  ],
});

const assume = (extra: Record<string, unknown>) =>
  doc({ Effect: "Allow", Action: "sts:AssumeRole", Principal: { AWS: "*" }, ...extra });

export const iamRoleTrustNotPublic = spec({
  policy: "iam-role-trust-not-public",
  compliant: [
    one("service principal", T.role, {
      assumeRolePolicy: doc({
        Effect: "Allow",
        Action: "sts:AssumeRole",
        Principal: { Service: "ec2.amazonaws.com" },
      }),
    }),
    one("a named account", T.role, {
      assumeRolePolicy: doc({
        Effect: "Allow",
        Action: "sts:AssumeRole",
        Principal: { AWS: "arn:aws:iam::111122223333:root" },
      }),
    }),
    one("any principal of the organization", T.role, {
      assumeRolePolicy: assume({ Condition: { StringEquals: { "aws:PrincipalOrgID": "o-abc123" } } }),
    }),
    one("third party with an external id", T.role, {
      assumeRolePolicy: assume({ Condition: { StringEquals: { "sts:ExternalId": "f00d-5eed" } } }),
    }),
    one("role ARN pattern in one account", T.role, {
      assumeRolePolicy: assume({
        Condition: { ArnLike: { "aws:PrincipalArn": "arn:aws:iam::111122223333:role/ci-*" } },
      }),
    }),
    one("Principal * with a deny", T.role, {
      assumeRolePolicy: doc({ Effect: "Deny", Action: "sts:AssumeRole", Principal: "*" }),
    }),
  ],
  noncompliant: [
    one(
      'Principal {"AWS": "*"} without a condition',
      T.role,
      { assumeRolePolicy: assume({}) },
      { expect: "any AWS account can assume the role" },
    ),
    one('Principal "*" with a condition that restricts nothing (aws:SourceIp)', T.role, {
      assumeRolePolicy: doc({
        Effect: "Allow",
        Action: "sts:AssumeRole",
        Principal: "*",
        Condition: { IpAddress: { "aws:SourceIp": "0.0.0.0/0" } },
      }),
    }),
    one("negated account match", T.role, {
      assumeRolePolicy: assume({
        Condition: { StringNotEquals: { "aws:PrincipalAccount": "444455556666" } },
      }),
    }),
    one("IfExists organization match (callers outside any organization pass)", T.role, {
      assumeRolePolicy: assume({ Condition: { StringEqualsIfExists: { "aws:PrincipalOrgID": "o-abc123" } } }),
    }),
    one("wildcard-only pattern", T.role, {
      assumeRolePolicy: assume({ Condition: { StringLike: { "aws:PrincipalOrgID": "*" } } }),
    }),
    one("principal ARN pattern with any account", T.role, {
      assumeRolePolicy: assume({ Condition: { ArnLike: { "aws:PrincipalArn": "arn:aws:iam::*:role/ci" } } }),
    }),
    one("AWS principal list containing *", T.role, {
      assumeRolePolicy: {
        Statement: [
          {
            Effect: "Allow",
            Action: "sts:AssumeRole",
            Principal: { AWS: ["arn:aws:iam::111122223333:root", "*"] },
          },
        ],
      },
    }),
  ],
});

const keyStatement = (extra: Record<string, unknown>) =>
  doc(
    {
      Sid: "root",
      Effect: "Allow",
      Principal: { AWS: "arn:aws:iam::111122223333:root" },
      Action: "kms:*",
      Resource: "*",
    },
    {
      Sid: "use",
      Effect: "Allow",
      Principal: "*",
      Action: ["kms:Decrypt", "kms:GenerateDataKey"],
      Resource: "*",
      ...extra,
    },
  );

export const kmsKeyPolicyNotPublic = spec({
  policy: "kms-key-policy-not-public",
  compliant: [
    one("key without a policy (the default key policy)", T.kmsKey, { enableKeyRotation: true }),
    one("named account root only", T.kmsKey, {
      policy: doc({
        Effect: "Allow",
        Principal: { AWS: "arn:aws:iam::111122223333:root" },
        Action: "kms:*",
        Resource: "*",
      }),
    }),
    one("Principal * restricted to the caller account", KEY_POLICY, {
      keyId: "k",
      policy: keyStatement({ Condition: { StringEquals: { "kms:CallerAccount": "111122223333" } } }),
    }),
    one("Principal * through one service", T.kmsKey, {
      policy: keyStatement({
        Condition: { StringEquals: { "kms:ViaService": "s3.eu-west-1.amazonaws.com" } },
      }),
    }),
    one("Principal * of the organization", KEY_POLICY, {
      keyId: "k",
      policy: keyStatement({
        Condition: { "ForAnyValue:StringEquals": { "aws:PrincipalOrgID": ["o-abc123"] } },
      }),
    }),
  ],
  noncompliant: [
    one(
      "Principal * without a condition",
      T.kmsKey,
      { policy: keyStatement({}) },
      { expect: 'statement "use"' },
    ),
    one("Principal {AWS: *} on a KeyPolicy", KEY_POLICY, {
      keyId: "k",
      policy: doc({ Effect: "Allow", Principal: { AWS: "*" }, Action: "kms:*", Resource: "*" }),
    }),
    one("condition that restricts nothing (Bool aws:SecureTransport)", T.kmsKey, {
      policy: keyStatement({ Condition: { Bool: { "aws:SecureTransport": "true" } } }),
    }),
    one("negated caller account", T.kmsKey, {
      policy: keyStatement({ Condition: { StringNotEquals: { "kms:CallerAccount": "444455556666" } } }),
    }),
    one("ForAllValues organization match (true when the key is absent)", T.kmsKey, {
      policy: keyStatement({
        Condition: { "ForAllValues:StringEquals": { "aws:PrincipalOrgID": ["o-abc123"] } },
      }),
    }),
  ],
});

export const guarddutyEnabled = spec({
  policy: "guardduty-enabled",
  compliant: [
    one("enabled detector", DETECTOR, { enable: true, findingPublishingFrequency: "FIFTEEN_MINUTES" }),
    one("detector with enable left to its default (true)", DETECTOR, {}),
  ],
  noncompliant: [
    one("suspended detector", DETECTOR, { enable: false }, { expect: "suspended" }),
    one("suspended detector, enable as a string", DETECTOR, { enable: "false" }),
  ],
});

export const ssmDocumentNotPublic = spec({
  policy: "ssm-document-not-public",
  compliant: [
    one("private document", SSM_DOCUMENT, { documentType: "Command", content: "{}" }),
    one("shared with two accounts", SSM_DOCUMENT, {
      documentType: "Command",
      content: "{}",
      permissions: { type: "Share", accountIds: "111122223333,444455556666" },
    }),
  ],
  noncompliant: [
    one(
      'shared with "All"',
      SSM_DOCUMENT,
      { documentType: "Command", content: "{}", permissions: { type: "Share", accountIds: "All" } },
      { expect: "public" },
    ),
    one('"all" among account ids', SSM_DOCUMENT, {
      documentType: "Automation",
      content: "{}",
      permissions: { type: "Share", accountIds: "111122223333, all" },
    }),
  ],
});
