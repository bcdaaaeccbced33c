/**
 * Rule iam-inline-policy-budget: a role's inline policies share 10,240 non-whitespace characters; the
 * put that would pass the budget is refused (LimitExceeded, 409) and nothing changes (moto takes any).
 */
import {
  CreateRoleCommand,
  GetRolePolicyCommand,
  ListRolePoliciesCommand,
  PutRolePolicyCommand,
} from "@aws-sdk/client-iam";
import { expect } from "chai";
import {
  iamInlinePolicyBudget,
  policySize,
  ROLE_INLINE_POLICY_BUDGET,
} from "../../automation/emulator/strict/rules/iam-inline-policy-budget";
import { type RuleLayer, startRuleLayer } from "../helpers/strict";

/** A deny policy of exactly `size` non-whitespace characters (padded in its resource ARN). */
function denyOf(size: number, pretty = false): string {
  const doc = (pad: string) => ({
    Version: "2012-10-17",
    Statement: [{ Effect: "Deny", Action: "s3:GetObject", Resource: `arn:aws:s3:::evidence/${pad}` }],
  });
  const pad = "x".repeat(size - policySize(JSON.stringify(doc(""))));
  return JSON.stringify(doc(pad), null, pretty ? 4 : undefined);
}

const ROLE = "web-role";
const EACH = ROLE_INLINE_POLICY_BUDGET / 40; // 256: forty of them fill the budget exactly

describe("strict rule iam-inline-policy-budget", () => {
  let l: RuleLayer;
  const put = (name: string, doc: string) =>
    l.admin.iam
      .send(new PutRolePolicyCommand({ RoleName: ROLE, PolicyName: name, PolicyDocument: doc }))
      .then(
        () => undefined,
        (e: Error & { $metadata?: { httpStatusCode?: number } }) => e,
      );
  const names = async () =>
    (await l.admin.iam.send(new ListRolePoliciesCommand({ RoleName: ROLE }))).PolicyNames ?? [];

  before(async () => {
    l = await startRuleLayer([iamInlinePolicyBudget]);
    await l.admin.iam.send(
      new CreateRoleCommand({
        RoleName: ROLE,
        AssumeRolePolicyDocument: JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            { Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" },
          ],
        }),
      }),
    );
  });
  after(() => l.stop());

  it("counts characters without whitespace", () => {
    expect(policySize(denyOf(EACH))).to.equal(EACH);
    expect(policySize(denyOf(EACH, true))).to.equal(EACH);
    expect(denyOf(EACH, true).length).to.be.greaterThan(EACH);
  });

  it("forty policies of 256 characters fit the 10,240 budget exactly", async () => {
    for (let i = 0; i < 40; i++) expect(await put(`deny-${i}`, denyOf(EACH))).to.equal(undefined);
    expect(await names()).to.have.length(40);
  });

  it("one more character is refused (LimitExceeded, 409) and nothing changes", async () => {
    const err = await put("ir-revoke", denyOf(120));
    // The SDK names the wire code LimitExceeded as its LimitExceededException class.
    expect(err?.name).to.equal("LimitExceededException");
    expect(err?.$metadata?.httpStatusCode).to.equal(409);
    expect(err?.message).to.equal(`Maximum policy size of 10240 bytes exceeded for role ${ROLE}`);
    expect(await names())
      .to.have.length(40)
      .and.not.include("ir-revoke");
    expect(l.layer.refusals().at(-1)).to.include({ rule: "iam-inline-policy-budget", code: "LimitExceeded" });
  });

  it("replacing a policy counts only the new document (pretty-printed whitespace is free)", async () => {
    expect(await put("deny-0", denyOf(EACH, true))).to.equal(undefined);
    const err = await put("deny-1", denyOf(EACH + 1));
    expect(err?.name).to.equal("LimitExceededException");
    const kept = await l.admin.iam.send(new GetRolePolicyCommand({ RoleName: ROLE, PolicyName: "deny-1" }));
    expect(policySize(decodeURIComponent(kept.PolicyDocument!))).to.equal(EACH);
  });
});
