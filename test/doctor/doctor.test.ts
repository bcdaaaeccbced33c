/**
 * `ir doctor` against the strict world (every call authorised as AWS would, IAM's policy simulator
 * answered by the layer's evaluator, a simulated SSM agent on every instance). One baseline-like account
 * for the whole file; each case that breaks something puts it back. Every run goes through a recorder
 * on the wire: doctor only describes, gets, lists and simulates, and the account is unchanged.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  CreateSubnetCommand,
  CreateVpcCommand,
  DescribeSecurityGroupsCommand,
  RunInstancesCommand,
} from "@aws-sdk/client-ec2";
import { DeleteRolePolicyCommand, PutRolePolicyCommand } from "@aws-sdk/client-iam";
import {
  DisableKeyCommand,
  DisableKeyRotationCommand,
  EnableKeyCommand,
  EnableKeyRotationCommand,
} from "@aws-sdk/client-kms";
import { expect } from "chai";
import { renderReport } from "../../automation/doctor/render";
import type { DoctorReport } from "../../automation/doctor/types";
import { RESPONDER_ACTIONS, RESPONDER_ROLE_NAME } from "../../facts";
import { pointCliAt, runCli } from "../helpers/cli";
import { describeAccount } from "../helpers/responder";
import { baselineLikeAccount, type DoctorAccount } from "./account";
import { startWireRecorder, type WireRecorder } from "./wire-recorder";

type Doc = DoctorReport & { exitCode: number; error?: string };

describe("ir doctor (strict world, one baseline-like account)", function () {
  this.timeout(240_000);
  let a: DoctorAccount;
  let wire: WireRecorder;
  let restore: () => void;
  let before0: unknown;
  /** The VPC test 6 adds (as the administrator): left out of the before/after comparison. */
  let addedVpc = "";
  const doctor = (...args: string[]) => runCli<Doc>(["doctor", ...args]);
  const find = (d: Doc, area: string, item: string) =>
    d.checks.find((c) => c.area === area && c.item.startsWith(item));

  before(async () => {
    a = await baselineLikeAccount();
    wire = await startWireRecorder(a.endpoint);
    // The CLI runs as the account's administrator, as an engineer would run it (not as the responder).
    restore = pointCliAt({ endpoint: wire.endpoint, stateDir: a.stateDir });
    before0 = await describeAccount(a);
  });
  after(async () => {
    restore?.();
    await wire?.stop();
    a?.kms.destroy();
  });

  it("1. a baseline-like account is ready: every responder action allowed on what it will touch, per-instance verdicts, score", async () => {
    const r = await doctor("--json");
    expect(r.code, r.stdout).to.equal(0);
    const d = r.json;
    expect(d.ready).to.equal(true);
    expect(d.checks.filter((c) => c.status === "fail")).to.deep.equal([]);
    const denied = d.permissions.filter((p) => p.decision !== "allowed");
    expect(denied, JSON.stringify(denied.slice(0, 3))).to.deep.equal([]);
    // Every action of facts/responder-actions.ts was asked about.
    expect([...new Set(d.permissions.map((p) => p.action))].sort()).to.deep.equal(
      [...RESPONDER_ACTIONS].sort(),
    );
    // Probes on each instance's own resources, the instance's own ARN among them.
    expect(
      d.permissions.some(
        (p) => p.instanceId === a.world.solo && p.resource.endsWith(`instance/${a.world.solo}`),
      ),
    ).to.equal(true);
    expect(d.instances.map((i) => i.instanceId).sort()).to.deep.equal(a.instances);
    const byId = new Map(d.instances.map((i) => [i.instanceId, i]));
    expect(byId.get(a.xen)!.hypervisor).to.equal("xen");
    expect(byId.get(a.world.solo)).to.include({
      hypervisor: "nitro",
      ssm: "Online",
      containable: true,
      capturable: true,
      preservable: true,
    });
    const bare = byId.get(a.world.noProfile)!;
    expect(bare).to.include({ containable: true, capturable: false, preservable: true });
    expect(bare.why.capturable.join(" ")).to.contain("no instance profile");
    expect(d.score.containable).to.deep.equal({ count: 7, of: 7, percent: 100 });
    expect(d.score.capturable).to.deep.equal({ count: 6, of: 7, percent: 86 });
    expect(d.score.preservable).to.deep.equal({ count: 7, of: 7, percent: 100 });
    expect(find(d, "key", `${a.keyArn} rotation`)!.status).to.equal("ok");
    expect(find(d, "evidence bucket", `${a.bucket} Object Lock`)!.detail).to.equal(
      "default retention COMPLIANCE 365 days",
    );

    // The same report for a person (what the CLI prints without --json).
    const text = renderReport(d).join("\n");
    expect(text).to.contain(`responder role arn:aws:iam::123456789012:role/${RESPONDER_ROLE_NAME}: READY`);
    expect(text).to.match(new RegExp(`${a.xen} +vpc-\\w+ +t2\\.micro +xen +Online`));
    expect(text).to.contain(
      "score: containable 7/7 (100%), capturable 6/7 (86%), preservable 7/7 (100%); all three 6/7 (86%)",
    );
  });

  it("2. a denied containment call: every instance not containable, the call and the denying policy named, exit 11; rotation off is a warning", async () => {
    await a.kms.send(new DisableKeyRotationCommand({ KeyId: a.keyId }));
    const deny = {
      Version: "2012-10-17",
      Statement: [{ Effect: "Deny", Action: "ec2:ModifyNetworkInterfaceAttribute", Resource: "*" }],
    };
    await a.clients.iam.send(
      new PutRolePolicyCommand({
        RoleName: RESPONDER_ROLE_NAME,
        PolicyName: "no-isolation",
        PolicyDocument: JSON.stringify(deny),
      }),
    );
    try {
      const r = await doctor("--json");
      expect(r.code).to.equal(11);
      expect(r.json.ready).to.equal(false);
      expect(r.json.score.containable.count).to.equal(0);
      const row = find(r.json, "permissions", "contain")!;
      expect(row.status).to.equal("fail");
      expect(row.detail).to.contain(
        "ec2:ModifyNetworkInterfaceAttribute on arn:aws:ec2:us-east-1:123456789012:network-interface/",
      );
      expect(row.detail).to.contain("explicitDeny by no-isolation");
      expect(find(r.json, "permissions", "capture")!.status).to.equal("fail");
      expect(r.json.instances[0]!.why.containable.join(" ")).to.contain(
        "ec2:ModifyNetworkInterfaceAttribute",
      );
      // Rotation off weakens the key, it does not stop preservation.
      expect(find(r.json, "key", `${a.keyArn} rotation`)).to.include({ status: "warn" });
      expect(r.json.score.preservable.count).to.equal(7);
    } finally {
      await a.kms.send(new EnableKeyRotationCommand({ KeyId: a.keyId }));
      await a.clients.iam.send(
        new DeleteRolePolicyCommand({ RoleName: RESPONDER_ROLE_NAME, PolicyName: "no-isolation" }),
      );
    }
  });

  it("3. a disabled key: nothing preservable, exit 11", async () => {
    await a.kms.send(new DisableKeyCommand({ KeyId: a.keyId }));
    try {
      const r = await doctor("--json");
      expect(r.code).to.equal(11);
      expect(find(r.json, "key", a.keyArn)).to.include({ status: "fail" });
      expect(find(r.json, "key", a.keyArn)!.detail).to.contain("Disabled");
      expect(r.json.score.preservable.count).to.equal(0);
      expect(r.json.score.containable.count).to.equal(7);
    } finally {
      await a.kms.send(new EnableKeyCommand({ KeyId: a.keyId }));
    }
  });

  it("4. bad input exits 2 with what, the bad value and what to do: unknown Region, no credentials, no baseline", async () => {
    const region = await doctor("--region", "us-east-9");
    expect(region.code).to.equal(2);
    expect(region.stderr).to.contain('region "us-east-9" is not a region of this partition');
    expect(region.stderr).to.contain("pass --region");

    const missing = await doctor(
      "--json",
      "--responder-role",
      "ir-nobody",
      "--evidence-bucket",
      "ir-no-bucket",
      "--journal-table",
      "ir-no-table",
    );
    expect(missing.code).to.equal(2);
    expect(missing.json.error).to.match(
      /^no baseline in account 123456789012, us-east-1: the responder role "ir-nobody", the evidence bucket "ir-no-bucket" and the journal table "ir-no-table" were not found: deploy the baseline/,
    );

    const saved = { ...process.env };
    try {
      for (const k of ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"])
        delete process.env[k];
      Object.assign(process.env, {
        AWS_PROFILE: "ir-doctor-no-such-profile",
        AWS_CONFIG_FILE: "/nonexistent/ir-doctor/config",
        AWS_SHARED_CREDENTIALS_FILE: "/nonexistent/ir-doctor/credentials",
        AWS_EC2_METADATA_DISABLED: "true",
      });
      const none = await doctor();
      expect(none.code).to.equal(2);
      expect(none.stderr).to.match(
        /^ir: no AWS credentials were found \(.+\): set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/,
      );
    } finally {
      for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
      Object.assign(process.env, saved);
    }
  });

  it("5. run by someone who may not simulate (the responder itself): says so, exit 11", async () => {
    const back = pointCliAt({
      endpoint: wire.endpoint,
      stateDir: a.stateDir,
      responderCredentials: a.responderCredentials,
    });
    try {
      const r = await doctor("--json");
      expect(r.code).to.equal(11);
      const row = find(r.json, "permissions", "simulator")!;
      expect(row.status).to.equal("fail");
      expect(row.detail).to.contain("may not simulate the responder's policies");
      expect(row.fix).to.contain("iam:SimulatePrincipalPolicy");
    } finally {
      back();
    }
  });

  it("6. a VPC with an instance and no isolation groups: that instance is not containable, and doctor creates nothing", async () => {
    const vpcId = (await a.clients.ec2.send(new CreateVpcCommand({ CidrBlock: "10.9.0.0/16" }))).Vpc!.VpcId!;
    addedVpc = vpcId;
    const subnet = (
      await a.clients.ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: "10.9.0.0/24" }))
    ).Subnet!.SubnetId!;
    const id = (
      await a.clients.ec2.send(
        new RunInstancesCommand({
          ImageId: a.world.imageId,
          InstanceType: "t3.micro",
          MinCount: 1,
          MaxCount: 1,
          SubnetId: subnet,
        }),
      )
    ).Instances![0]!.InstanceId!;
    const r = await doctor("--json");
    expect(r.code).to.equal(11);
    expect(find(r.json, "isolation groups", vpcId)).to.include({ status: "fail" });
    const mine = r.json.instances.find((i) => i.instanceId === id)!;
    expect(mine.containable).to.equal(false);
    expect(mine.why.containable.join(" ")).to.contain(
      `isolation groups of ${vpcId}: the untrack group does not exist`,
    );
    expect(r.json.score.containable).to.deep.include({ count: 7, of: 8 });
    const groups = await a.clients.ec2.send(
      new DescribeSecurityGroupsCommand({ Filters: [{ Name: "vpc-id", Values: [vpcId] }] }),
    );
    expect((groups.SecurityGroups ?? []).map((g) => g.GroupName)).to.deep.equal(["default"]);
  });

  it("7. read-only, on the wire: every call of every run above was a Describe, Get, List or Simulate; the account is as it was", async () => {
    expect(wire.calls).to.include("iam:SimulatePrincipalPolicy");
    // docs/doctor.md lists every call doctor makes (what its caller needs).
    const doc = readFileSync(join(__dirname, "..", "..", "docs", "doctor.md"), "utf8");
    expect([...new Set(wire.calls)].filter((c) => !doc.includes(`\`${c}\``))).to.deep.equal([]);
    const writes = wire.calls.filter((c) => !/^[\w-]+:(Describe|Get|List|Simulate)\w*$/.test(c));
    expect(writes).to.deep.equal([]);
    // Test 6 added a VPC with an instance itself (as the administrator, not through the recorder).
    type Described = Record<string, { SecurityGroups?: { VpcId?: string }[] }>;
    const now = (await describeAccount(a)) as Described;
    const then = before0 as Described;
    const groups = (d: Described) => d.groups!.SecurityGroups!.filter((g) => g.VpcId !== addedVpc);
    expect(groups(now)).to.deep.equal(groups(then));
    for (const k of [
      "snapshots",
      "assocs",
      "addresses",
      "asg",
      "asgInstances",
      "tg",
      "ipTg",
      "profiles",
      "policies",
      "objects",
      "journal",
      "local",
    ])
      expect(now[k], k).to.deep.equal(then[k]);
  });
});
