/**
 * Folding a role's case denies (automation/steps/revoke-fold.ts) against an in-memory IAM that keeps
 * IAM's 10,240-character budget for a role's inline policies: every instance stays denied at every
 * moment when there is room; a full budget costs a reported gap, never a failure; instances that are
 * gone leave the deny once their credentials have expired.
 */
import { DescribeInstancesCommand, EC2Client } from "@aws-sdk/client-ec2";
import {
  DeleteRolePolicyCommand,
  GetRolePolicyCommand,
  IAMClient,
  ListRolePoliciesCommand,
  PutRolePolicyCommand,
} from "@aws-sdk/client-iam";
import { mockClient } from "aws-sdk-client-mock";
import { expect } from "chai";
import { DirectRoleWriter } from "../../automation/aws/role-writer";
import { revokeDocument } from "../../automation/steps/revoke";
import {
  budgetSize,
  FOLDED_POLICY_NAME,
  foldDenies,
  instanceDeniesOf,
  MAX_CREDENTIAL_LIFE_MS,
} from "../../automation/steps/revoke-fold";

const ROLE = "web-role";
const arn = (i: number) => `arn:aws:ec2:us-east-1:123456789012:instance/i-${String(i).padStart(17, "0")}`;
const err = (name: string) => Object.assign(new Error(name), { name });

/** An IAM role's inline policies with the budget, and every instance denied after each change. */
function fakeIam(budget = 10_240) {
  const policies = new Map<string, string>();
  const coverage: Set<string>[] = [];
  const denied = () =>
    new Set([...policies.values()].flatMap((d) => instanceDeniesOf(d).flatMap((x) => x.instanceArns)));
  const iam = new IAMClient({ region: "us-east-1" });
  const mock = mockClient(iam);
  mock.on(ListRolePoliciesCommand).callsFake(async () => ({ PolicyNames: [...policies.keys()] }));
  mock.on(GetRolePolicyCommand).callsFake(async (i: { PolicyName: string }) => {
    const doc = policies.get(i.PolicyName);
    if (!doc) throw err("NoSuchEntityException");
    return { PolicyDocument: encodeURIComponent(doc) };
  });
  mock.on(PutRolePolicyCommand).callsFake(async (i: { PolicyName: string; PolicyDocument: string }) => {
    const others = [...policies]
      .filter(([n]) => n !== i.PolicyName)
      .reduce((t, [, d]) => t + budgetSize(d), 0);
    if (others + budgetSize(i.PolicyDocument) > budget) throw err("LimitExceededException");
    policies.set(i.PolicyName, i.PolicyDocument);
    coverage.push(denied());
    return {};
  });
  mock.on(DeleteRolePolicyCommand).callsFake(async (i: { PolicyName: string }) => {
    if (!policies.delete(i.PolicyName)) throw err("NoSuchEntityException");
    coverage.push(denied());
    return {};
  });
  return { iam, policies, coverage, denied };
}

function ec2With(alive: string[]) {
  const ec2 = new EC2Client({ region: "us-east-1" });
  mockClient(ec2)
    .on(DescribeInstancesCommand)
    .resolves({
      Reservations: [{ Instances: alive.map((id) => ({ InstanceId: id, State: { Name: "running" } })) }],
    });
  return ec2;
}

const direct = (iam: IAMClient) => new DirectRoleWriter(iam, { partition: "aws", accountId: "123456789012" });
const at = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");

describe("revoke fold: case denies kept inside a role's inline budget", () => {
  it("with room: each case deny is folded in before it is deleted (no instance is ever uncovered)", async () => {
    const f = fakeIam();
    for (let i = 0; i < 12; i++)
      f.policies.set(`ir-revoke-c-${i}`, revokeDocument(arn(i), at(Date.now()), false));
    const all = [...f.denied()];
    const result = await foldDenies({ iam: f.iam, ec2: ec2With([]) }, direct(f.iam), ROLE);
    expect(result.folded).to.have.length(12);
    expect(result.gaps).to.deep.equal([]);
    expect([...f.policies.keys()]).to.deep.equal([FOLDED_POLICY_NAME]);
    for (const seen of f.coverage) for (const a of all) expect(seen.has(a)).to.equal(true);
  });

  it("a full budget: the fold frees room as it goes, reports the gap it had to open, and adds the new deny", async () => {
    const f = fakeIam();
    let n = 0;
    for (;;) {
      const doc = revokeDocument(arn(n), at(Date.now()), false);
      const used = [...f.policies.values()].reduce((t, d) => t + budgetSize(d), 0);
      if (used + budgetSize(doc) > 10_240) break;
      f.policies.set(`ir-revoke-c-${String(n).padStart(3, "0")}`, doc);
      n++;
    }
    const result = await foldDenies({ iam: f.iam, ec2: ec2With([]) }, direct(f.iam), ROLE, {
      instanceArns: [arn(n)],
      issuedBefore: at(Date.now()),
    });
    expect(result.folded).to.have.length(n);
    expect(result.gaps.length).to.be.within(1, 3);
    expect(f.denied().size).to.equal(n + 1);
    const used = [...f.policies.values()].reduce((t, d) => t + budgetSize(d), 0);
    expect(used).to.be.lessThan(10_240 / 2);
  });

  it("instances that are gone leave the deny once their credentials have expired, not before", async () => {
    const f = fakeIam();
    const old = Date.now() - MAX_CREDENTIAL_LIFE_MS - 60_000;
    f.policies.set(
      FOLDED_POLICY_NAME,
      JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Deny",
            Action: "*",
            Resource: "*",
            Condition: {
              DateLessThan: { "aws:TokenIssueTime": at(old) },
              ArnEquals: { "ec2:SourceInstanceARN": [arn(1), arn(2)] },
            },
          },
          {
            Effect: "Deny",
            Action: "*",
            Resource: "*",
            Condition: {
              DateLessThan: { "aws:TokenIssueTime": at(Date.now()) },
              ArnEquals: { "ec2:SourceInstanceARN": [arn(3)] },
            },
          },
        ],
      }),
    );
    // i-...2 still exists; 1 is gone (expired: dropped); 3 is gone but recent (kept).
    const result = await foldDenies(
      { iam: f.iam, ec2: ec2With([arn(2).split("/").pop()!]) },
      direct(f.iam),
      ROLE,
      {
        instanceArns: [arn(4)],
        issuedBefore: at(Date.now()),
      },
    );
    expect(result.dropped).to.deep.equal([arn(1)]);
    expect([...f.denied()].sort()).to.deep.equal([arn(2), arn(3), arn(4)].sort());
  });
});
