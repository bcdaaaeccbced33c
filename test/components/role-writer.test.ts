/**
 * RoleWriter (components/role-writer.ts) under Pulumi mocks: the function, its execution role and its
 * policy; the policy decided by the IAM evaluator the strict world uses (@cloud-copilot/iam-simulate):
 * the writer may write any instance role's policies but never the response roles'; the responder may
 * invoke the writer and no other function.
 */
import { runSimulation } from "@cloud-copilot/iam-simulate";
import * as pulumi from "@pulumi/pulumi";
import { expect } from "chai";
import { type ResponderPolicyContext, responderPolicyDocuments } from "../../components/responder-policy";
import { RoleWriter } from "../../components/role-writer";
import { PROTECTED_ROLES, roleWriterPolicy } from "../../components/role-writer-policy";
import { RESPONDER_ACTIONS, RESPONDER_ROLE_NAME, ROLE_WRITER_FUNCTION_NAME } from "../../facts";
import {
  ACCOUNT_ID,
  installMocks,
  ofType,
  policyDoc,
  type RecordedResource,
  settle,
} from "../helpers/pulumi-mocks";

const AUDIT_KEY = `arn:aws:kms:us-east-1:${ACCOUNT_ID}:key/audit`;
const LOGS = `arn:aws:logs:us-east-1:${ACCOUNT_ID}:log-group:/aws/lambda/${ROLE_WRITER_FUNCTION_NAME}`;
const role = (name: string) => `arn:aws:iam::${ACCOUNT_ID}:role/${name}`;

async function decide(principalRole: string, policy: string, action: string, resource: string) {
  const r = await runSimulation(
    {
      request: {
        principal: `arn:aws:sts::${ACCOUNT_ID}:assumed-role/${principalRole}/s`,
        action,
        resource: { resource, accountId: ACCOUNT_ID },
        contextVariables: { "aws:RequestedRegion": "us-east-1", "aws:PrincipalAccount": ACCOUNT_ID },
      },
      identityPolicies: [{ name: "p", policy: JSON.parse(policy) }],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
    },
    { simulationMode: "Strict" },
  );
  if (r.resultType === "error") throw new Error(JSON.stringify(r.errors));
  return r.overallResult;
}

describe("RoleWriter", () => {
  let resources: RecordedResource[];
  const one = (type: string) => {
    const found = ofType(resources, type);
    expect(found, type).to.have.length(1);
    return found[0]!;
  };
  before(async () => {
    resources = await installMocks();
    // Under mocks assets are not read: the bundle is built by `npm run bundle:lambda` (printed sizes).
    new RoleWriter("rw", { logKmsKeyArn: AUDIT_KEY, code: new pulumi.asset.AssetArchive({}) });
    await settle(resources);
  });

  it("runs the handler on nodejs22.x as its own role, told the quarantine role and the protected roles", () => {
    const f = one("aws:lambda/function:Function");
    expect(f.inputs).to.include({
      name: ROLE_WRITER_FUNCTION_NAME,
      runtime: "nodejs22.x",
      handler: "index.handler",
      timeout: 60,
    });
    expect(f.inputs.environment.variables).to.deep.equal({
      IR_QUARANTINE_ROLE: "ir-deny-all",
      IR_QUARANTINE_PROFILE: "ir-deny-all",
      IR_PROTECTED_ROLES: PROTECTED_ROLES.join(","),
    });
    const r = one("aws:iam/role:Role");
    expect(r.inputs.name).to.equal(ROLE_WRITER_FUNCTION_NAME);
    const trust = policyDoc(r.inputs.assumeRolePolicy);
    expect(trust.Statement).to.have.length(1);
    expect(trust.Statement[0].Principal).to.deep.equal({ Service: "lambda.amazonaws.com" });
    expect(trust.Statement[0].Condition.StringEquals["aws:SourceAccount"]).to.equal(ACCOUNT_ID);
  });

  it("logs to its own encrypted log group", () => {
    expect(one("aws:cloudwatch/logGroup:LogGroup").inputs).to.include({
      name: `/aws/lambda/${ROLE_WRITER_FUNCTION_NAME}`,
      kmsKeyId: AUDIT_KEY,
    });
  });

  describe("its execution role's policy, evaluated", () => {
    const policy = roleWriterPolicy({ partition: "aws", accountId: ACCOUNT_ID, logGroupArn: LOGS });
    it("puts and deletes inline policies on a workload's instance role", async () => {
      for (const action of ["iam:PutRolePolicy", "iam:DeleteRolePolicy"])
        expect(await decide(ROLE_WRITER_FUNCTION_NAME, policy, action, role("web-instance"))).to.equal(
          "Allowed",
        );
    });
    it("never on the responder's, its own, or the auto-containment function's role", async () => {
      for (const name of [RESPONDER_ROLE_NAME, ROLE_WRITER_FUNCTION_NAME, "ir-auto-contain"])
        expect(
          await decide(ROLE_WRITER_FUNCTION_NAME, policy, "iam:PutRolePolicy", role(name)),
          name,
        ).to.equal("ExplicitlyDenied");
    });
    it("cannot attach managed policies, create roles or pass them", async () => {
      for (const action of [
        "iam:AttachRolePolicy",
        "iam:CreateRole",
        "iam:PassRole",
        "iam:UpdateAssumeRolePolicy",
      ])
        expect(
          await decide(ROLE_WRITER_FUNCTION_NAME, policy, action, role("web-instance")),
          action,
        ).to.equal("ImplicitlyDenied");
    });
  });

  describe("the responder's side", () => {
    const context: ResponderPolicyContext = {
      partition: "aws",
      accountId: ACCOUNT_ID,
      regions: ["us-east-1"],
      evidenceBucketArn: "arn:aws:s3:::ir-evidence",
      toolsBucketArn: "arn:aws:s3:::ir-tools",
      journalTableArn: `arn:aws:dynamodb:us-east-1:${ACCOUNT_ID}:table/ir-case-journal`,
      kmsKeyArns: [`arn:aws:kms:us-east-1:${ACCOUNT_ID}:key/evidence`],
      passableRoleArns: [role("ir-deny-all")],
      responderRoleArn: role(RESPONDER_ROLE_NAME),
      requireCaseTagForDestructive: true,
    };
    const merged = JSON.stringify({
      Version: "2012-10-17",
      Statement: responderPolicyDocuments(RESPONDER_ACTIONS, context).flatMap(
        (d) => (d.document as { Statement: unknown[] }).Statement,
      ),
    });
    const fn = (name: string) => `arn:aws:lambda:us-east-1:${ACCOUNT_ID}:function:${name}`;
    it("invokes the role writer, and no other function", async () => {
      expect(
        await decide(RESPONDER_ROLE_NAME, merged, "lambda:InvokeFunction", fn(ROLE_WRITER_FUNCTION_NAME)),
      ).to.equal("Allowed");
      expect(
        await decide(RESPONDER_ROLE_NAME, merged, "lambda:InvokeFunction", fn("ir-anything-else")),
      ).to.equal("ImplicitlyDenied");
    });
    it("holds no iam:PutRolePolicy or iam:DeleteRolePolicy at all", async () => {
      expect(RESPONDER_ACTIONS).to.not.include.members(["iam:PutRolePolicy", "iam:DeleteRolePolicy"]);
      for (const action of ["iam:PutRolePolicy", "iam:DeleteRolePolicy"])
        expect(await decide(RESPONDER_ROLE_NAME, merged, action, role("web-instance")), action).to.match(
          /Denied$/,
        );
    });
  });
});
