/**
 * One writer per Auto Scaling group: requests of one response are batched (at most 20 ids a call), one
 * call in flight per group, ResourceContention waited out, a member's bad state never fails the others.
 */
import {
  AutoScalingClient,
  DetachInstancesCommand,
  EnterStandbyCommand,
  SetInstanceProtectionCommand,
} from "@aws-sdk/client-auto-scaling";
import { mockClient } from "aws-sdk-client-mock";
import { expect } from "chai";
import { AsgWriter, MAX_IDS_PER_CALL } from "../../automation/steps/asg-writer";

const err = (name: string, message = name) => Object.assign(new Error(message), { name });

describe("AsgWriter: one writer per Auto Scaling group", () => {
  const client = new AutoScalingClient({ region: "us-east-1" });
  const mock = mockClient(client);
  afterEach(() => mock.reset());

  const leave = (w: AsgWriter, group: string, id: string, action: "detach" | "standby" = "detach") =>
    w.leave(client, { group, instanceId: id, action, decrement: false });

  it("batches the members of one group asked together into calls of at most 20 ids, one at a time", async () => {
    let inFlight = 0;
    let most = 0;
    mock.on(DetachInstancesCommand).callsFake(async () => {
      most = Math.max(most, ++inFlight);
      await new Promise((r) => setTimeout(r, 5));
      inFlight--;
      return {};
    });
    const w = new AsgWriter();
    const ids = Array.from({ length: 45 }, (_, i) => `i-${i}`);
    await Promise.all(ids.map((id) => leave(w, "web", id)));
    const calls = mock.commandCalls(DetachInstancesCommand).map((c) => c.args[0].input.InstanceIds!);
    expect(calls.map((c) => c.length)).to.deep.equal([MAX_IDS_PER_CALL, MAX_IDS_PER_CALL, 5]);
    expect(calls.flat().sort()).to.deep.equal([...ids].sort());
    expect(most).to.equal(1);
  });

  it("writes different groups in parallel, each in its own call", async () => {
    mock.on(DetachInstancesCommand).resolves({});
    const w = new AsgWriter();
    await Promise.all([leave(w, "a", "i-1"), leave(w, "b", "i-2"), leave(w, "a", "i-3")]);
    const calls = mock.commandCalls(DetachInstancesCommand).map((c) => c.args[0].input);
    expect(calls.map((c) => [c.AutoScalingGroupName, c.InstanceIds])).to.have.deep.members([
      ["a", ["i-1", "i-3"]],
      ["b", ["i-2"]],
    ]);
  });

  it("waits out ResourceContention and counts it", async () => {
    mock
      .on(DetachInstancesCommand)
      .rejectsOnce(err("ResourceContention"))
      .rejectsOnce(err("ResourceContention"))
      .resolves({});
    const outcome = await leave(new AsgWriter(() => 0), "web", "i-1");
    expect(outcome.contention).to.equal(2);
    expect(mock.commandCalls(DetachInstancesCommand)).to.have.length(3);
  });

  it("a member whose state refuses the batch: the others still leave, that one fails with the reason", async () => {
    mock.on(DetachInstancesCommand).callsFake(async (input: { InstanceIds: string[] }) => {
      if (input.InstanceIds.includes("i-bad"))
        throw err("ValidationError", "The instance i-bad is not in InService or Standby.");
      return {};
    });
    const w = new AsgWriter();
    const results = await Promise.allSettled(["i-1", "i-bad", "i-2"].map((id) => leave(w, "web", id)));
    expect(results.map((r) => r.status)).to.deep.equal(["fulfilled", "rejected", "fulfilled"]);
    expect(((results[1] as PromiseRejectedResult).reason as Error).message).to.match(/not in InService/);
  });

  it("Standby: protection from scale-in first, then EnterStandby, in one call each for the batch", async () => {
    mock.on(SetInstanceProtectionCommand).resolves({});
    mock.on(EnterStandbyCommand).resolves({});
    const w = new AsgWriter();
    await Promise.all([leave(w, "web", "i-1", "standby"), leave(w, "web", "i-2", "standby")]);
    expect(mock.commandCalls(SetInstanceProtectionCommand)[0]!.args[0].input.InstanceIds).to.deep.equal([
      "i-1",
      "i-2",
    ]);
    expect(mock.commandCalls(EnterStandbyCommand)[0]!.args[0].input.InstanceIds).to.deep.equal([
      "i-1",
      "i-2",
    ]);
  });

  it("a refused decrement (minimum size) detaches without decrementing and says so", async () => {
    mock
      .on(DetachInstancesCommand, { ShouldDecrementDesiredCapacity: true })
      .rejects(err("ValidationError", "Currently, desired capacity is 1; cannot go below min size 1"));
    mock.on(DetachInstancesCommand, { ShouldDecrementDesiredCapacity: false }).resolves({});
    const outcome = await new AsgWriter().leave(client, {
      group: "web",
      instanceId: "i-1",
      action: "detach",
      decrement: true,
    });
    expect(outcome.decremented).to.equal(false);
    expect(outcome.note).to.match(/decrement refused/);
  });
});
