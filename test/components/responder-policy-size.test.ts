/**
 * The responder's permissions fit IAM's limits: a role's inline policies share 10,240 characters and one
 * managed policy holds 6,144 (white space not counted). The whole document for three Regions is over
 * 13,000 characters, so it is split into managed policies by service group; each must fit.
 */
import { expect } from "chai";
import { emulatedPolicyContext } from "../../automation/emulator/responder-role";
import {
  MANAGED_POLICY_MAX_CHARS,
  policySize,
  responderPolicyDocument,
  responderPolicyDocuments,
} from "../../components/responder-policy";
import { RESPONDER_ACTIONS } from "../../facts";

const key = (region: string, n: number) =>
  `arn:aws:kms:${region}:111122223333:key/0b6a1f3e-4c2d-4e8f-9a7b-1c2d3e4f5a6${n}`;
/** As the baseline builds it: the evidence key, an EBS key per Region, the log archive's key. */
const context = (regions: string[]) => ({
  ...emulatedPolicyContext({
    accountId: "111122223333",
    region: regions[0]!,
    workloadRoleArns: [
      "arn:aws:iam::111122223333:role/web-instance",
      "arn:aws:iam::111122223333:role/api-instance",
    ],
    logArchiveBucket: "acme-log-archive-111122223333",
  }),
  regions,
  kmsKeyArns: [key(regions[0]!, 0), ...regions.map((r, i) => key(r, i + 1))],
  logArchiveKmsKeyArns: [key(regions[0]!, 9)],
  autoContainFunctionArn: `arn:aws:lambda:${regions[0]}:111122223333:function:ir-auto-contain`,
});

describe("responder policy size", () => {
  for (const regions of [["us-east-1"], ["eu-central-1", "eu-west-1", "us-east-1"]])
    it(`GIVEN ${regions.length} Region(s) THEN every managed policy fits 6,144 characters and together they grant the whole list`, () => {
      const docs = responderPolicyDocuments(RESPONDER_ACTIONS, context(regions));
      expect(docs.map((d) => d.name)).to.deep.equal([
        "ir-responder-ec2-case",
        "ir-responder-ec2",
        "ir-responder-workload",
        "ir-responder-evidence",
        "ir-responder-commands",
      ]);
      for (const d of docs) expect(policySize(d.document), d.name).to.be.at.most(MANAGED_POLICY_MAX_CHARS);
      const granted = new Set(
        docs.flatMap((d) =>
          d.document.Statement.filter((s) => s.Effect === "Allow").flatMap((s) => s.Action as string[]),
        ),
      );
      expect([...granted].sort()).to.deep.equal([...new Set(RESPONDER_ACTIONS)].sort());
      // The self-modification deny is in exactly one of them.
      expect(
        docs.filter((d) => d.document.Statement.some((s) => s.Sid === "DenySelfModification")),
      ).to.have.length(1);
    });

  it("the whole document for three Regions would not fit one role's inline budget (why it is split)", () => {
    expect(
      policySize(
        responderPolicyDocument(RESPONDER_ACTIONS, context(["eu-central-1", "eu-west-1", "us-east-1"])),
      ),
    ).to.be.above(6144);
  });

  it("an action of a service in no group is refused by name", () => {
    expect(() => responderPolicyDocuments(["rds:DescribeDBInstances"], context(["us-east-1"]))).to.throw(
      /rds:DescribeDBInstances belong to no policy group/,
    );
  });
});
