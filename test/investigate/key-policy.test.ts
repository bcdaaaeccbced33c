/**
 * The check before a copy reads a workload key's policy: it stops only a policy that certainly does not
 * let the responder use the key through EC2, and the statements it proposes are enough.
 */
import { expect } from "chai";
import { principalOf, refusedByKeyPolicy, statementsToAdd } from "../../automation/investigate/key-policy";
import { EBS_COPY_SOURCE_KMS_ACTIONS } from "../../facts/responder-actions";
import { lockedKeyPolicy } from "./customer-keys";

const ACCOUNT = "111122223333";
const WHO = {
  accountId: ACCOUNT,
  principalArn: `arn:aws:iam::${ACCOUNT}:role/ir-responder`,
  region: "eu-west-1",
};
const ROOT = { AWS: `arn:aws:iam::${ACCOUNT}:root` };
const policy = (...Statement: Record<string, unknown>[]) => ({ Version: "2012-10-17", Statement });
const refused = (p: unknown) => refusedByKeyPolicy(p, EBS_COPY_SOURCE_KMS_ACTIONS, WHO);

describe("investigate: reading a workload key's policy before the copy", () => {
  it("1. the default policy (the account's IAM decides) admits the responder", () => {
    expect(
      refused(policy({ Effect: "Allow", Principal: ROOT, Action: "kms:*", Resource: "*" })),
    ).to.deep.equal([]);
  });

  it("2. the console's policy with key users names what it refuses the responder", () => {
    expect(refused(JSON.parse(lockedKeyPolicy(ACCOUNT)))).to.deep.equal(["kms:Decrypt", "kms:ReEncryptFrom"]);
  });

  it("3. the statements it proposes, added, admit the responder", () => {
    const locked = JSON.parse(lockedKeyPolicy(ACCOUNT));
    locked.Statement.push(...statementsToAdd(WHO, EBS_COPY_SOURCE_KMS_ACTIONS));
    expect(refused(locked)).to.deep.equal([]);
  });

  it("4. use through S3 only is no use through EC2; an explicit deny of the role wins", () => {
    const viaS3 = { StringEquals: { "kms:ViaService": "s3.eu-west-1.amazonaws.com" } };
    expect(
      refused(policy({ Effect: "Allow", Principal: ROOT, Action: "kms:*", Resource: "*", Condition: viaS3 })),
    ).to.deep.equal([...EBS_COPY_SOURCE_KMS_ACTIONS]);
    const denied = policy(
      { Effect: "Allow", Principal: ROOT, Action: "kms:*", Resource: "*" },
      { Effect: "Deny", Principal: { AWS: WHO.principalArn }, Action: "kms:Decrypt", Resource: "*" },
    );
    expect(refused(denied)).to.deep.equal(["kms:Decrypt"]);
  });

  it("5. a condition it cannot evaluate counts as met (EBS decides; the copy step reports a refusal)", () => {
    const tagged = { StringEquals: { "aws:PrincipalTag/team": "security" } };
    expect(
      refused(
        policy({ Effect: "Allow", Principal: ROOT, Action: "kms:*", Resource: "*", Condition: tagged }),
      ),
    ).to.deep.equal([]);
  });

  it("6. an assumed-role session is named by its role", () => {
    expect(principalOf(`arn:aws:sts::${ACCOUNT}:assumed-role/ir-responder/alice`)).to.equal(WHO.principalArn);
    expect(principalOf(`arn:aws:iam::${ACCOUNT}:user/bob`)).to.equal(`arn:aws:iam::${ACCOUNT}:user/bob`);
  });
});
