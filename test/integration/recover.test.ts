/**
 * `recover` against moto: the known-good AMI before the compromise, the launch-template rebuild of the
 * ASG, the health gate, the evidence gate and the termination; the Pulumi path with a fake stack.
 */
import { DescribeAutoScalingGroupsCommand, SetInstanceProtectionCommand } from "@aws-sdk/client-auto-scaling";
import {
  DescribeInstancesCommand,
  DescribeLaunchTemplateVersionsCommand,
  DescribeVolumesCommand,
} from "@aws-sdk/client-ec2";
import { RegisterTargetsCommand } from "@aws-sdk/client-elastic-load-balancing-v2";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { ConcurrentUpdateError } from "@pulumi/pulumi/automation";
import { expect } from "chai";
import { AwsClients, MemoryRecorder } from "../../automation/aws/clients";
import { setImageDeprecation } from "../../automation/emulator/strict/rules/ec2-deprecated-ami-hidden";
import { versionClientToken } from "../../automation/recover/asg-rebuild";
import { type RecoverRequest, recover } from "../../automation/recover/recover";
import type { CaseResult } from "../../automation/respond/respond";
import { evidenceBucketName } from "../../facts/names";
import { RESPONDER_ACTIONS } from "../../facts/responder-actions";
import { pointCliAt, runCli } from "../helpers/cli";
import { strictLayer, TEST_ACCOUNT, TEST_CREDENTIALS, TEST_REGION } from "../helpers/moto";
import { type Account, describeAccount, setupAccount } from "../helpers/responder";
import {
  containTagged,
  otherAmis,
  PARAMETER,
  publish,
  pulumiProject,
  ReplacingStacks,
} from "../recover/fixtures";

const stateOf = async (a: Account, id: string) =>
  (await a.clients.ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }))).Reservations![0]!
    .Instances![0]!.State!.Name;

const statuses = (steps: { id: string; status: string }[]) =>
  Object.fromEntries(steps.map((s) => [s.id, s.status]));

describe("ir recover --via asg against moto (integration)", function () {
  this.timeout(120_000);
  let a: Account;
  let c: CaseResult;
  let good: string;
  let later: string;
  let split: string;
  /** What Auto Scaling launched, from the old template, when containment detached without decrement. */
  let replacement: string;
  let deprecatedAt: number;
  const versionRequests: { ClientToken?: string; LaunchTemplateId?: string }[] = [];
  const recorder = new MemoryRecorder();
  let clients: AwsClients;
  const req = (extra: Partial<RecoverRequest>): RecoverRequest => ({
    caseId: c.caseId!,
    settings: a.settings,
    clients,
    via: "asg",
    before: split,
    healthTimeoutMs: 10_000,
    healthIntervalMs: 200,
    ...extra,
  });
  const members = async () =>
    (
      await a.clients.autoscaling.send(
        new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [a.world.asgName] }),
      )
    ).AutoScalingGroups![0]!;
  const imageOf = async (id: string) =>
    (await a.clients.ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }))).Reservations![0]!
      .Instances![0]!.ImageId;

  before(async () => {
    a = await setupAccount();
    [good, later] = await otherAmis(a);
    split = await publish(a, [a.world.imageId, good], [later]);
    // The known-good image was deprecated since (a newer golden image shipped): DescribeImages lists it
    // only with IncludeDeprecated.
    const layer = await strictLayer();
    deprecatedAt = Math.floor(layer.ctx.now() / 60_000) * 60_000 - 60_000;
    setImageDeprecation(layer.ctx, TEST_REGION, good, deprecatedAt);
    c = await containTagged(a, a.world.asgInstances[0]!);
    clients = new AwsClients({
      endpoint: a.endpoint,
      region: TEST_REGION,
      credentials: TEST_CREDENTIALS,
      retry: { maxAttempts: 1 },
      recorder,
    });
    clients.ec2.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === "CreateLaunchTemplateVersionCommand")
          versionRequests.push(args.input as (typeof versionRequests)[number]);
        return next(args);
      },
      { step: "initialize" },
    );
    // Detached without decrement: the group launched a replacement at once, from the old template.
    const now = (await members()).Instances!.map((i) => i.InstanceId!);
    [replacement] = now.filter((id) => !a.world.asgInstances.includes(id));
    expect(await imageOf(replacement!)).to.equal(a.world.imageId);
  });

  it("plans without changing anything: the AMI it would pin (deprecated, still a candidate) and every change", async () => {
    const before = await describeAccount(a);
    const r = await recover(req({ dryRun: true }));
    expect(r.status, r.error).to.equal("planned");
    expect(r.ami).to.include({ imageId: good, parameter: PARAMETER, version: 2 });
    expect(r.ami?.deprecatedAt).to.equal(new Date(deprecatedAt).toISOString());
    const actions = r.steps.flatMap((s) => (s.changes ?? []).map((x) => x.action));
    expect(actions).to.include.members([
      "ec2:CreateLaunchTemplateVersion",
      "autoscaling:UpdateAutoScalingGroup",
      "autoscaling:StartInstanceRefresh",
      "ec2:TerminateInstances",
    ]);
    expect(await describeAccount(a)).to.deep.equal(before);
  });

  it("the gate counts only targets on the known-good AMI: the replacement the refresh could not take (protected) fails it, nothing is terminated", async () => {
    await a.clients.autoscaling.send(
      new SetInstanceProtectionCommand({
        AutoScalingGroupName: a.world.asgName,
        InstanceIds: [replacement],
        ProtectedFromScaleIn: true,
      }),
    );
    const r = await recover(req({ terminate: "yes", healthTimeoutMs: 1_500 }));
    expect(r.status).to.equal("unhealthy");
    expect(statuses(r.steps)).to.deep.equal({
      "recover-select-ami": "verified",
      "recover-rebuild": "verified",
      "recover-replace": "unverified",
      "recover-health": "failed",
      "recover-verify-evidence": "verified",
      terminate: "blocked",
    });
    // Healthy, but on the old image: capacity, not known-good capacity; named with why it is still there.
    expect(r.error).to.match(
      /^known-good capacity did not become healthy within 2 s: targetgroup\/web-tg\/\S+ 2\/3 healthy on the selected AMI/,
    );
    expect(r.error).to.include(
      `${replacement} healthy on ${a.world.imageId}, not ${good}: protected from scale in (the refresh ignores protected instances`,
    );
    expect(r.error).to.include("the compromised instance was not terminated");
    expect(r.steps.find((s) => s.id === "recover-replace")?.detail).to.include(
      `${replacement} on ${a.world.imageId}: protected from scale in`,
    );
    expect(r.terminated).to.equal(false);
    expect(await stateOf(a, a.world.asgInstances[0]!)).to.equal("running");
    // The version carries the client token derived from the case, the template and the AMI.
    expect(versionRequests).to.have.length(1);
    expect(versionRequests[0]!.ClientToken).to.equal(
      versionClientToken(c.caseId!, versionRequests[0]!.LaunchTemplateId!, good),
    );
  });

  it("run again once the protection is lifted: the replacement is refreshed away, only known-good instances count", async () => {
    await a.clients.autoscaling.send(
      new SetInstanceProtectionCommand({
        AutoScalingGroupName: a.world.asgName,
        InstanceIds: [replacement],
        ProtectedFromScaleIn: false,
      }),
    );
    const r = await recover(req({ terminate: "no" }));
    expect(r.status, r.error).to.equal("recovered");
    expect(statuses(r.steps)).to.deep.equal({
      "recover-select-ami": "verified",
      "recover-rebuild": "verified",
      "recover-replace": "verified",
      "recover-health": "verified",
      "recover-verify-evidence": "verified",
      terminate: "skipped",
    });
    expect(["shutting-down", "terminated"]).to.include(await stateOf(a, replacement));
    const group = await members();
    expect(group.LaunchTemplate?.Version).to.equal("2");
    const v = (
      await a.clients.ec2.send(
        new DescribeLaunchTemplateVersionsCommand({
          LaunchTemplateId: group.LaunchTemplate!.LaunchTemplateId,
          Versions: ["2"],
        }),
      )
    ).LaunchTemplateVersions![0]!;
    // The AMI is replaced; the rest of the template is copied (moto does not inherit SourceVersion).
    expect(v.LaunchTemplateData?.ImageId).to.equal(good);
    expect(v.LaunchTemplateData?.InstanceType).to.equal("t3.micro");
    expect(v.LaunchTemplateData?.IamInstanceProfile?.Arn).to.equal(a.world.profileArn);
    const inService = group.Instances!.filter((i) => i.LifecycleState === "InService");
    expect(inService).to.have.length(3);
    for (const i of inService) expect(await imageOf(i.InstanceId!), i.InstanceId).to.equal(good);
    // Desired capacity 3, measured before the rebuild, all on the known-good AMI; the solo instance
    // outside the group runs the old image and neither counts nor is expected.
    expect(r.health?.map(({ notCounted: _, ...h }) => h)).to.deep.equal([
      { targetGroupArn: a.world.targetGroupArn, expected: 3, healthy: 3 },
    ]);
    // Named, not counted: the solo instance outside the group (old image).
    expect(r.health?.[0]?.notCounted).to.include(
      `${a.world.solo} healthy on ${a.world.imageId}, not ${good}`,
    );
    expect(r.notes.join("\n")).to.include(
      `members not on ${good} when recovery began: ${replacement} on ${a.world.imageId}`,
    );
    expect(await stateOf(a, a.world.asgInstances[0]!)).to.equal("running");
  });

  it("terminates on a later run with terminate=yes: the evidence re-verified, protection lifted, volumes kept", async () => {
    const volumes = (
      await a.clients.ec2.send(
        new DescribeVolumesCommand({
          Filters: [{ Name: "attachment.instance-id", Values: [a.world.asgInstances[0]!] }],
        }),
      )
    ).Volumes!.map((x) => x.VolumeId!);
    const r = await recover(req({ terminate: "yes" }));
    expect(r.status, r.error).to.equal("recovered");
    expect(r.terminated).to.equal(true);
    expect(r.steps.find((s) => s.id === "recover-rebuild")?.resumed).to.equal(true);
    expect(["shutting-down", "terminated"]).to.include(await stateOf(a, a.world.asgInstances[0]!));
    const left = await a.clients.ec2.send(new DescribeVolumesCommand({ VolumeIds: volumes }));
    expect(left.Volumes?.length).to.equal(volumes.length);
  });

  it("calls only actions listed in RESPONDER_ACTIONS", () => {
    const unlisted = recorder.actions().filter((x) => !RESPONDER_ACTIONS.includes(x));
    expect(unlisted).to.deep.equal([]);
    expect(recorder.actions()).to.include.members([
      "ec2:CreateLaunchTemplateVersion",
      "autoscaling:UpdateAutoScalingGroup",
      "autoscaling:StartInstanceRefresh",
      "autoscaling:DescribeInstanceRefreshes",
      "ec2:TerminateInstances",
      "ssm:GetParameterHistory",
      "s3:GetObjectVersion",
      "s3:ListBucketVersions",
    ]);
  });
});

describe("ir recover --via pulumi (fake stack) against moto (integration)", function () {
  this.timeout(120_000);
  let a: Account;
  let solo: CaseResult;
  let good: string;
  let split: string;
  const pulumi = (stacks: ReplacingStacks | { select(): Promise<never> }) => ({
    workDir: pulumiProject(),
    stackName: "prod",
    amiConfigKey: "web:amiId",
    stacks: stacks as ReplacingStacks,
  });

  before(async () => {
    a = await setupAccount();
    [good] = await otherAmis(a);
    split = await publish(a, [good], []);
    solo = await containTagged(a, a.world.solo);
  });

  it("refuses a preview that changes the contained instance's security groups and profile: no update, nothing terminated", async () => {
    const instanceUrn = "urn:pulumi:prod::web::aws:ec2/instance:Instance::web-solo";
    // The program still declares the instance's original groups and profile; containment changed them.
    const stacks = new ReplacingStacks(
      a,
      [],
      [
        {
          urn: instanceUrn,
          type: "aws:ec2/instance:Instance",
          op: "update",
          changed: ["vpcSecurityGroupIds", "iamInstanceProfile"],
          unknown: [],
          id: a.world.solo,
          inputs: { vpcSecurityGroupIds: [a.world.webGroup, "sg-0new"], iamInstanceProfile: "web-profile" },
          old: { vpcSecurityGroupIds: [a.world.webGroup], iamInstanceProfile: "web-profile" },
        },
      ],
    );
    const r = await recover({
      caseId: solo.caseId!,
      settings: a.settings,
      clients: a.responder,
      via: "pulumi",
      before: split,
      pulumi: pulumi(stacks),
      // Short: were the preview applied, the gate would time out rather than hang the test.
      healthTimeoutMs: 1_000,
      healthIntervalMs: 200,
      terminate: "yes",
    });
    expect(r.status).to.equal("incomplete");
    expect(r.error).to.include(
      `${instanceUrn} (update of vpcSecurityGroupIds, iamInstanceProfile): changes the contained instance ${a.world.solo}'s security groups, instance profile: applying it undoes containment`,
    );
    expect(r.error).to.match(
      /nothing was deployed.*What to do: make the program declare what containment set/,
    );
    expect(stacks.calls).to.deep.equal(["select prod", `config web:amiId=${good}`, "preview"]);
    expect(statuses(r.steps)).to.include({ "recover-rebuild": "failed", terminate: "blocked" });
    expect(await stateOf(a, a.world.solo)).to.equal("running");
  });

  it("health gate: times out when the rebuild brings no known-good capacity back; nothing terminated", async () => {
    const stacks = new ReplacingStacks(a, []);
    const started = Date.now();
    const r = await recover({
      caseId: solo.caseId!,
      settings: a.settings,
      clients: a.responder,
      via: "pulumi",
      before: split,
      pulumi: pulumi(stacks),
      healthTimeoutMs: 1_500,
      healthIntervalMs: 200,
      terminate: "yes",
    });
    expect(Date.now() - started).to.be.lessThan(15_000);
    expect(r.status).to.equal("unhealthy");
    // The solo instance's groups: its own target in each to replace; the others run the old image, so
    // they neither count nor are expected.
    expect(r.error).to.match(
      /did not become healthy within 2 s: targetgroup\/web-ip-tg\/\S+ 0\/1 healthy on the selected AMI, targetgroup\/web-tg\/\S+ 0\/1 healthy on the selected AMI \(not counted: i-\w+ healthy on ami-\w+, not ami-\w+/,
    );
    expect(r.health?.map(({ notCounted: _, ...h }) => h)).to.deep.equal([
      { targetGroupArn: a.world.ipTargetGroupArn, expected: 1, healthy: 0 },
      { targetGroupArn: a.world.targetGroupArn, expected: 1, healthy: 0 },
    ]);
    expect(stacks.calls).to.deep.equal([
      "select prod",
      `config web:amiId=${good}`,
      "preview",
      "up 1 target(s)",
    ]);
    expect(statuses(r.steps)).to.include({
      "recover-replace": "skipped",
      "recover-health": "failed",
      terminate: "blocked",
    });
    expect(r.terminated).to.equal(false);
    expect(await stateOf(a, a.world.solo)).to.equal("running");
    // Register the replacement the fake launched (on the known-good AMI), as if its health checks passed later.
    const ip = (await a.clients.ec2.send(new DescribeInstancesCommand({ InstanceIds: [stacks.launched!] })))
      .Reservations![0]!.Instances![0]!.PrivateIpAddress!;
    for (const [arn, target] of [
      [a.world.targetGroupArn, { Id: stacks.launched! }],
      [a.world.ipTargetGroupArn, { Id: ip, Port: 8080 }],
    ] as const)
      await a.clients.elbv2.send(new RegisterTargetsCommand({ TargetGroupArn: arn, Targets: [target] }));
  });

  it("refuses to terminate when an artefact was overwritten after the manifest was written", async () => {
    const bucket = evidenceBucketName(TEST_ACCOUNT, TEST_REGION);
    const key = `cases/${solo.caseId}/after/instance.json`;
    await a.clients.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: "{}" }));
    const r = await recover({
      caseId: solo.caseId!,
      settings: a.settings,
      clients: a.responder,
      via: "pulumi",
      before: split,
      pulumi: pulumi(new ReplacingStacks(a, [])),
      healthTimeoutMs: 2_000,
      healthIntervalMs: 200,
      terminate: "yes",
    });
    expect(r.status, r.error).to.equal("refused");
    // The evidence step verified in the earlier run (resumed); terminate re-verifies itself and refuses.
    const evidence = r.steps.find((s) => s.id === "recover-verify-evidence")!;
    expect(evidence).to.include({ status: "verified", resumed: true });
    const terminate = r.steps.find((s) => s.id === "terminate")!;
    expect(terminate.status).to.equal("failed");
    expect(terminate.detail).to.include(
      `refused: the evidence does not verify right before terminating: artefact-version: ${key} was overwritten`,
    );
    expect(r.terminated).to.equal(false);
    expect(await stateOf(a, a.world.solo)).to.equal("running");
  });

  it("maps a locked stack to a message with the unlock commands; nothing else happens", async () => {
    const c = await containTagged(a, a.world.noProfile);
    const locked = {
      select: async () => {
        throw new ConcurrentUpdateError({ stdout: "", stderr: "locked", code: 255 } as never);
      },
    };
    const r = await recover({
      caseId: c.caseId!,
      settings: a.settings,
      clients: a.responder,
      via: "pulumi",
      before: split,
      pulumi: pulumi(locked),
      terminate: "yes",
    });
    expect(r.status).to.equal("incomplete");
    expect(r.error).to.match(/is locked by another update: .*pulumi cancel --stack prod/);
    expect(statuses(r.steps)).to.include({ "recover-rebuild": "failed", terminate: "blocked" });
    expect(await stateOf(a, a.world.noProfile)).to.equal("running");
  });

  it("AMI selection: refuses the compromised instance's own AMI unless allowed (dry run, nothing changes)", async () => {
    const now = await publish(a, [a.world.imageId], []);
    const base = {
      before: now,
      caseId: solo.caseId!,
      settings: a.settings,
      clients: a.responder,
      via: "pulumi" as const,
      pulumi: pulumi(new ReplacingStacks(a, [])),
      dryRun: true,
    };
    const refused = await recover(base);
    expect(refused.status).to.equal("invalid");
    expect(refused.error).to.match(
      new RegExp(`${a.world.imageId} \\(version 2\\), is the compromised instance's own AMI.*--ami ${good}`),
    );
    const allowed = await recover({ ...base, allowAmi: true });
    expect(allowed.status, allowed.error).to.equal("planned");
    expect(allowed.ami).to.include({ imageId: a.world.imageId, version: 2 });
    const older = await recover({ ...base, ami: good });
    expect(older.ami).to.include({ imageId: good, version: 1 });
  });

  it("AMI selection: skips a newer version whose AMI no longer exists, and says so", async () => {
    const now = await publish(a, ["ami-0123456789abcdef0"], []);
    const r = await recover({
      caseId: solo.caseId!,
      settings: a.settings,
      clients: a.responder,
      via: "pulumi",
      pulumi: pulumi(new ReplacingStacks(a, [])),
      before: now,
      allowAmi: true,
      dryRun: true,
    });
    expect(r.status, r.error).to.equal("planned");
    expect(r.ami).to.include({ imageId: a.world.imageId, version: 2 });
    expect(r.notes).to.include("skipped versions whose AMI no longer exists: ami-0123456789abcdef0");
  });
});

const ir = (...args: string[]) => runCli<Record<string, unknown>>(args, {});

describe("ir recover on the command line against moto (integration)", function () {
  this.timeout(120_000);
  let a: Account;
  let c: CaseResult;
  let good: string;
  let split: string;
  let restoreEnv = () => undefined as void;

  before(async () => {
    a = await setupAccount();
    [good] = await otherAmis(a);
    split = await publish(a, [good], []);
    c = await containTagged(a, a.world.asgInstances[1]!);
    restoreEnv = pointCliAt(a);
  });
  after(() => {
    restoreEnv();
  });

  it("--help works on recover and verify", async () => {
    for (const cmd of ["recover", "verify"]) {
      const r = await ir(cmd, "--help");
      expect(r.code, cmd).to.equal(0);
      expect(r.stdout, cmd).to.match(/^Usage: ir /);
    }
  });

  it("bad input exits 2 with a message naming the value and the fix; nothing changes", async () => {
    const before = await describeAccount(a);
    const bad = await ir("recover", c.caseId!, "--via", "asg", "--before", "yesterday", "--yes", "--json");
    expect(bad.code).to.equal(2);
    expect(bad.json.error).to.match(
      /--before "yesterday" is not valid: expected an ISO-8601 time with a zone/,
    );
    const noWorkdir = await ir("recover", c.caseId!, "--via", "pulumi", "--yes", "--json");
    expect(noWorkdir.code).to.equal(2);
    expect(noWorkdir.json.error).to.match(/--via pulumi needs --workdir, --stack, --ami-config-key/);
    const timeout = await ir("recover", c.caseId!, "--via", "asg", "--health-timeout", "-3", "--yes");
    expect(timeout.code).to.equal(2);
    expect(timeout.stderr).to.match(
      /--health-timeout "-3" is not valid: expected a positive number of seconds/,
    );
    expect((await ir("recover", c.caseId!, "--via", "ssh", "--yes")).code).to.equal(2);
    expect(await describeAccount(a)).to.deep.equal(before);
  });

  it("without a terminal and without --yes: exit 6, nothing changes", async () => {
    const r = await ir("recover", c.caseId!, "--via", "asg", "--json");
    expect(r.code).to.equal(6);
    expect(r.json.error).to.match(/no terminal to confirm on: pass --yes/);
  });

  it("--dry-run --json: one JSON document with the AMI and the planned changes", async () => {
    const r = await ir("recover", c.caseId!, "--via", "asg", "--before", split, "--dry-run", "--json");
    expect(r.code, r.stdout).to.equal(0);
    expect(r.json).to.include({ command: "recover", status: "planned", exitCode: 0 });
    expect(r.json.ami).to.include({ imageId: good, version: 1 });
  });

  it("--yes --json: recovered and terminated (exit 0); ir verify still passes afterwards", async () => {
    const r = await ir(
      "recover",
      c.caseId!,
      "--via",
      "asg",
      "--before",
      split,
      "--yes",
      "--json",
      "--health-timeout",
      "20",
    );
    expect(r.code, r.stdout).to.equal(0);
    expect(r.json).to.include({ status: "recovered", terminated: true });
    const v = await ir("verify", c.caseId!, "--json");
    expect(v.code, v.stdout).to.equal(0);
  });
});
