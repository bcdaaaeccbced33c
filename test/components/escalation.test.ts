/**
 * Escalation attempts by whoever holds the responder role (a person, the auto-containment function, a
 * thief of its session), each decided by a maintained IAM evaluator (@cloud-copilot/iam-simulate, the
 * strict test world's) over the policies the baseline generates (responderPolicyDocuments with the real
 * action list of facts/responder-actions.ts), with the request context AWS would send: resource tags,
 * request tags, ec2:CreateAction, ec2:InstanceProfile, iam:PermissionsBoundary, dynamodb:LeadingKeys...
 * Every attempt is denied, and beside each, the legitimate call it imitates is allowed (so a test does
 * not pass merely because the policy allows nothing).
 */
import { runSimulation } from "@cloud-copilot/iam-simulate";
import { expect } from "chai";
import { type ResponderPolicyContext, responderPolicyDocuments } from "../../components/responder-policy";
import {
  DENY_ALL_PROFILE_NAME,
  RESPONDER_ACTIONS,
  RESPONDER_ROLE_NAME,
  ROLE_WRITER_FUNCTION_NAME,
  SSM,
  TAG,
} from "../../facts";
import { FORENSIC_WORKSTATION_ROLE_NAME } from "../../facts/forensic";
import { roleBoundaryArn } from "../../facts/role-boundary";

const ACCOUNT = "111122223333";
const REGION = "eu-central-1";
const iam = (suffix: string) => `arn:aws:iam::${ACCOUNT}:${suffix}`;
const ec2 = (suffix: string) => `arn:aws:ec2:${REGION}:${ACCOUNT}:${suffix}`;
const EVIDENCE = `arn:aws:s3:::ir-evidence-${ACCOUNT}-${REGION}`;
const JOURNAL = `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/ir-case-journal`;
const FUNCTION = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:ir-auto-contain`;

/** What components/responder-access.ts computes for a stack in one Region, auto-containment on. */
const CONTEXT: ResponderPolicyContext = {
  partition: "aws",
  accountId: ACCOUNT,
  regions: [REGION],
  evidenceBucketArn: EVIDENCE,
  toolsBucketArn: `arn:aws:s3:::ir-tools-${ACCOUNT}-${REGION}`,
  journalTableArn: JOURNAL,
  kmsKeyArns: [`arn:aws:kms:${REGION}:${ACCOUNT}:key/0b6a1f3e-4c2d-4e8f-9a7b-1c2d3e4f5a6b`],
  passableRoleArns: [iam(`role/${DENY_ALL_PROFILE_NAME}`), iam(`role/${FORENSIC_WORKSTATION_ROLE_NAME}`)],
  responderRoleArn: iam(`role/${RESPONDER_ROLE_NAME}`),
  requireCaseTagForDestructive: true,
  autoContainFunctionArn: FUNCTION,
};
const POLICIES = responderPolicyDocuments(RESPONDER_ACTIONS, CONTEXT).map((d) => ({
  name: d.name,
  policy: d.document,
}));

type Context = Record<string, string | string[]>;

/** AWS-owned documents have no account in their ARN; iam-data's pattern wants one (strict world: decide.ts). */
const ownerless = <T>(v: T): T =>
  JSON.parse(JSON.stringify(v).replace(/(arn:aws:ssm:[^:"]*:):document\//g, "$1aws:document/")) as T;

/** The evaluator's verdict on one call of a responder session, with the global keys AWS adds. */
async function decide(action: string, resource: string, context: Context = {}): Promise<string> {
  const result = await runSimulation(
    {
      request: {
        principal: `arn:aws:sts::${ACCOUNT}:assumed-role/${RESPONDER_ROLE_NAME}/oncall`,
        action,
        resource: { resource: ownerless(resource), accountId: ACCOUNT },
        contextVariables: {
          "aws:RequestedRegion": REGION,
          "aws:PrincipalAccount": ACCOUNT,
          "aws:PrincipalArn": iam(`role/${RESPONDER_ROLE_NAME}`),
          "aws:PrincipalType": "AssumedRole",
          "aws:SecureTransport": "true",
          ...context,
        },
      },
      identityPolicies: ownerless(POLICIES),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
    },
    { simulationMode: "Strict" },
  );
  if (result.resultType === "error") throw new Error(JSON.stringify(result.errors));
  return result.overallResult;
}

const denied = async (action: string, resource: string, context?: Context) =>
  expect(await decide(action, resource, context), `${action} on ${resource}`).to.match(/Denied$/);
const allowed = async (action: string, resource: string, context?: Context) =>
  expect(await decide(action, resource, context), `${action} on ${resource}`).to.equal("Allowed");

const tags = (t: Record<string, string>, prefix = "aws:ResourceTag/"): Context =>
  Object.fromEntries(Object.entries(t).map(([k, v]) => [`${prefix}${k}`, v]));
const requestTags = (t: Record<string, string>): Context => ({
  ...tags(t, "aws:RequestTag/"),
  "aws:TagKeys": Object.keys(t),
});

const WEB_ROLE = iam("role/web-server");
const INSTANCE = ec2("instance/i-0123456789abcdef0");
const CASE = { [TAG.caseId]: "ir-20250101-0123456789abcdef0" };
const profile = (name: string) => ({ "ec2:InstanceProfile": iam(`instance-profile/${name}`) });

describe("escalation attempts as the responder role: each denied, the call it imitates allowed", () => {
  it("01 put a policy on an unrelated role (only the role-writer function writes role policies)", async () => {
    await denied("iam:PutRolePolicy", WEB_ROLE);
    await denied("iam:PutRolePolicy", iam("role/ir-forensic-workstation"));
    await allowed(
      "lambda:InvokeFunction",
      `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${ROLE_WRITER_FUNCTION_NAME}`,
    );
  });

  it("02 create a role without the permissions boundary, or with another one", async () => {
    const role = iam("role/ir-backdoor");
    await denied("iam:CreateRole", role);
    await denied("iam:CreateRole", role, { "iam:PermissionsBoundary": iam("policy/ir-responder-ec2") });
    await denied("iam:CreateRole", iam("role/admin"), {
      "iam:PermissionsBoundary": roleBoundaryArn("aws", ACCOUNT),
    });
    await allowed("iam:CreateRole", role, { "iam:PermissionsBoundary": roleBoundaryArn("aws", ACCOUNT) });
  });

  it("03 attach a managed policy (AdministratorAccess) to a role, its own included", async () => {
    const admin = { "iam:PolicyARN": "arn:aws:iam::aws:policy/AdministratorAccess" };
    await denied("iam:AttachRolePolicy", iam(`role/${FORENSIC_WORKSTATION_ROLE_NAME}`), admin);
    await denied("iam:AttachRolePolicy", iam(`role/${RESPONDER_ROLE_NAME}`), admin);
    await denied("iam:AttachRolePolicy", WEB_ROLE, admin);
    await denied("iam:PutRolePermissionsBoundary", iam("role/ir-backdoor"));
    await denied("iam:DeleteRolePermissionsBoundary", iam("role/ir-backdoor"));
    await allowed("iam:AttachRolePolicy", iam(`role/${FORENSIC_WORKSTATION_ROLE_NAME}`), {
      "iam:PolicyARN": "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
    });
  });

  it("04 tag-then-terminate an unrelated instance", async () => {
    // Opening a case on an instance is the responder's job: the tag goes on...
    await allowed("ec2:CreateTags", INSTANCE, requestTags({ ...CASE, [TAG.status]: "contained" }));
    // ...but the instance is terminated only once it runs under the quarantine profile (contained).
    await denied("ec2:TerminateInstances", INSTANCE, { ...tags(CASE), ...profile("web-server") });
    await denied("ec2:TerminateInstances", INSTANCE, tags(CASE));
    await denied("ec2:TerminateInstances", INSTANCE, profile(DENY_ALL_PROFILE_NAME));
    await allowed("ec2:TerminateInstances", INSTANCE, { ...tags(CASE), ...profile(DENY_ALL_PROFILE_NAME) });
  });

  it("05 rewrite a set case id, or tag an instance with another key", async () => {
    await denied("ec2:CreateTags", INSTANCE, { ...tags(CASE), ...requestTags({ [TAG.caseId]: "ir-other" }) });
    await denied("ec2:CreateTags", INSTANCE, requestTags({ [TAG.role]: "isolation" }));
    await denied("ec2:CreateTags", INSTANCE, requestTags({ ...CASE, Name: "x" }));
    await allowed("ec2:CreateTags", INSTANCE, {
      ...tags(CASE),
      ...requestTags({ [TAG.status]: "released" }),
    });
  });

  it("06 tag-then-delete a volume (tags go only on what a call creates)", async () => {
    const volume = ec2("volume/vol-0123456789abcdef0");
    await denied("ec2:CreateTags", volume, requestTags(CASE));
    await denied("ec2:CreateTags", volume, { ...requestTags(CASE), "ec2:CreateAction": "CreateTags" });
    await denied("ec2:DeleteVolume", volume);
    await allowed("ec2:CreateTags", ec2("volume/*"), {
      ...requestTags(CASE),
      "ec2:CreateAction": "CreateVolume",
    });
    await allowed("ec2:DeleteVolume", volume, tags(CASE));
  });

  it("07 open an unrelated security group", async () => {
    const group = ec2("security-group/sg-0123456789abcdef0");
    await denied("ec2:AuthorizeSecurityGroupIngress", group);
    await denied("ec2:AuthorizeSecurityGroupEgress", group, tags({ Name: "web" }));
    await denied("ec2:CreateTags", group, requestTags({ [TAG.role]: "isolation" }));
    await denied("ec2:RevokeSecurityGroupEgress", group);
    await allowed("ec2:AuthorizeSecurityGroupEgress", group, tags({ [TAG.role]: "forensic-egress" }));
    await allowed(
      "ec2:CreateSecurityGroup",
      ec2("security-group/*"),
      requestTags({ [TAG.role]: "isolation" }),
    );
    await denied("ec2:CreateSecurityGroup", ec2("security-group/*"));
  });

  it("08 send a shell command to an uncontained instance, or another document", async () => {
    const shell = `arn:aws:ssm:${REGION}::document/AWS-RunShellScript`;
    await denied("ssm:SendCommand", INSTANCE);
    await denied("ssm:SendCommand", INSTANCE, tags({ Name: "web" }));
    await denied("ssm:SendCommand", `arn:aws:ssm:${REGION}::document/AWS-RunPowerShellScript`);
    await denied("ssm:SendCommand", `arn:aws:ssm:${REGION}:${ACCOUNT}:document/evil`);
    await allowed("ssm:SendCommand", shell);
    await allowed("ssm:SendCommand", INSTANCE, tags(CASE));
  });

  it("09 pass the role (or any role) to a new function, or run another function as it", async () => {
    const toLambda = { "iam:PassedToService": "lambda.amazonaws.com" };
    await denied("iam:PassRole", iam(`role/${RESPONDER_ROLE_NAME}`), toLambda);
    await denied("iam:PassRole", iam(`role/${DENY_ALL_PROFILE_NAME}`), toLambda);
    await denied("lambda:CreateFunction", `arn:aws:lambda:${REGION}:${ACCOUNT}:function:ir-backdoor`);
    await denied("lambda:UpdateFunctionCode", FUNCTION);
    // A function given the role by someone else gets nothing from it: its calls carry its own ARN.
    const other = { "lambda:SourceFunctionArn": `arn:aws:lambda:${REGION}:${ACCOUNT}:function:ir-backdoor` };
    await denied("ec2:DescribeInstances", "*", other);
    await allowed("ec2:DescribeInstances", "*", { "lambda:SourceFunctionArn": FUNCTION });
    await allowed("iam:PassRole", iam(`role/${DENY_ALL_PROFILE_NAME}`), {
      "iam:PassedToService": "ec2.amazonaws.com",
    });
  });

  it("10 delete another case's revoke policy (only the role-writer function deletes role policies)", async () => {
    await denied("iam:DeleteRolePolicy", WEB_ROLE);
    await denied("iam:DetachRolePolicy", WEB_ROLE);
    await allowed("iam:GetRolePolicy", WEB_ROLE);
  });

  it("11 rewrite a journal entry (entries are put once; only instance locks are updated)", async () => {
    await denied("dynamodb:UpdateItem", JOURNAL, {
      "dynamodb:LeadingKeys": ["case#ir-20250101-0123456789abcdef0"],
    });
    await denied("dynamodb:UpdateItem", JOURNAL);
    await denied("dynamodb:DeleteTable", JOURNAL);
    await allowed("dynamodb:UpdateItem", JOURNAL, {
      "dynamodb:LeadingKeys": ["instance#i-0123456789abcdef0"],
    });
  });

  it("12 delete an evidence object version, or loosen the bucket", async () => {
    const object = `${EVIDENCE}/cases/ir-20250101-0123456789abcdef0/manifest.json`;
    await denied("s3:DeleteObjectVersion", object);
    await denied("s3:DeleteObject", object);
    await denied("s3:BypassGovernanceRetention", object);
    await denied("s3:PutBucketPolicy", EVIDENCE);
    await denied("s3:PutLifecycleConfiguration", EVIDENCE);
    await allowed("s3:GetObjectVersion", object);
    await allowed("s3:PutObject", object);
  });

  it("13 change the forensic AMI parameter (created once, never overwritten)", async () => {
    const parameter = `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter${SSM.forensicAmi}`;
    await denied("ssm:PutParameter", parameter, { "ssm:Overwrite": "true" });
    await denied("ssm:DeleteParameter", parameter);
    await denied("ssm:PutParameter", `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/ir/known-good-ami/web`);
    await allowed("ssm:PutParameter", parameter);
    await allowed("ssm:GetParameter", parameter);
  });

  it("14 give itself more: edit its own trust or policies, or assume another role", async () => {
    const self = iam(`role/${RESPONDER_ROLE_NAME}`);
    await denied("iam:UpdateAssumeRolePolicy", self);
    await denied("iam:CreatePolicyVersion", iam("policy/ir-responder-ec2"));
    await denied("iam:TagRole", self, requestTags({ [TAG.role]: "x" }));
    await denied("sts:AssumeRole", iam("role/OrganizationAccountAccessRole"));
    await allowed(
      "iam:TagRole",
      iam("role/ir-backdoor"),
      requestTags({ [TAG.managedBy]: "ec2-incident-ready" }),
    );
  });
});
