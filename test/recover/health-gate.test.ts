/** The health gate's arithmetic and its bounded wait (no AWS: the poll is a function). */
import { expect } from "chai";
import type { TargetGroupHealth } from "../../automation/recover/context";
import { expectedHealthy, waitForHealthy } from "../../automation/recover/health";

const TG = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web-tg/0123456789abcdef";

describe("health gate", () => {
  it("expects the ASG's capacity plus the other targets already on the selected AMI in a group the ASG is attached to", () => {
    const b = {
      targetGroupArn: TG,
      knownGoodOthers: 1,
      ownTargets: ["i-1"],
      excluded: ["i-1"],
      asgAttached: true,
    };
    expect(expectedHealthy(b, 3)).to.equal(4);
  });

  it("expects the instance's own targets back in a group no ASG feeds (the rebuild must replace them)", () => {
    const b = {
      targetGroupArn: TG,
      knownGoodOthers: 2,
      ownTargets: ["10.0.0.5"],
      excluded: ["10.0.0.5", "i-1"],
      asgAttached: false,
    };
    expect(expectedHealthy(b, undefined)).to.equal(3);
  });

  it("returns as soon as every group has its count", async () => {
    const polls: TargetGroupHealth[][] = [
      [{ targetGroupArn: TG, expected: 3, healthy: 2 }],
      [{ targetGroupArn: TG, expected: 3, healthy: 3 }],
    ];
    let i = 0;
    const r = await waitForHealthy(async () => polls[Math.min(i++, 1)]!, {
      timeoutMs: 5_000,
      intervalMs: 10,
    });
    expect(r.health[0]!.healthy).to.equal(3);
    expect(i).to.equal(2);
  });

  it("gives up at the deadline with each group's count, and reports every poll it made", async () => {
    const seen: TargetGroupHealth[][] = [];
    const started = Date.now();
    const err = await waitForHealthy(async () => [{ targetGroupArn: TG, expected: 3, healthy: 1 }], {
      timeoutMs: 300,
      intervalMs: 50,
      onCount: (h) => seen.push(h),
    }).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(Date.now() - started).to.be.lessThan(1_000);
    expect(err?.message).to.equal(
      "known-good capacity did not become healthy within 0 s: targetgroup/web-tg/0123456789abcdef 1/3 healthy on the selected AMI; the compromised instance was not terminated (check the new instances' health checks and why the others run another image, then run ir recover again)",
    );
    expect(seen.length).to.be.greaterThan(2);
  });
});
