import { expect } from "chai";
import {
  ResponderAccess,
  type ResponderAccessArgs,
  responderTrustPolicy,
} from "../../components/responder-access";
import { allowedActions, responderPolicyDocument, scopeFor } from "../../components/responder-policy";
import {
  DENY_ALL_PROFILE_NAME,
  RESPONDER_ACTIONS,
  RESPONDER_ROLE_NAME,
  ROLE_TAG_VALUES,
  TAG,
} from "../../facts";
import { FLOW_LOG_PREFIX } from "../../facts/flow-logs";
import { quarantinePolicy } from "../../facts/quarantine-policy";
import { ROLE_BOUNDARY_NAME, roleBoundaryPolicy } from "../../facts/role-boundary";
import {
  ACCOUNT_ID,
  installMocks,
  ofType,
  policyDoc,
  type RecordedResource,
  settle,
} from "../helpers/pulumi-mocks";

/** A realistic action list, as the responder engine (docs/architecture.md, "The response, in order") calls AWS. */
const ACTIONS = [
  "autoscaling:DescribeAutoScalingInstances",
  "autoscaling:DetachInstances",
  "autoscaling:EnterStandby",
  "autoscaling:SetInstanceProtection",
  "dynamodb:GetItem",
  "dynamodb:PutItem",
  "dynamodb:Query",
  "ec2:CreateSnapshots",
  "ec2:CreateTags",
  "ec2:DescribeInstances",
  "ec2:DescribeNetworkInterfaces",
  "ec2:DisassociateAddress",
  "ec2:GetConsoleOutput",
  "ec2:ModifyInstanceAttribute",
  "ec2:ModifyNetworkInterfaceAttribute",
  "ec2:ReplaceIamInstanceProfileAssociation",
  "ec2:TerminateInstances",
  "elasticloadbalancing:DeregisterTargets",
  "elasticloadbalancing:DescribeTargetHealth",
  "iam:GetInstanceProfile",
  "iam:PassRole",
  "iam:PutRolePolicy",
  "kms:GenerateDataKey",
  "s3:GetObject",
  "s3:PutObject",
  "ssm:GetCommandInvocation",
  "ssm:SendCommand",
  "sts:GetCallerIdentity",
];
const KEY = `arn:aws:kms:us-east-1:${ACCOUNT_ID}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const HUMAN = `arn:aws:iam::${ACCOUNT_ID}:role/oncall`;
const AUTOMATION = `arn:aws:iam::${ACCOUNT_ID}:role/soar`;
const EVIDENCE = `arn:aws:s3:::ir-evidence-${ACCOUNT_ID}-us-east-1`;
const TOOLS = `arn:aws:s3:::ir-tools-${ACCOUNT_ID}-us-east-1`;
const JOURNAL = `arn:aws:dynamodb:us-east-1:${ACCOUNT_ID}:table/ir-case-journal`;

const baseArgs = (): ResponderAccessArgs => ({
  actions: ACTIONS,
  humanPrincipalArns: [HUMAN],
  automationPrincipalArns: [AUTOMATION],
  evidenceBucketArn: EVIDENCE,
  toolsBucketArn: TOOLS,
  journalTableArn: JOURNAL,
  kmsKeyArns: [KEY],
  regions: ["us-east-1", "eu-west-1"],
});

const roleNamed = (rs: RecordedResource[], name: string) =>
  ofType(rs, "aws:iam/role:Role").find((r) => r.inputs.name === name)!;
const rolePolicy = (rs: RecordedResource[], policyName: string) =>
  policyDoc(
    ofType(rs, "aws:iam/rolePolicy:RolePolicy").find((r) => r.inputs.name === policyName)!.inputs.policy,
  );
/** The responder's managed policies (one per group of services), their statements together. */
const responderPolicies = (rs: RecordedResource[]) => ({
  Statement: ofType(rs, "aws:iam/policy:Policy")
    .filter((r) => String(r.inputs.name).startsWith("ir-responder-"))
    .flatMap((r) => policyDoc(r.inputs.policy).Statement),
});

describe("ResponderAccess", () => {
  describe("GIVEN a realistic action list", () => {
    let resources: RecordedResource[];
    let doc: { Statement: any[] };
    before(async () => {
      resources = await installMocks();
      new ResponderAccess("ra", baseArgs());
      await settle(resources);
      doc = responderPolicies(resources);
    });

    it("allows exactly the shared action list", () => {
      expect([...allowedActions(doc)].sort()).to.deep.equal([...ACTIONS].sort());
    });

    it("has no wildcard action in any statement", () => {
      for (const s of doc.Statement)
        for (const a of [s.Action].flat()) if (s.Effect === "Allow") expect(a).not.to.include("*");
    });

    it("uses Resource * only for actions without resource-level permissions", () => {
      const unscoped = doc.Statement.filter((s) => s.Resource === "*").flatMap((s) => s.Action);
      expect(unscoped.sort()).to.deep.equal([
        "autoscaling:DescribeAutoScalingInstances",
        "ec2:DescribeInstances",
        "ec2:DescribeNetworkInterfaces",
        "elasticloadbalancing:DescribeTargetHealth",
        "ssm:GetCommandInvocation",
        "sts:GetCallerIdentity",
      ]);
    });

    it("scopes ec2 mutations to this account's ARNs (snapshots and images have no owner in their ARN)", () => {
      const s = doc.Statement.find((x) => x.Action.includes("ec2:ModifyNetworkInterfaceAttribute"));
      // Two Regions: the ARNs name "*" and aws:RequestedRegion holds the list (IAM's size limits).
      for (const r of s.Resource)
        expect(r).to.match(new RegExp(`^arn:aws:ec2:\\*:(${ACCOUNT_ID}:\\*|:snapshot/\\*|:image/\\*)$`));
      expect(s.Condition.StringEquals["aws:RequestedRegion"]).to.deep.equal(["us-east-1", "eu-west-1"]);
    });

    it("terminates only instances tagged with a case id and under the quarantine or workstation profile", () => {
      const s = doc.Statement.find((x) => x.Action.includes("ec2:TerminateInstances"));
      expect(s.Action).to.deep.equal(["ec2:TerminateInstances"]);
      expect(s.Condition.Null).to.deep.equal({ [`aws:ResourceTag/${TAG.caseId}`]: "false" });
      expect(s.Condition.ArnEquals["ec2:InstanceProfile"]).to.deep.equal([
        `arn:aws:iam::${ACCOUNT_ID}:instance-profile/${DENY_ALL_PROFILE_NAME}`,
        `arn:aws:iam::${ACCOUNT_ID}:instance-profile/ir-forensic-workstation`,
      ]);
    });

    it("declares the permissions boundary of the roles the responder creates (the SSM agent's calls only)", () => {
      const boundary = ofType(resources, "aws:iam/policy:Policy").find(
        (r) => r.inputs.name === ROLE_BOUNDARY_NAME,
      )!;
      expect(policyDoc(boundary.inputs.policy)).to.deep.equal(roleBoundaryPolicy());
    });

    it("scopes s3, dynamodb, kms and iam to the evidence store, the key and this account", () => {
      const find = (a: string) => doc.Statement.find((x) => x.Action.includes(a));
      expect(find("s3:PutObject").Resource).to.deep.equal([`${EVIDENCE}/*`, `${TOOLS}/*`]);
      expect(find("dynamodb:PutItem").Resource).to.deep.equal([JOURNAL, `${JOURNAL}/index/*`]);
      expect(find("kms:GenerateDataKey").Resource).to.deep.equal([KEY]);
      expect(find("iam:PutRolePolicy").Resource).to.deep.equal([`arn:aws:iam::${ACCOUNT_ID}:role/*`]);
      expect(find("iam:PassRole").Resource).to.deep.equal([
        `arn:aws:iam::${ACCOUNT_ID}:role/${DENY_ALL_PROFILE_NAME}`,
        `arn:aws:iam::${ACCOUNT_ID}:role/ir-forensic-workstation`,
      ]);
      expect(find("iam:PassRole").Condition.StringEquals["iam:PassedToService"]).to.equal(
        "ec2.amazonaws.com",
      );
    });

    it("forbids the responder from editing its own role", () => {
      const deny = doc.Statement.find((s) => s.Sid === "DenySelfModification");
      expect(deny.Effect).to.equal("Deny");
      expect(deny.Action).to.include("iam:PutRolePolicy");
      expect(deny.Resource).to.equal(`arn:aws:iam::${ACCOUNT_ID}:role/${RESPONDER_ROLE_NAME}`);
    });

    it("requires MFA for humans and not for automation", () => {
      const trust = policyDoc(roleNamed(resources, RESPONDER_ROLE_NAME).inputs.assumeRolePolicy);
      const humans = trust.Statement.find((s) => s.Sid === "Responders");
      expect(humans.Principal.AWS).to.deep.equal([HUMAN]);
      expect(humans.Condition).to.deep.equal({ Bool: { "aws:MultiFactorAuthPresent": "true" } });
      const automation = trust.Statement.find((s) => s.Sid === "Automation");
      expect(automation.Principal.AWS).to.deep.equal([AUTOMATION]);
      expect(automation.Condition).to.equal(undefined);
      // Auto-containment is off by default: no Lambda function may use the role.
      expect(trust.Statement.find((s) => s.Sid === "AutoContainmentFunction")).to.equal(undefined);
      expect(doc.Statement.find((s) => s.Sid === "DenyOtherFunctions")).to.equal(undefined);
    });

    it("creates the quarantine (deny-all) instance profile: a role that denies everything but the SSM agent's own calls", () => {
      const profile = ofType(resources, "aws:iam/instanceProfile:InstanceProfile")[0]!;
      expect(profile.inputs.name).to.equal(DENY_ALL_PROFILE_NAME);
      expect(profile.inputs.role).to.equal(DENY_ALL_PROFILE_NAME);
      expect(profile.inputs.tags[TAG.role]).to.equal(ROLE_TAG_VALUES.denyAllProfile);
      const deny = rolePolicy(resources, "ir-deny-all");
      // The document facts/quarantine-policy.ts builds, for the stack's account and partition.
      expect(deny).to.deep.equal(
        quarantinePolicy({
          partition: "aws",
          accountId: deny.Statement[0].Condition.ArnLike["ec2:SourceInstanceARN"].split(":")[4],
        }),
      );
      expect(deny.Statement[1]).to.deep.include({ Effect: "Deny", Resource: "*" });
      expect(deny.Statement[1].NotAction).to.include("ec2messages:GetMessages");
    });
  });

  describe("GIVEN an empty action list", () => {
    it("THEN the responder role gets no policy at all (not a broad one)", async () => {
      const resources = await installMocks();
      new ResponderAccess("ra", { ...baseArgs(), actions: [] });
      await settle(resources);
      expect(ofType(resources, "aws:iam/rolePolicy:RolePolicy").map((r) => r.inputs.name)).to.deep.equal([
        "ir-deny-all",
      ]);
      // Only the boundary of roles it might create: no permissions policy.
      expect(ofType(resources, "aws:iam/policy:Policy").map((r) => r.inputs.name)).to.deep.equal([
        ROLE_BOUNDARY_NAME,
      ]);
      expect(ofType(resources, "aws:iam/rolePolicyAttachment:RolePolicyAttachment")).to.deep.equal([]);
    });
  });

  describe("GIVEN the log archive (flow logs for ir analyze)", () => {
    const ARCHIVE = "arn:aws:s3:::acme-log-archive";
    const AUDIT_KEY = `arn:aws:kms:us-east-1:${ACCOUNT_ID}:key/audit`;
    let doc: { Statement: any[] };
    before(async () => {
      const resources = await installMocks();
      new ResponderAccess("ra", {
        ...baseArgs(),
        actions: ["s3:GetObject", "s3:ListBucket", "kms:Decrypt"],
        logArchiveBucketArn: ARCHIVE,
        logArchiveKmsKeyArns: [AUDIT_KEY],
      });
      await settle(resources);
      doc = responderPolicies(resources);
    });
    const find = (a: string) => doc.Statement.find((x) => x.Action.includes(a));

    it("reads only the flow-log prefix of the archive, and lists only that bucket besides the evidence store", () => {
      expect(find("s3:GetObject").Resource).to.include(
        `${ARCHIVE}/${FLOW_LOG_PREFIX}/AWSLogs/${ACCOUNT_ID}/vpcflowlogs/*`,
      );
      expect(find("s3:GetObject").Resource.filter((r: string) => r.startsWith(ARCHIVE))).to.have.length(1);
      expect(find("s3:ListBucket").Resource).to.deep.equal([EVIDENCE, TOOLS, ARCHIVE]);
    });

    it("decrypts with the audit key through S3 only", () => {
      const s = find("kms:Decrypt");
      expect(s.Resource).to.include(AUDIT_KEY);
      expect(s.Condition.StringEquals["kms:ViaService"]).to.deep.equal([
        "s3.us-east-1.amazonaws.com",
        "s3.eu-west-1.amazonaws.com",
      ]);
    });
  });

  describe("policy generation rules", () => {
    const ctx = {
      partition: "aws",
      accountId: ACCOUNT_ID,
      regions: ["us-east-1"],
      evidenceBucketArn: EVIDENCE,
      toolsBucketArn: TOOLS,
      journalTableArn: JOURNAL,
      kmsKeyArns: [KEY],
      passableRoleArns: [`arn:aws:iam::${ACCOUNT_ID}:role/ir-deny-all`],
      responderRoleArn: `arn:aws:iam::${ACCOUNT_ID}:role/ir-responder`,
      requireCaseTagForDestructive: true,
    };
    it("refuses a wildcard action", () => {
      expect(() => responderPolicyDocument(["ec2:*"], ctx)).to.throw(
        'responder action "ec2:*" is a wildcard',
      );
    });
    it("refuses an action no rule scopes, naming it and the fix", () => {
      expect(() => scopeFor("rds:DeleteDBInstance", ctx)).to.throw(
        /responder action "rds:DeleteDBInstance" has no scoping rule: add it to components\/responder-policy.ts/,
      );
    });
    it("refuses a malformed action", () => {
      expect(() => scopeFor("DescribeInstances", ctx)).to.throw(/expected <service>:<Action>/);
    });
    it("leaves every EC2/ASG/ELB Describe* unscoped (they support no resource-level permission)", () => {
      for (const a of [
        "ec2:DescribeVolumeStatus",
        "autoscaling:DescribeWarmPool",
        "elasticloadbalancing:DescribeListeners",
      ])
        expect(scopeFor(a, ctx).resources, a).to.equal("*");
    });
    it("treats S3 bucket-level actions with Object in their name as bucket actions", () => {
      expect(scopeFor("s3:GetBucketObjectLockConfiguration", ctx).resources).to.deep.equal([EVIDENCE, TOOLS]);
      expect(scopeFor("s3:PutObjectRetention", ctx).resources).to.deep.equal([`${EVIDENCE}/*`, `${TOOLS}/*`]);
    });
    it("creates roles and instance profiles only under the ir- prefix", () => {
      expect(scopeFor("iam:CreateRole", ctx).resources).to.deep.equal([
        `arn:aws:iam::${ACCOUNT_ID}:role/ir-*`,
      ]);
      expect(scopeFor("iam:AddRoleToInstanceProfile", ctx).resources).to.deep.equal([
        `arn:aws:iam::${ACCOUNT_ID}:instance-profile/ir-*`,
      ]);
    });
    it("scopes SSM parameters to /ir/* and lists a role's profiles on the role", () => {
      expect(scopeFor("ssm:GetParameterHistory", ctx).resources).to.deep.equal([
        `arn:aws:ssm:us-east-1:${ACCOUNT_ID}:parameter/ir/*`,
      ]);
      expect(scopeFor("iam:ListInstanceProfilesForRole", ctx).resources).to.deep.equal([
        `arn:aws:iam::${ACCOUNT_ID}:role/*`,
      ]);
    });
    it("assumes only the responder role (here or in member accounts)", () => {
      expect(scopeFor("sts:AssumeRole", ctx).resources).to.deep.equal(["arn:aws:iam::*:role/ir-responder"]);
    });
    it("has a scoping rule for every action in the shared list (facts/responder-actions.ts)", () => {
      const doc = responderPolicyDocument(RESPONDER_ACTIONS, ctx);
      expect([...allowedActions(doc)].sort()).to.deep.equal([...new Set(RESPONDER_ACTIONS)].sort());
    });
    it("allows stop/terminate without the tag condition only when asked", () => {
      const s = scopeFor("ec2:StopInstances", { ...ctx, requireCaseTagForDestructive: false });
      expect(s.condition).to.equal(undefined);
    });

    describe("launching from a workload's launch template (ir recover --via asg)", () => {
      const doc = responderPolicyDocument(["ec2:RunInstances", "iam:PassRole"], {
        ...ctx,
        passableRoleArns: [...ctx.passableRoleArns, `arn:aws:iam::${ACCOUNT_ID}:role/web-instance`],
      });
      // biome-ignore lint/suspicious/noExplicitAny: a policy document is free-form JSON
      const statements = doc.Statement as any[];
      const runs = statements.filter(
        (s: { Effect: string; Action?: string[] }) =>
          s.Effect === "Allow" && s.Action?.includes("ec2:RunInstances"),
      );
      const lt = (r: string) => `arn:aws:ec2:${r}:${ACCOUNT_ID}:launch-template/*`;
      it("allows the launch template only when it is tagged ir:workload", () => {
        const s = runs.find((x: { Resource: string[] }) =>
          x.Resource.every((r) => r.includes(":launch-template/")),
        );
        expect(s.Resource).to.deep.equal([lt("us-east-1")]);
        expect(s.Condition.Null).to.deep.equal({ [`aws:ResourceTag/${TAG.workload}`]: "false" });
      });
      it("allows the launch's other resources only when the launch comes from this account's templates", () => {
        const s = runs.find((x: { Condition: Record<string, unknown> }) => "ArnLike" in x.Condition);
        expect(s.Condition.ArnLike).to.deep.equal({ "ec2:LaunchTemplate": [lt("us-east-1")] });
        for (const kind of ["instance", "volume", "network-interface", "subnet", "security-group"])
          expect(s.Resource, kind).to.include(`arn:aws:ec2:us-east-1:${ACCOUNT_ID}:${kind}/*`);
        expect(s.Resource).to.include("arn:aws:ec2:us-east-1::image/*");
        expect(s.Resource.some((r: string) => r.includes("launch-template"))).to.equal(false);
      });
      it("keeps the forensic workstation's launch (no template) behind the case tag", () => {
        const s = runs.find(
          (x: { Condition: Record<string, Record<string, string>> }) =>
            x.Condition.Null?.[`aws:RequestTag/${TAG.caseId}`] === "false",
        );
        expect(s, "statement with the case request tag").to.not.equal(undefined);
        // Created resources behind the case tag; the existing subnet, group and image without it (the
        // request tag exists only on what the call creates); the two template statements.
        expect(s.Resource.every((r: string) => /:(instance|volume|network-interface)\/\*$/.test(r))).to.equal(
          true,
        );
        expect(runs).to.have.length(4);
      });
      it("passes the workload's role to EC2 only (by ARN: PassRole takes no tag condition)", () => {
        const s = statements.find((x: { Action?: string[] }) => x.Action?.includes("iam:PassRole"));
        expect(s.Resource).to.include(`arn:aws:iam::${ACCOUNT_ID}:role/web-instance`);
        expect(s.Condition.StringEquals["iam:PassedToService"]).to.equal("ec2.amazonaws.com");
      });
    });
  });

  describe("GIVEN invalid principals", () => {
    before(async () => {
      await installMocks();
    });
    it("refuses a principal that is not an IAM ARN", () => {
      expect(
        () => new ResponderAccess("bad", { ...baseArgs(), humanPrincipalArns: ["arn:aws:iam::12:user/bob"] }),
      ).to.throw('responder human principal arn "arn:aws:iam::12:user/bob" is not valid');
    });
    it("refuses wildcards in trust principals", () => {
      expect(
        () =>
          new ResponderAccess("bad", {
            ...baseArgs(),
            automationPrincipalArns: [`arn:aws:iam::${ACCOUNT_ID}:role/*`],
          }),
      ).to.throw(/\(no wildcards\)/);
    });
    it("with nobody configured, trusts the account's administrators (their own policies decide), with MFA", () => {
      const t = responderTrustPolicy({ humans: [], mfa: "required", automation: [], accountId: ACCOUNT_ID });
      expect(t.Statement).to.deep.equal([
        {
          Sid: "AccountAdministrators",
          Effect: "Allow",
          Principal: { AWS: `arn:aws:iam::${ACCOUNT_ID}:root` },
          Action: ["sts:AssumeRole", "sts:SetSourceIdentity", "sts:TagSession"],
          Condition: { Bool: { "aws:MultiFactorAuthPresent": "true" } },
        },
      ]);
      const off = responderTrustPolicy({ humans: [], mfa: "off", automation: [], accountId: ACCOUNT_ID });
      expect(off.Statement[0]).to.not.have.property("Condition");
    });
  });
});

describe("ResponderAccess: auto-containment and MFA", () => {
  const FUNCTION = `arn:aws:lambda:us-east-1:${ACCOUNT_ID}:function:ir-auto-contain`;
  const SSO = `arn:aws:iam::${ACCOUNT_ID}:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_Responder_0123456789abcdef`;
  const USER = `arn:aws:iam::${ACCOUNT_ID}:user/alice`;

  describe("GIVEN auto-containment on", () => {
    let resources: RecordedResource[];
    before(async () => {
      resources = await installMocks();
      new ResponderAccess("ra", { ...baseArgs(), autoContainment: true });
      await settle(resources);
    });
    it("trusts Lambda of this account only then, and binds every call to the function's own ARN", () => {
      const trust = policyDoc(roleNamed(resources, RESPONDER_ROLE_NAME).inputs.assumeRolePolicy);
      const lambda = trust.Statement.find((s) => s.Sid === "AutoContainmentFunction");
      expect(lambda.Principal).to.deep.equal({ Service: "lambda.amazonaws.com" });
      expect(lambda.Condition.StringEquals["aws:SourceAccount"]).to.equal(ACCOUNT_ID);
      const deny = responderPolicies(resources).Statement.find((s) => s.Sid === "DenyOtherFunctions");
      expect(deny.Effect).to.equal("Deny");
      expect(deny.Condition).to.deep.equal({
        Null: { "lambda:SourceFunctionArn": "false" },
        ArnNotEquals: { "lambda:SourceFunctionArn": FUNCTION },
      });
    });
  });

  describe("GIVEN responderMfa", () => {
    it('"iam-users": MFA of IAM users, none of Identity Center or SAML roles (their sessions cannot carry it)', () => {
      const trust = responderTrustPolicy({
        humans: [USER, SSO],
        mfa: "iam-users",
        automation: [],
        accountId: ACCOUNT_ID,
      });
      const users = trust.Statement.find((s) => s.Sid === "Responders")!;
      expect(users.Principal).to.deep.equal({ AWS: [USER] });
      expect(users.Condition).to.deep.equal({ Bool: { "aws:MultiFactorAuthPresent": "true" } });
      const federated = trust.Statement.find((s) => s.Sid === "FederatedResponders")!;
      expect(federated.Principal).to.deep.equal({ AWS: [SSO] });
      expect(federated.Condition).to.equal(undefined);
    });
    it('"off": no MFA condition at all', () => {
      const trust = responderTrustPolicy({
        humans: [USER],
        mfa: "off",
        automation: [],
        accountId: ACCOUNT_ID,
      });
      expect(trust.Statement[0]!.Condition).to.equal(undefined);
    });
    it('"required" refuses an Identity Center role, which could never assume the role', () => {
      expect(
        () => new ResponderAccess("sso", { ...baseArgs(), humanPrincipalArns: [SSO], humanMfa: "required" }),
      ).to.throw(/IAM Identity Center role.*set responderMfa to "iam-users"/);
    });
    it("refuses an unknown mode by name", () => {
      expect(() =>
        responderTrustPolicy({
          humans: [USER],
          mfa: "sometimes" as never,
          automation: [],
          accountId: ACCOUNT_ID,
        }),
      ).to.throw('responder MFA mode "sometimes" is not allowed: expected one of required, iam-users, off');
    });
  });
});
