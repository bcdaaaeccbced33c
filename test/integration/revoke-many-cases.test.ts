/**
 * Forty cases on one role (35 earlier denies in place, five contained together) (through the strict layer, whose iam-inline-policy-budget rule refuses a
 * PutRolePolicy past 10,240 characters as IAM does): every compromise stays revocable because the case
 * denies are folded once the budget is full; the cut-off is set after the deny-all profile held; release
 * takes its instance out of the folded deny.
 */
import { AssociateIamInstanceProfileCommand, RunInstancesCommand } from "@aws-sdk/client-ec2";
import { GetRolePolicyCommand, ListRolePoliciesCommand, PutRolePolicyCommand } from "@aws-sdk/client-iam";
import { expect } from "chai";
import { newCaseId } from "../../automation/case/ids";
import { recordsOf } from "../../automation/case/records";
import { openJournals } from "../../automation/journal/open";
import { release } from "../../automation/respond/release";
import { respond } from "../../automation/respond/respond";
import { FOLD_AT } from "../../automation/steps/fold-denies";
import { type RevokeRecord, revokeDocument } from "../../automation/steps/revoke";
import { FOLDED_POLICY_NAME, instanceDeniesOf } from "../../automation/steps/revoke-fold";
import { revokePolicyName } from "../../facts/names";
import { TEST_ACCOUNT, TEST_REGION } from "../helpers/moto";
import { type Account, setupAccount } from "../helpers/responder";

/** IAM's count: the policy documents' characters without white space. */
async function inlineCharacters(a: Account): Promise<number> {
  const names = (await a.clients.iam.send(new ListRolePoliciesCommand({ RoleName: a.world.roleName })))
    .PolicyNames!;
  let total = 0;
  for (const name of names) {
    const doc = (
      await a.clients.iam.send(new GetRolePolicyCommand({ RoleName: a.world.roleName, PolicyName: name }))
    ).PolicyDocument!;
    total += decodeURIComponent(doc).replace(/\s/g, "").length;
  }
  return total;
}

describe("forty cases on one role (integration, strict)", function () {
  this.timeout(120_000);
  let a: Account;
  before(async () => {
    a = await setupAccount({ groups: true });
  });

  /** Contains these instances in one response; every case must end contained. */
  async function containAll(ids: string[]) {
    const results = await respond({
      targets: ids.map((instanceId) => ({ instanceId, source: { kind: "argument" as const } })),
      settings: a.settings,
      clients: a.responder,
      options: { dwellMs: 0, memory: false },
    });
    for (const r of results) {
      expect(r.status, r.error ?? JSON.stringify(r.steps.filter((s) => s.status !== "verified"))).to.equal(
        "contained",
      );
    }
    return results;
  }

  it("every case is revoked within the role's 10,240-character budget; release unfolds its instance", async () => {
    const launched = await a.clients.ec2.send(
      new RunInstancesCommand({
        ImageId: a.world.imageId,
        InstanceType: "t3.micro",
        MinCount: 40,
        MaxCount: 40,
        NetworkInterfaces: [{ DeviceIndex: 0, SubnetId: a.world.subnets[0], Groups: [a.world.webGroup] }],
      }),
    );
    const ids = launched.Instances!.map((i) => i.InstanceId!);
    // moto gives a profile named at launch to the first instance only: associate it to each.
    for (const id of ids) {
      await a.clients.ec2.send(
        new AssociateIamInstanceProfileCommand({
          InstanceId: id,
          IamInstanceProfile: { Arn: a.world.profileArn },
        }),
      );
    }
    // Earlier cases on this role, each with its deny as `respond` put it, until IAM refuses the next one
    // (running them all would take minutes on the emulator; their denies are what fills the budget).
    const arn = (id: string) => `arn:aws:ec2:${TEST_REGION}:${TEST_ACCOUNT}:instance/${id}`;
    const earlier = new Date(Date.now() - 3600_000).toISOString().replace(/\.\d{3}Z$/, "Z");
    let filled = 0;
    for (const id of ids) {
      const refused = await a.clients.iam
        .send(
          new PutRolePolicyCommand({
            RoleName: a.world.roleName,
            PolicyName: revokePolicyName(newCaseId(new Date(Date.now() - (filled + 1) * 60_000))),
            PolicyDocument: revokeDocument(arn(id), earlier, false),
          }),
        )
        .then(
          () => false,
          (err: Error) => err.name === "LimitExceededException" || err.name === "LimitExceeded",
        );
      if (refused) break;
      filled++;
    }
    expect(filled, "the budget holds a few dozen case denies").to.be.within(20, 39);
    // The cases up to forty, contained together: each would be refused without folding.
    const results = await containAll(ids.slice(filled));
    const revoke = results.map((r) => r.steps.find((s) => s.id === "revoke-credentials")!);
    expect(
      revoke.filter((s) => s.status !== "verified").map((s) => s.detail),
      "every case's revocation verified",
    ).to.deep.equal([]);
    expect(revoke.every((s) => /after the deny-all profile held/.test(s.detail ?? ""))).to.equal(true);
    expect(revoke.some((s) => /folded/.test(s.detail ?? ""))).to.equal(true);
    expect(await inlineCharacters(a)).to.be.at.most(10_240);

    const folded = instanceDeniesOf(
      (
        await a.clients.iam.send(
          new GetRolePolicyCommand({ RoleName: a.world.roleName, PolicyName: FOLDED_POLICY_NAME }),
        )
      ).PolicyDocument,
    );
    const denied = new Set(folded.flatMap((d) => d.instanceArns));
    expect([...denied].sort(), "all forty instances denied, in the folded policy").to.deep.equal(
      ids.map(arn).sort(),
    );
    const caseOf = results[results.length - 1]!;
    const found = await openJournals(a.clients, a.settings).dynamo.readCase(caseOf.caseId!);
    const record = recordsOf(found!.entries).get("revoke-credentials") as unknown as RevokeRecord;
    expect(denied.has(record.instanceArn), "the first case's deny was folded in").to.equal(true);

    const released = await release({
      caseId: caseOf.caseId!,
      settings: a.settings,
      clients: a.responder,
    });
    expect(released.status, JSON.stringify(released.steps)).to.equal("released");
    const after = instanceDeniesOf(
      (
        await a.clients.iam.send(
          new GetRolePolicyCommand({ RoleName: a.world.roleName, PolicyName: FOLDED_POLICY_NAME }),
        )
      ).PolicyDocument,
    );
    expect(after.flatMap((d) => d.instanceArns)).to.not.include(record.instanceArn);
  });

  it("the twelfth case deny on a role: the denies are folded after containment, none is uncovered", async () => {
    const launched = await a.clients.ec2.send(
      new RunInstancesCommand({
        ImageId: a.world.imageId,
        InstanceType: "t3.micro",
        MinCount: FOLD_AT,
        MaxCount: FOLD_AT,
        NetworkInterfaces: [{ DeviceIndex: 0, SubnetId: a.world.subnets[0], Groups: [a.world.webGroup] }],
      }),
    );
    const ids = launched.Instances!.map((i) => i.InstanceId!);
    await a.clients.ec2.send(
      new AssociateIamInstanceProfileCommand({
        InstanceId: ids[FOLD_AT - 1],
        IamInstanceProfile: { Arn: a.world.profileArn },
      }),
    );
    // Eleven earlier cases' denies (as respond put them), then the twelfth case for real.
    const arn = (id: string) => `arn:aws:ec2:${TEST_REGION}:${TEST_ACCOUNT}:instance/${id}`;
    const earlier = new Date(Date.now() - 600_000).toISOString().replace(/\.\d{3}Z$/, "Z");
    for (const [i, id] of ids.slice(0, FOLD_AT - 1).entries()) {
      await a.clients.iam.send(
        new PutRolePolicyCommand({
          RoleName: a.world.roleName,
          PolicyName: revokePolicyName(newCaseId(new Date(Date.now() - (i + 1) * 60_000))),
          PolicyDocument: revokeDocument(arn(id), earlier, false),
        }),
      );
    }
    const results = await containAll([ids[FOLD_AT - 1]!]);
    const folds = results.map((r) => r.steps.find((s) => s.id === "fold-denies")!);
    expect(folds.map((f) => f.status)).to.deep.equal(["verified"]);
    const names = (await a.clients.iam.send(new ListRolePoliciesCommand({ RoleName: a.world.roleName })))
      .PolicyNames!;
    expect(names.filter((n) => n.startsWith("ir-revoke-c-"))).to.deep.equal([]);
    const denied = instanceDeniesOf(
      (
        await a.clients.iam.send(
          new GetRolePolicyCommand({ RoleName: a.world.roleName, PolicyName: FOLDED_POLICY_NAME }),
        )
      ).PolicyDocument,
    ).flatMap((d) => d.instanceArns);
    for (const id of ids)
      expect(
        denied.some((x) => x.endsWith(`/${id}`)),
        id,
      ).to.equal(true);
  });
});
