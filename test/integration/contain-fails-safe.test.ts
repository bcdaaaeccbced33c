/**
 * Containment fails safe (through the strict layer, as the responder role): a Xen instance type (EC2
 * refuses minimum connection tracking), an ECS-like instance with a requester-managed ENI, and a final
 * refusal injected into each containment step in turn. Whatever fails, no ENI is left in the all-open
 * untrack group when `respond` returns, and the case says what failed.
 */
import {
  DescribeAutoScalingGroupsCommand,
  DescribeAutoScalingInstancesCommand,
  PutLifecycleHookCommand,
  UpdateAutoScalingGroupCommand,
} from "@aws-sdk/client-auto-scaling";
import {
  type _InstanceType,
  DescribeNetworkInterfacesCommand,
  DescribeSecurityGroupsCommand,
  RunInstancesCommand,
} from "@aws-sdk/client-ec2";
import { expect } from "chai";
import { AwsClients } from "../../automation/aws/clients";
import { recordsOf } from "../../automation/case/records";
import { heartbeats } from "../../automation/emulator/strict/rules/asg-lifecycle-heartbeat";
import { setLifecycleState } from "../../automation/emulator/strict/rules/asg-lifecycle-state";
import { markRequesterManaged } from "../../automation/emulator/strict/rules/ec2-requester-managed-eni";
import { openJournals } from "../../automation/journal/open";
import { type CaseResult, respond } from "../../automation/respond/respond";
import type { RevokeRecord } from "../../automation/steps/revoke";
import { isolationGroupNames } from "../../facts/names";
import { type FaultProxy, startFaultProxy } from "../helpers/fault-proxy";
import { strictLayer, TEST_ACCOUNT, TEST_REGION } from "../helpers/moto";
import { type Account, setupAccount } from "../helpers/responder";

describe("containment fails safe (integration, strict)", function () {
  this.timeout(120_000);
  let a: Account;
  let untrack: string;
  let isolation: string;
  const proxies: FaultProxy[] = [];
  const made: AwsClients[] = [];

  before(async () => {
    a = await setupAccount({ groups: true });
    const names = isolationGroupNames(a.world.vpcId);
    const res = await a.clients.ec2.send(
      new DescribeSecurityGroupsCommand({
        Filters: [{ Name: "group-name", Values: [names.untrack, names.isolation] }],
      }),
    );
    untrack = res.SecurityGroups!.find((g) => g.GroupName === names.untrack)!.GroupId!;
    isolation = res.SecurityGroups!.find((g) => g.GroupName === names.isolation)!.GroupId!;
  });
  after(async () => {
    for (const c of made) c.destroy();
    await Promise.all(proxies.map((p) => p.stop()));
  });

  /** A fresh web instance: its profile, `enis` ENIs in the web group. */
  async function launch(type = "t3.micro", enis = 1): Promise<{ id: string; enis: string[] }> {
    const i = (
      await a.clients.ec2.send(
        new RunInstancesCommand({
          ImageId: a.world.imageId,
          InstanceType: type as _InstanceType,
          MinCount: 1,
          MaxCount: 1,
          IamInstanceProfile: { Arn: a.world.profileArn },
          NetworkInterfaces: Array.from({ length: enis }, (_, d) => ({
            DeviceIndex: d,
            SubnetId: a.world.subnets[0],
            Groups: [a.world.webGroup],
          })),
        }),
      )
    ).Instances![0]!;
    const ids = (i.NetworkInterfaces ?? [])
      .sort((x, y) => (x.Attachment?.DeviceIndex ?? 0) - (y.Attachment?.DeviceIndex ?? 0))
      .map((n) => n.NetworkInterfaceId!);
    return { id: i.InstanceId!, enis: ids };
  }

  async function groupsOf(enis: string[]): Promise<Map<string, string[]>> {
    const res = await a.clients.ec2.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: enis }));
    return new Map(
      (res.NetworkInterfaces ?? []).map((n) => [n.NetworkInterfaceId!, n.Groups!.map((g) => g.GroupId!)]),
    );
  }

  /** The responder through a proxy that refuses, for good, every call `refuse` picks. */
  async function containRefusing(
    instanceId: string,
    refuse?: (call: { operation: string; body: string }) => boolean,
  ): Promise<CaseResult> {
    let clients = a.responder;
    if (refuse) {
      const proxy = await startFaultProxy({ upstream: a.endpoint, rate: 0, refuse });
      proxies.push(proxy);
      clients = new AwsClients({
        endpoint: proxy.endpoint,
        region: TEST_REGION,
        credentials: a.responderCredentials,
        retry: { maxAttempts: 1 },
      });
      made.push(clients);
    }
    const [r] = await respond({
      targets: [{ instanceId, source: { kind: "argument" } }],
      settings: a.settings,
      clients,
      options: { dwellMs: 50, memory: false },
    });
    return r!;
  }

  const step = (r: CaseResult, id: string) => r.steps.find((s) => s.id === id)!;

  it("the revoke/swap window: the cut-off is set again after the deny-all profile held", async () => {
    const { id } = await launch();
    const r = await containRefusing(id);
    expect(r.status).to.equal("contained");
    const { entries } = (await openJournals(a.clients, a.settings).dynamo.readCase(r.caseId!))!;
    const records = recordsOf(entries);
    const revoke = records.get("revoke-credentials") as unknown as RevokeRecord;
    const swapRan = entries.find((e) => e.stepId === "swap-profile" && e.event === "ran")!;
    expect(revoke.afterSwap).to.equal("verified");
    // Credentials IMDS issued for the role up to the swap are older than the cut-off: all denied.
    expect(Date.parse(revoke.issuedBefore)).to.be.at.least(Math.floor(Date.parse(swapRan.at) / 1000) * 1000);
    expect(step(r, "revoke-credentials").detail).to.match(/after the deny-all profile held.*propagating/);
  });

  it("a Xen instance (t2): tracking is skipped with the reason, and every ENI is isolated", async () => {
    const { id, enis } = await launch("t2.micro");
    const r = await containRefusing(id);
    expect(r.status, JSON.stringify(r.steps.filter((s) => s.status !== "verified"))).to.equal("contained");
    expect(step(r, "untrack").detail).to.match(/not built on Nitro/);
    for (const [, gs] of await groupsOf(enis)) expect(gs).to.deep.equal([isolation]);
  });

  it("an ECS-like instance: the requester-managed task ENI is reported and left alone, the rest isolated", async () => {
    const { id, enis } = await launch("t3.micro", 2);
    markRequesterManaged((await strictLayer()).ctx, TEST_ACCOUNT, enis[1]!, "amazon-ecs");
    const r = await containRefusing(id);
    expect(r.status, JSON.stringify(r.steps.filter((s) => s.status !== "verified"))).to.equal("contained");
    const now = await groupsOf(enis);
    expect(now.get(enis[0]!)).to.deep.equal([isolation]);
    expect(now.get(enis[1]!)).to.deep.equal([a.world.webGroup]);
    expect(step(r, "isolate").detail).to.include(`${enis[1]} is requester-managed by amazon-ecs`);
  });

  // One final refusal per containment step (and the snapshot), each on a fresh instance.
  const groupIs = (body: string, group: () => string) =>
    new RegExp(`(SecurityGroupId|Groups)\\.1(\\.GroupId)?=${group()}(&|$)`).test(body);
  const CASES: { step: string; refuse: (c: { operation: string; body: string }) => boolean }[] = [
    { step: "snapshot", refuse: (c) => c.operation === "CreateSnapshots" },
    {
      step: "deny-all-profile",
      refuse: (c) => c.operation === "GetInstanceProfile" && /deny-all/i.test(c.body),
    },
    {
      step: "untrack",
      refuse: (c) => c.operation === "ModifyNetworkInterfaceAttribute" && groupIs(c.body, () => untrack),
    },
    // The responder's one way to a role's policies: the role writer (lambda Invoke).
    { step: "revoke-credentials", refuse: (c) => c.operation === "Invoke" },
    { step: "swap-profile", refuse: (c) => /IamInstanceProfileAssociation$/.test(c.operation) },
    { step: "protect", refuse: (c) => c.operation === "ModifyInstanceAttribute" },
    {
      step: "isolate",
      refuse: (c) => c.operation === "ModifyNetworkInterfaceAttribute" && groupIs(c.body, () => isolation),
    },
  ];
  for (const c of CASES) {
    it(`a final refusal in ${c.step}: the step fails, no ENI is left in the untrack group`, async () => {
      const { id, enis } = await launch("t3.micro", 2);
      const r = await containRefusing(id, c.refuse);
      expect(step(r, c.step).status, JSON.stringify(step(r, c.step))).to.be.oneOf(["failed", "blocked"]);
      expect(r.status).to.not.equal("contained");
      const now = await groupsOf(enis);
      for (const [eni, gs] of now) expect(gs, `${eni} after a refusal in ${c.step}`).to.not.include(untrack);
      if (c.step === "isolate") {
        for (const [, gs] of now) expect(gs).to.deep.equal([a.world.webGroup]);
        expect(step(r, "isolate").detail).to.match(
          /isolation incomplete.*moved back to their original groups/,
        );
      } else {
        for (const [, gs] of now) expect(gs).to.deep.equal([isolation]);
      }
    });
  }

  it("untrack fails after moving one ENI of two: isolation still runs for both", async () => {
    const { id, enis } = await launch("t3.micro", 2);
    const second = enis[1]!;
    const r = await containRefusing(
      id,
      (c) =>
        c.operation === "ModifyNetworkInterfaceAttribute" &&
        c.body.includes(`NetworkInterfaceId=${second}`) &&
        groupIs(c.body, () => untrack),
    );
    expect(step(r, "untrack").status).to.equal("failed");
    expect(step(r, "isolate").status).to.equal("verified");
    for (const [, gs] of await groupsOf(enis)) expect(gs).to.deep.equal([isolation]);
  });

  /** ENIs of instances, by instance. */
  async function enisOf(ids: string[]): Promise<string[]> {
    const res = await a.clients.ec2.send(
      new DescribeNetworkInterfacesCommand({ Filters: [{ Name: "attachment.instance-id", Values: ids }] }),
    );
    return (res.NetworkInterfaces ?? []).map((n) => n.NetworkInterfaceId!);
  }

  it("instances in Pending:Wait and in a warm pool: left in the group with the reason, isolated anyway", async () => {
    const [pending, warm] = a.world.asgInstances;
    const layer = await strictLayer();
    await a.clients.autoscaling.send(
      new PutLifecycleHookCommand({
        AutoScalingGroupName: a.world.asgName,
        LifecycleHookName: "warm-up",
        LifecycleTransition: "autoscaling:EC2_INSTANCE_LAUNCHING",
        HeartbeatTimeout: 600,
      }),
    );
    setLifecycleState(layer.ctx, TEST_ACCOUNT, pending!, "Pending:Wait");
    setLifecycleState(layer.ctx, TEST_ACCOUNT, warm!, "Warmed:Running");
    try {
      const results = await respond({
        targets: [pending!, warm!].map((instanceId) => ({
          instanceId,
          source: { kind: "argument" as const },
        })),
        settings: a.settings,
        clients: a.responder,
        options: { dwellMs: 50, memory: false },
      });
      for (const r of results) {
        expect(r.status, JSON.stringify(r.steps.filter((s) => s.status !== "verified"))).to.equal(
          "contained",
        );
      }
      expect(step(results[0]!, "asg-out-of-service").detail).to.match(/Pending:Wait.*before InService/);
      // The launch hook that holds it got a heartbeat: it stays out of service while contained.
      expect(heartbeats(layer.ctx).map((h) => [h.hook, h.instanceId])).to.deep.include(["warm-up", pending]);
      expect(step(results[1]!, "asg-out-of-service").detail).to.match(/warm pool/);
      for (const [, gs] of await groupsOf(await enisOf([pending!, warm!])))
        expect(gs).to.deep.equal([isolation]);
    } finally {
      setLifecycleState(layer.ctx, TEST_ACCOUNT, pending!, undefined);
      setLifecycleState(layer.ctx, TEST_ACCOUNT, warm!, undefined);
    }
  });

  it("five members of one Auto Scaling group contained at once: one writer detaches them all, without contention", async () => {
    await a.clients.autoscaling.send(
      new UpdateAutoScalingGroupCommand({
        AutoScalingGroupName: a.world.asgName,
        MaxSize: 10,
        DesiredCapacity: 8,
      }),
    );
    const group = await a.clients.autoscaling.send(
      new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [a.world.asgName] }),
    );
    const members = (group.AutoScalingGroups![0]!.Instances ?? [])
      // Members no earlier test contained (this one is about five fresh cases at once).
      .filter((i) => i.LifecycleState === "InService" && !a.world.asgInstances.includes(i.InstanceId!))
      .map((i) => i.InstanceId!)
      .slice(0, 5);
    expect(members).to.have.length(5);
    const layer = await strictLayer();
    const contentionBefore = layer.refusals().filter((r) => r.code === "ResourceContention").length;
    const results = await respond({
      targets: members.map((instanceId) => ({ instanceId, source: { kind: "argument" as const } })),
      settings: a.settings,
      clients: a.responder,
      options: { dwellMs: 50, memory: false },
    });
    for (const r of results) {
      expect(
        r.status,
        `${r.instanceId}: ${r.error} ${(r.error as unknown as { stack?: string })?.toString()}` +
          JSON.stringify(r.steps.filter((s) => s.status !== "verified")),
      ).to.equal("contained");
    }
    const left = await a.clients.autoscaling.send(
      new DescribeAutoScalingInstancesCommand({ InstanceIds: members }),
    );
    expect((left.AutoScalingInstances ?? []).map((i) => i.LifecycleState)).to.deep.equal([]);
    // One writer for the group: the five leave in one call, and nothing of ours contends with itself.
    const contention =
      layer.refusals().filter((r) => r.code === "ResourceContention").length - contentionBefore;
    expect(contention).to.equal(0);
  });
});
