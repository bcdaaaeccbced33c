/**
 * Rule iam-simulate-principal-policy: IAM's policy simulator, which moto lacks, answered by the layer's
 * evaluator. GIVEN a role with an inline policy (an Allow conditioned on the Region, a Deny on one
 * prefix) and one with a permissions boundary, WHEN the simulator is asked about actions on resources,
 * THEN each action gets the most restrictive decision across its resources, a decision per resource,
 * the policy that decided, and the context keys the policies test that were not supplied; a KMS key is
 * decided by the role's policies alone (the simulator reads no key policy).
 */
import {
  AttachRolePolicyCommand,
  CreatePolicyCommand,
  CreateRoleCommand,
  PutRolePermissionsBoundaryCommand,
  PutRolePolicyCommand,
  SimulatePrincipalPolicyCommand,
  type SimulatePrincipalPolicyCommandInput,
} from "@aws-sdk/client-iam";
import { expect } from "chai";
import { iamSimulatePrincipalPolicy } from "../../automation/emulator/strict/rules/iam-simulate-principal-policy";
import { TEST_ACCOUNT } from "../helpers/moto";
import { type RuleLayer, startRuleLayer } from "../helpers/strict";

const TRUST = JSON.stringify({
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }],
});
const role = (name: string) => `arn:aws:iam::${TEST_ACCOUNT}:role/${name}`;
const REGION = [
  {
    ContextKeyName: "aws:RequestedRegion",
    ContextKeyValues: ["us-east-1"],
    ContextKeyType: "string" as const,
  },
];

describe("strict rule iam-simulate-principal-policy", () => {
  let l: RuleLayer;
  const simulate = (input: Omit<SimulatePrincipalPolicyCommandInput, "PolicySourceArn"> & { role: string }) =>
    l.admin.iam.send(new SimulatePrincipalPolicyCommand({ ...input, PolicySourceArn: role(input.role) }));

  before(async () => {
    l = await startRuleLayer([iamSimulatePrincipalPolicy]);
    for (const name of ["reader", "bounded", "kms-user"])
      await l.admin.iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: TRUST }));
    const reader = {
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Action: "s3:GetObject",
          Resource: "arn:aws:s3:::evidence/*",
          Condition: { StringEquals: { "aws:RequestedRegion": "us-east-1" } },
        },
        { Effect: "Deny", Action: "s3:GetObject", Resource: "arn:aws:s3:::evidence/secret/*" },
      ],
    };
    await l.admin.iam.send(
      new PutRolePolicyCommand({
        RoleName: "reader",
        PolicyName: "read",
        PolicyDocument: JSON.stringify(reader),
      }),
    );
    await l.admin.iam.send(
      new PutRolePolicyCommand({
        RoleName: "kms-user",
        PolicyName: "keys",
        PolicyDocument: JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            {
              Effect: "Allow",
              Action: "kms:DescribeKey",
              Resource: `arn:aws:kms:us-east-1:${TEST_ACCOUNT}:key/*`,
            },
          ],
        }),
      }),
    );
    const all = await l.admin.iam.send(
      new CreatePolicyCommand({
        PolicyName: "s3-all",
        PolicyDocument: JSON.stringify({
          Version: "2012-10-17",
          Statement: [{ Effect: "Allow", Action: "s3:*", Resource: "*" }],
        }),
      }),
    );
    const boundary = await l.admin.iam.send(
      new CreatePolicyCommand({
        PolicyName: "list-only",
        PolicyDocument: JSON.stringify({
          Version: "2012-10-17",
          Statement: [{ Effect: "Allow", Action: "s3:ListBucket", Resource: "*" }],
        }),
      }),
    );
    await l.admin.iam.send(new AttachRolePolicyCommand({ RoleName: "bounded", PolicyArn: all.Policy!.Arn }));
    await l.admin.iam.send(
      new PutRolePermissionsBoundaryCommand({
        RoleName: "bounded",
        PermissionsBoundary: boundary.Policy!.Arn,
      }),
    );
  });
  after(() => l.stop());

  it("1. one result per action: the worst decision across resources, and a decision per resource", async () => {
    const r = await simulate({
      role: "reader",
      ActionNames: ["s3:GetObject", "s3:PutObject"],
      ResourceArns: ["arn:aws:s3:::evidence/case/a", "arn:aws:s3:::evidence/secret/b"],
      ContextEntries: REGION,
    });
    const [get, put] = r.EvaluationResults!;
    expect(get!.EvalActionName).to.equal("s3:GetObject");
    expect(get!.EvalDecision).to.equal("explicitDeny");
    expect(
      get!.ResourceSpecificResults!.map((x) => [x.EvalResourceName, x.EvalResourceDecision]),
    ).to.deep.equal([
      ["arn:aws:s3:::evidence/case/a", "allowed"],
      ["arn:aws:s3:::evidence/secret/b", "explicitDeny"],
    ]);
    expect(get!.ResourceSpecificResults![1]!.MatchedStatements![0]!.SourcePolicyId).to.equal("read");
    expect(put!.EvalDecision).to.equal("implicitDeny");
  });

  it("2. a context key the policy tests and the caller did not supply is missing: the Allow does not apply", async () => {
    const r = await simulate({
      role: "reader",
      ActionNames: ["s3:GetObject"],
      ResourceArns: ["arn:aws:s3:::evidence/case/a"],
    });
    expect(r.EvaluationResults![0]!.EvalDecision).to.equal("implicitDeny");
    expect(r.EvaluationResults![0]!.MissingContextValues).to.include("aws:requestedregion");
  });

  it("3. a permissions boundary limits what the role's policies allow", async () => {
    const r = await simulate({ role: "bounded", ActionNames: ["s3:ListBucket", "s3:GetObject"] });
    expect(r.EvaluationResults!.map((x) => [x.EvalActionName, x.EvalDecision])).to.deep.equal([
      ["s3:ListBucket", "allowed"],
      ["s3:GetObject", "implicitDeny"],
    ]);
  });

  it("4. a KMS key is decided by the role's policies alone: the simulator reads no key policy", async () => {
    const key = `arn:aws:kms:us-east-1:${TEST_ACCOUNT}:key/00000000-0000-0000-0000-000000000000`;
    const r = await simulate({ role: "bounded", ActionNames: ["kms:DescribeKey"], ResourceArns: [key] });
    // The boundary allows only s3:ListBucket: denied by the role's own side, not for want of a key policy.
    expect(r.EvaluationResults![0]!.EvalDecision).to.equal("implicitDeny");
    const allowed = await simulate({
      role: "kms-user",
      ActionNames: ["kms:DescribeKey"],
      ResourceArns: [key],
    });
    expect(allowed.EvaluationResults![0]!.EvalDecision).to.equal("allowed");
  });

  it("5. an unknown role is NoSuchEntity; a resource policy is refused, never guessed", async () => {
    const missing = await simulate({ role: "nobody", ActionNames: ["s3:GetObject"] }).catch((e: Error) => e);
    expect((missing as Error).name).to.equal("NoSuchEntityException");
    const withPolicy = await simulate({
      role: "reader",
      ActionNames: ["s3:GetObject"],
      ResourcePolicy: "{}",
    }).catch((e: Error) => e);
    expect((withPolicy as Error).name).to.equal("StrictLayerCannotSimulate");
  });
});
