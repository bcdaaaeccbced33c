/**
 * The instance refresh's paths the emulator never takes (its refresh completes at once): a refresh
 * already running is adopted only when it rolls out the same version, someone else's is refused; a
 * refresh that fails or outlasts the bound says so; the preferences never terminate a Standby member.
 * The Auto Scaling client is a stub answering by command name.
 */
import type { AutoScalingClient, InstanceRefresh } from "@aws-sdk/client-auto-scaling";
import { expect } from "chai";
import {
  leftBecause,
  type OldMember,
  REFRESH_PREFERENCES,
  type RefreshTarget,
  startRefresh,
  waitForRefresh,
} from "../../automation/recover/asg-refresh";

const T: RefreshTarget = {
  group: "web-asg",
  launchTemplateId: "lt-0123456789abcdef0",
  version: 7,
  mixed: false,
  amiId: "ami-0123456789abcdef0",
  instanceId: "i-0aaaaaaaaaaaaaaaa",
};

/** A stub client: each command name maps to an answer (an object, or an error to throw). */
function stub(answers: Record<string, (input: Record<string, unknown>) => unknown>) {
  const sent: { name: string; input: Record<string, unknown> }[] = [];
  const client = {
    send: async (cmd: { constructor: { name: string }; input: Record<string, unknown> }) => {
      const name = cmd.constructor.name.replace(/Command$/, "");
      sent.push({ name, input: cmd.input });
      const answer = answers[name]?.(cmd.input);
      if (answer instanceof Error) throw answer;
      return answer;
    },
  } as unknown as AutoScalingClient;
  return { client, sent };
}

const inProgress = () => Object.assign(new Error("in progress"), { name: "InstanceRefreshInProgressFault" });
const refresh = (r: Partial<InstanceRefresh>): InstanceRefresh => ({
  InstanceRefreshId: "r-1",
  AutoScalingGroupName: T.group,
  Status: "InProgress",
  ...r,
});

describe("instance refresh (asg-refresh)", () => {
  it("starts with the incident preferences and the pinned version as the desired configuration", async () => {
    const { client, sent } = stub({ StartInstanceRefresh: () => ({ InstanceRefreshId: "r-new" }) });
    expect(await startRefresh(client, T)).to.deep.equal({ id: "r-new", adopted: false });
    expect(sent[0]!.input).to.deep.equal({
      AutoScalingGroupName: "web-asg",
      Strategy: "Rolling",
      DesiredConfiguration: { LaunchTemplate: { LaunchTemplateId: T.launchTemplateId, Version: "7" } },
      Preferences: {
        MinHealthyPercentage: 100,
        MaxHealthyPercentage: 200,
        SkipMatching: true,
        StandbyInstances: "Ignore",
        ScaleInProtectedInstances: "Ignore",
        AutoRollback: false,
      },
    });
    expect(
      REFRESH_PREFERENCES.StandbyInstances,
      "a contained instance in Standby is never terminated",
    ).to.equal("Ignore");
  });

  it("adopts the refresh already running when it rolls out the same version (a run that stopped after starting it)", async () => {
    const mine = refresh({
      InstanceRefreshId: "r-mine",
      DesiredConfiguration: { LaunchTemplate: { LaunchTemplateId: T.launchTemplateId, Version: "7" } },
    });
    const { client } = stub({
      StartInstanceRefresh: inProgress,
      DescribeInstanceRefreshes: () => ({ InstanceRefreshes: [mine] }),
    });
    expect(await startRefresh(client, T)).to.deep.equal({ id: "r-mine", adopted: true });
  });

  it("refuses someone else's refresh in progress (it may roll the old image out), naming it and the cancel command", async () => {
    const theirs = refresh({
      InstanceRefreshId: "r-pipeline",
      StartTime: new Date("2026-11-28T14:00:00Z"),
      DesiredConfiguration: { LaunchTemplate: { LaunchTemplateId: T.launchTemplateId, Version: "6" } },
    });
    const { client } = stub({
      StartInstanceRefresh: inProgress,
      DescribeInstanceRefreshes: () => ({ InstanceRefreshes: [theirs] }),
    });
    const err: Error = await startRefresh(client, T).catch((e) => e);
    expect(err.message).to.equal(
      'auto scaling group "web-asg" has an instance refresh in progress that is not ir\'s (r-pipeline, status InProgress, started 2026-11-28T14:00:00.000Z): it may be rolling out the old image; wait for it or cancel it (aws autoscaling cancel-instance-refresh --auto-scaling-group-name web-asg), then run ir recover again',
    );
  });

  it("a refresh that fails is reported with AWS's reason; one still running at the bound says how far it got", async () => {
    const failed = stub({
      DescribeInstanceRefreshes: () => ({
        InstanceRefreshes: [
          refresh({ Status: "Failed", StatusReason: "instances failed ELB health checks" }),
        ],
      }),
    });
    const e1: Error = await waitForRefresh(failed.client, T.group, "r-1", {
      timeoutMs: 1000,
      intervalMs: 10,
    }).catch((e) => e);
    expect(e1.message).to.match(
      /^the instance refresh r-1 of "web-asg" ended Failed: instances failed ELB health checks; the compromised instance was not terminated/,
    );
    const slow = stub({
      DescribeInstanceRefreshes: () => ({
        InstanceRefreshes: [refresh({ PercentageComplete: 33, InstancesToUpdate: 2 })],
      }),
    });
    const e2: Error = await waitForRefresh(slow.client, T.group, "r-1", {
      timeoutMs: 60,
      intervalMs: 20,
    }).catch((e) => e);
    expect(e2.message).to.match(
      /is still InProgress after 0 s \(33% done, 2 instance\(s\) to update\); run ir recover again/,
    );
  });

  it("names why a member on another image is left: Standby, or protected from scale in", () => {
    const m = (o: Partial<OldMember>): OldMember => ({
      instanceId: "i-1",
      imageId: "ami-old",
      lifecycleState: "InService",
      launchedAt: null,
      launchTemplateVersion: "1",
      protectedFromScaleIn: false,
      ...o,
    });
    expect(leftBecause(m({}))).to.equal(undefined);
    expect(leftBecause(m({ lifecycleState: "Standby" }))).to.match(/^in Standby/);
    expect(leftBecause(m({ protectedFromScaleIn: true }))).to.match(/^protected from scale in/);
  });
});
