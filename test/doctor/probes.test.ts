/**
 * The doctor's pure parts, without an account: every responder action has a probe (a new action
 * without one would go unchecked), probes name well-formed resources of the account and Region, a key
 * policy admits the responder only by delegation to IAM or by name, and bad input reads as such.
 */
import { expect } from "chai";
import { unprobedActions } from "../../automation/doctor/doctor";
import { keyPolicyAdmits } from "../../automation/doctor/keys";
import { homeRegion, inputProblem } from "../../automation/doctor/preflight";
import { probeEnv } from "../../automation/doctor/probe-env";
import { accountProbes } from "../../automation/doctor/probes-account";
import { probesFor } from "../../automation/doctor/probes-instance";
import { RESPONDER_ACTIONS } from "../../facts";

const ACCOUNT = "123456789012";
const ROLE = `arn:aws:iam::${ACCOUNT}:role/ir-responder`;

describe("ir doctor: probes and input (no account)", () => {
  const env = probeEnv({
    partition: "aws",
    accountId: ACCOUNT,
    region: "eu-west-1",
    journalTable: "ir-case-journal",
    keyArns: [`arn:aws:kms:eu-west-1:${ACCOUNT}:key/1234`],
    groups: new Map([
      [
        "vpc-0123456789abcdef0",
        {
          vpcId: "vpc-0123456789abcdef0",
          untrack: { id: "sg-0000000000000000a", tags: {} },
          isolation: { id: "sg-0000000000000000b", tags: {} },
          forensicEgress: { id: "sg-0000000000000000c", tags: {} },
          ssmEndpointGroups: ["sg-0000000000000000d"],
        },
      ],
    ]),
  });
  const actions = new Set(RESPONDER_ACTIONS);
  // No instance runs: stand-ins make sure every action is still asked about.
  const probes = probesFor(env, [], actions, accountProbes(env, actions));

  it("1. every action of facts/responder-actions.ts has a probe, and gets one", () => {
    expect(unprobedActions()).to.deep.equal([]);
    expect([...new Set(probes.map((p) => p.action))].sort()).to.deep.equal([...RESPONDER_ACTIONS].sort());
  });

  it("2. probes name '*' or an ARN of this partition, account (or none) and Region (or none)", () => {
    const bad = probes.filter(
      (p) =>
        p.resource !== "*" &&
        !new RegExp(`^arn:aws:[a-z0-9-]+:(eu-west-1)?:(${ACCOUNT})?:.+`).test(p.resource),
    );
    expect(bad.map((p) => `${p.action} ${p.resource}`)).to.deep.equal([]);
  });

  it("3. a key policy admits the responder by delegating to IAM (the account root) or by naming the role", () => {
    const policy = (principal: unknown, action: unknown = "kms:*") =>
      JSON.stringify({
        Statement: [{ Effect: "Allow", Principal: principal, Action: action, Resource: "*" }],
      });
    expect(keyPolicyAdmits(policy({ AWS: `arn:aws:iam::${ACCOUNT}:root` }), ACCOUNT, ROLE)).to.equal(true);
    expect(
      keyPolicyAdmits(policy({ AWS: ROLE }, ["kms:Decrypt", "kms:GenerateDataKey"]), ACCOUNT, ROLE),
    ).to.equal(true);
    expect(keyPolicyAdmits(policy({ AWS: `arn:aws:iam::${ACCOUNT}:role/other` }), ACCOUNT, ROLE)).to.equal(
      false,
    );
    expect(
      keyPolicyAdmits(policy({ AWS: `arn:aws:iam::${ACCOUNT}:root` }, "kms:DescribeKey"), ACCOUNT, ROLE),
    ).to.equal(false);
    expect(keyPolicyAdmits("not json", ACCOUNT, ROLE)).to.equal(false);
  });

  it("4. bad input: a Region that does not resolve, no credentials, refused credentials; the home Region asked instead", () => {
    const dns = Object.assign(new Error("getaddrinfo ENOTFOUND sts.us-east-9.amazonaws.com"), {
      code: "ENOTFOUND",
    });
    expect(inputProblem(dns, "us-east-9")?.message).to.match(
      /^region "us-east-9" is not known: .+pass --region/,
    );
    const none = Object.assign(new Error("Could not load credentials from any providers"), {
      name: "CredentialsProviderError",
    });
    expect(inputProblem(none, "us-east-1")?.message).to.match(/^no AWS credentials were found/);
    const refused = Object.assign(new Error("The security token included in the request is invalid."), {
      name: "InvalidClientTokenId",
    });
    expect(inputProblem(refused, "us-east-1")?.message).to.match(
      /^the AWS credentials were refused \(InvalidClientTokenId/,
    );
    expect(inputProblem(new Error("boom"), "us-east-1")).to.equal(undefined);
    expect([
      homeRegion("eu-west-3"),
      homeRegion("cn-northwest-1"),
      homeRegion("us-gov-east-1"),
    ]).to.deep.equal(["us-east-1", "cn-north-1", "us-gov-west-1"]);
  });
});
