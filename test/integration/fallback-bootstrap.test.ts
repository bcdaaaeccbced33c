/**
 * Prerequisites never block containment: without the journal table and the evidence bucket, respond
 * contains anyway, journals locally and fails the preserve steps loudly with the fix; `ir bootstrap`
 * then creates exactly what is missing, idempotently.
 */
import { DescribeSecurityGroupsCommand } from "@aws-sdk/client-ec2";
import { expect } from "chai";
import { bootstrap } from "../../automation/bootstrap/bootstrap";
import { exitCodeOf } from "../../automation/cli/exit-codes";
import { CONTAINMENT_STEPS } from "../../automation/playbooks/contain";
import { respond } from "../../automation/respond/respond";
import { caseStatus } from "../../automation/respond/status";
import { isolationGroupNames } from "../../facts/names";
import { type Account, describeAccount, setupAccount } from "../helpers/responder";

describe("missing prerequisites and ir bootstrap against moto (integration)", function () {
  this.timeout(120_000);
  let a: Account;
  before(async () => {
    a = await setupAccount({ bare: true });
  });

  it("contains without table or bucket: local journal, preserve steps fail naming `ir bootstrap`", async () => {
    const [r] = await respond({
      targets: [{ instanceId: a.world.solo, source: { kind: "argument" } }],
      settings: a.settings,
      clients: a.responder,
      options: { dwellMs: 0 },
    });
    expect(r!.journal).to.equal("local");
    expect(r!.notes.join(" ")).to.match(/journal table "ir-case-journal" was not found: journaling locally/);
    for (const s of r!.steps.filter((x) => CONTAINMENT_STEPS.includes(x.id))) {
      expect(["verified", "skipped"], `${s.id}: ${s.detail}`).to.include(s.status);
    }
    const bucket = r!.steps.find((s) => s.id === "evidence-bucket")!;
    expect(bucket.status).to.equal("failed");
    expect(bucket.detail).to.match(
      /evidence bucket "ir-evidence-123456789012-us-east-1" does not exist: run `ir bootstrap/,
    );
    expect(r!.steps.find((s) => s.id === "manifest")!.status).to.equal("failed");
    expect(r!.status).to.equal("incomplete");
    expect(exitCodeOf(r!)).to.equal(3);
    // The missing isolation groups were created with the standard names.
    const names = Object.values(isolationGroupNames(a.world.vpcId));
    const groups = await a.clients.ec2.send(
      new DescribeSecurityGroupsCommand({ Filters: [{ Name: "group-name", Values: names }] }),
    );
    expect(groups.SecurityGroups!.map((g) => g.GroupName).sort()).to.deep.equal([...names].sort());
    const s = await caseStatus({ ref: r!.caseId!, settings: a.settings, clients: a.responder });
    expect(s.journal).to.equal("local");
    expect(s.chain.ok).to.equal(true);
  });

  it("bootstrap --dry-run reports what is missing and creates nothing", async () => {
    const before = JSON.stringify(await describeAccount(a));
    const items = await bootstrap({
      clients: a.responder,
      settings: a.settings,
      vpcIds: [a.world.vpcId],
      dryRun: true,
    });
    const byKind = Object.fromEntries(items.map((i) => [i.kind, i.status]));
    expect(byKind).to.deep.equal({
      "evidence-bucket": "missing",
      "journal-table": "missing",
      "deny-all-profile": "exists",
      "isolation-groups": "exists",
    });
    expect(JSON.stringify(await describeAccount(a))).to.equal(before);
  });

  it("bootstrap creates what is missing, and a second run finds everything in place", async () => {
    const first = await bootstrap({ clients: a.responder, settings: a.settings, vpcIds: [a.world.vpcId] });
    expect(
      first
        .filter((i) => i.status === "created")
        .map((i) => i.kind)
        .sort(),
    ).to.deep.equal(["evidence-bucket", "journal-table"]);
    const second = await bootstrap({ clients: a.responder, settings: a.settings, vpcIds: [a.world.vpcId] });
    expect(
      second.every((i) => i.status === "exists"),
      JSON.stringify(second),
    ).to.equal(true);
  });

  it("bootstrap refuses a malformed VPC id, naming it", async () => {
    let err: Error | undefined;
    await bootstrap({ clients: a.responder, settings: a.settings, vpcIds: ["vpc-12"] }).catch((e) => {
      err = e;
    });
    expect(err?.message).to.equal(
      'vpc id "vpc-12" is not valid: expected vpc- followed by 8 or 17 hex digits',
    );
  });

  it("after bootstrap, a new respond preserves everything", async () => {
    const [r] = await respond({
      targets: [{ instanceId: a.world.twoEni, source: { kind: "argument" } }],
      settings: a.settings,
      clients: a.responder,
      options: { dwellMs: 0 },
    });
    expect(r!.journal).to.equal("dynamodb");
    expect(r!.status, JSON.stringify(r!.steps.filter((s) => s.status !== "verified"))).to.equal("contained");
  });
});
