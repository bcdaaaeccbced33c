/**
 * The dry run tells the truth and changes nothing (the account described before and after is the same),
 * and bad input is refused with a specific error, changing nothing either.
 */
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TerminateInstancesCommand } from "@aws-sdk/client-ec2";
import { expect } from "chai";
import { parseTargets } from "../../automation/input/targets";
import { respond } from "../../automation/respond/respond";
import { type Account, describeAccount, setupAccount } from "../helpers/responder";

describe("ir plan and bad input against moto (integration)", function () {
  this.timeout(120_000);
  let a: Account;
  before(async () => {
    a = await setupAccount();
  });

  it("plan lists every change for an ASG instance and leaves the account byte-for-byte unchanged", async () => {
    const before = JSON.stringify(await describeAccount(a));
    const [r] = await respond({
      targets: [{ instanceId: a.world.asgInstances[0]!, source: { kind: "argument" } }],
      settings: a.settings,
      clients: a.responder,
      dryRun: true,
    });
    expect(r!.status, r!.error).to.equal("planned");
    const changes = r!.steps.flatMap((s) => s.changes ?? []);
    const actions = changes.map((c) => c.action);
    expect(actions).to.include.members([
      "ec2:CreateSnapshots",
      "autoscaling:DetachInstances",
      "elasticloadbalancing:DeregisterTargets",
      "ec2:ModifyNetworkInterfaceAttribute",
      // The revoke deny, written by the role writer (the responder holds no iam:PutRolePolicy).
      "lambda:InvokeFunction",
      "ec2:ReplaceIamInstanceProfileAssociation",
      "ec2:ModifyInstanceAttribute",
      "ec2:CreateSecurityGroup",
    ]);
    // Detaching needs no scale-in protection (only Standby keeps the instance in the group).
    expect(actions).to.not.include("autoscaling:SetInstanceProtection");
    expect(changes.find((c) => c.action === "ec2:CreateSnapshots")!.dryRun).to.equal("allowed");
    expect(JSON.stringify(await describeAccount(a))).to.equal(before);
  });

  it("an unknown instance is refused by name and leaves no case behind", async () => {
    const before = JSON.stringify(await describeAccount(a));
    const [r] = await respond({
      targets: [{ instanceId: "i-0123456789abcdef0", source: { kind: "argument" } }],
      settings: a.settings,
      clients: a.responder,
    });
    expect(r!.status).to.equal("invalid");
    expect(r!.error).to.equal(
      'instance "i-0123456789abcdef0" was not found in region us-east-1: check the id, or pass --region with the instance\'s region',
    );
    expect(JSON.stringify(await describeAccount(a))).to.equal(before);
  });

  it("a terminated instance is refused: there is nothing to contain", async () => {
    await a.clients.ec2.send(new TerminateInstancesCommand({ InstanceIds: [a.world.noProfile] }));
    const before = JSON.stringify(await describeAccount(a));
    const [r] = await respond({
      targets: [{ instanceId: a.world.noProfile, source: { kind: "argument" } }],
      settings: a.settings,
      clients: a.responder,
    });
    expect(r!.status).to.equal("invalid");
    expect(r!.error).to.match(/is terminated: there is nothing left to contain/);
    expect(JSON.stringify(await describeAccount(a))).to.equal(before);
  });

  it("the wrong region: the instance is not found there, and the error says to pass --region", async () => {
    // As an administrator (a role allowed there): the instance is simply not in that Region.
    const [r] = await respond({
      targets: [{ instanceId: a.world.solo, region: "eu-west-1", source: { kind: "argument" } }],
      settings: a.settings,
      clients: a.clients,
    });
    expect(r!.status).to.equal("invalid");
    expect(r!.error).to.match(/not found in region eu-west-1: check the id, or pass --region/);
  });

  it("a Region the responder role does not list: AWS refuses the first call, and the error names it", async () => {
    const before = JSON.stringify(await describeAccount(a));
    const [r] = await respond({
      targets: [{ instanceId: a.world.solo, region: "eu-west-1", source: { kind: "argument" } }],
      settings: a.settings,
      clients: a.responder,
    });
    expect(r!.status).to.equal("error");
    expect(r!.error, r!.error).to.match(/not authorized to perform: [a-z]+:[A-Za-z]+ on resource/);
    expect(JSON.stringify(await describeAccount(a))).to.equal(before);
  });

  it("a finding file that names no instance, or is not JSON, is refused before any call", () => {
    const dir = tmpdir();
    const s3finding = join(dir, "s3-finding.json");
    writeFileSync(
      s3finding,
      JSON.stringify({
        schemaVersion: "2.0",
        id: "f1",
        type: "Policy:S3/BucketBlockPublicAccessDisabled",
        resource: { resourceType: "S3Bucket" },
      }),
    );
    expect(() => parseTargets([s3finding])).to.throw(
      /names no EC2 instance: resource.resourceType is "S3Bucket"/,
    );
    const broken = join(dir, "broken.json");
    writeFileSync(broken, '{"schemaVersion": "2.0", ');
    expect(() => parseTargets([broken])).to.throw(/is not valid JSON/);
  });
});
