import { type Case, one, res, spec } from "../harness";
import { T } from "./types";

const admin = JSON.stringify({
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }],
});
const s3All = JSON.stringify({ Statement: [{ Effect: "Allow", Action: ["s3:*"], Resource: "*" }] });
const scoped = JSON.stringify({
  Statement: [{ Effect: "Allow", Action: ["s3:GetObject"], Resource: "arn:aws:s3:::b/*" }],
});
const denyAll = JSON.stringify({ Statement: [{ Effect: "Deny", Action: "*", Resource: "*" }] });
const ADMIN_ARN = "arn:aws:iam::aws:policy/AdministratorAccess";
const SSM_CORE = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore";

export const iamNoAdmin = spec({
  policy: "iam-policy-no-admin",
  compliant: [
    one("scoped policy", T.iamPolicy, { policy: scoped }),
    one("deny everything", T.rolePolicy, { role: "r", policy: denyAll }),
    one("role with a managed non-admin policy", T.role, {
      assumeRolePolicy: "{}",
      managedPolicyArns: [SSM_CORE],
    }),
    one("break-glass role exempted by tag", T.role, {
      assumeRolePolicy: "{}",
      managedPolicyArns: [ADMIN_ARN],
      tags: { "ir:policy-exempt:iam-policy-no-admin": "break-glass role, MFA + approval, ticket SEC-9" },
    }),
  ],
  noncompliant: [
    one("Action * on Resource *", T.iamPolicy, { policy: admin }, { expect: '"*"' }),
    one(
      "NotAction allow",
      T.userPolicy,
      { user: "u", policy: { Statement: [{ Effect: "Allow", NotAction: "iam:*", Resource: "*" }] } },
      { expect: "NotAction" },
    ),
    one("inline policy on a role", T.role, {
      assumeRolePolicy: "{}",
      inlinePolicies: [{ name: "x", policy: admin }],
    }),
    one(
      "AdministratorAccess attached",
      T.attachment,
      { role: "r", policyArn: ADMIN_ARN },
      { expect: "AdministratorAccess" },
    ),
    one("PowerUserAccess in managedPolicyArns (GovCloud)", T.role, {
      assumeRolePolicy: "{}",
      managedPolicyArns: ["arn:aws-us-gov:iam::aws:policy/PowerUserAccess"],
    }),
  ],
});

export const accessKeys = spec({
  policy: "iam-no-access-keys",
  compliant: [one("no key (a role instead)", T.role, { assumeRolePolicy: "{}" })],
  noncompliant: [one("access key for a user", T.accessKey, { user: "ci" })],
});

const profile = (role: string) =>
  res(T.profile, { name: `${role}-profile`, role }, { name: `${role}-profile` });
const role = (name: string, extra: Record<string, unknown> = {}) =>
  res(
    T.role,
    { name, arn: `arn:aws:iam::111122223333:role/${name}`, assumeRolePolicy: "{}", ...extra },
    { name },
  );
const instance = (profileName: string) =>
  res(T.instance, { ami: "ami-1", iamInstanceProfile: profileName }, { name: "web" });

export const instanceRole = spec({
  policy: "instance-role-not-admin",
  compliant: [
    {
      title: "role with scoped inline policy",
      resources: [
        instance("app-profile"),
        profile("app"),
        role("app", { inlinePolicies: [{ name: "s3", policy: scoped }] }),
      ],
    },
    {
      title: "admin role not used by any instance",
      resources: [
        instance("app-profile"),
        profile("app"),
        role("app"),
        role("admin", { managedPolicyArns: [ADMIN_ARN] }),
      ],
    },
    {
      title: "SSM core managed policy attached",
      resources: [
        instance("app-profile"),
        profile("app"),
        role("app"),
        res(T.attachment, { role: "app", policyArn: SSM_CORE }),
      ],
    },
    { title: "instance without a profile", resources: [res(T.instance, { ami: "ami-1" })] },
  ],
  noncompliant: [
    {
      title: "AdministratorAccess attached to the instance role",
      resources: [
        instance("app-profile"),
        profile("app"),
        role("app"),
        res(T.attachment, { role: "app", policyArn: ADMIN_ARN }),
      ],
      expect: "instance profile app-profile → role app",
    },
    {
      title: "inline admin on the role",
      resources: [
        instance("app-profile"),
        profile("app"),
        role("app", { inlinePolicies: [{ name: "x", policy: admin }] }),
      ],
    },
    {
      title: "RolePolicy with s3:*",
      resources: [
        instance("app-profile"),
        profile("app"),
        role("app"),
        res(T.rolePolicy, { role: "app", policy: s3All }),
      ],
      expect: "service-wide wildcard",
    },
    {
      title: "customer Policy attached by ARN",
      resources: [
        instance("app-profile"),
        profile("app"),
        role("app"),
        res(T.iamPolicy, { arn: "arn:aws:iam::111122223333:policy/wide", policy: admin }, { name: "wide" }),
        res(T.attachment, { role: "app", policyArn: "arn:aws:iam::111122223333:policy/wide" }),
      ],
    },
    {
      title: "launch template by profile ARN, PolicyAttachment with roles",
      resources: [
        res(
          T.lt,
          { iamInstanceProfile: { arn: "arn:aws:iam::111122223333:instance-profile/app-profile" } },
          { name: "lt" },
        ),
        profile("app"),
        role("app"),
        res(T.policyAttachment, { roles: ["app"], policyArn: ADMIN_ARN }),
      ],
    },
    {
      title: "followed through property dependencies during preview",
      resources: (() => {
        const r = role("app");
        const p = res(
          T.profile,
          { role: "04da6b54-80e4-46f7-96ec-b56ff0331ba9" },
          { name: "p", propertyDependencies: { role: [r.urn!] } },
        );
        const i = res(
          T.instance,
          { iamInstanceProfile: "04da6b54-80e4-46f7-96ec-b56ff0331ba9" },
          { propertyDependencies: { iamInstanceProfile: [p.urn!] } },
        );
        const a = res(
          T.attachment,
          { role: "04da6b54-80e4-46f7-96ec-b56ff0331ba9", policyArn: ADMIN_ARN },
          { propertyDependencies: { role: [r.urn!] } },
        );
        return [i, p, r, a];
      })(),
    },
  ] as Case[],
});
