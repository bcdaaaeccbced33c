/**
 * Rule ec2-request-rate-buckets: EC2 calls draw on per-account, per-Region, per-API token buckets of the
 * documented sizes; an empty bucket answers RequestLimitExceeded (503). moto never throttles.
 */
import { DescribeSecurityGroupsCommand } from "@aws-sdk/client-ec2";
import { expect } from "chai";
import { AwsClients } from "../../automation/aws/clients";
import {
  MUTATING,
  NON_MUTATING,
  requestBucketSize,
  UNFILTERED_UNPAGINATED,
} from "../../automation/aws/ec2-rate-table";
import { TokenBucket } from "../../automation/aws/token-bucket";
import { ec2RequestRateBuckets } from "../../automation/emulator/strict/rules/ec2-request-rate-buckets";
import { type Ec2Basics, ec2Basics, errorOf, launch, outcome } from "../helpers/ec2-basics";
import { TEST_CREDENTIALS, TEST_REGION } from "../helpers/moto";
import { type RuleLayer, startRuleLayer } from "../helpers/strict";

const THROTTLED = "RequestLimitExceeded";

describe("strict rule ec2-request-rate-buckets", () => {
  let l: RuleLayer;
  let b: Ec2Basics;
  // The client-side limiter is off: these tests send what the layer must refuse (the limiter's own
  // test, test/automation/ec2-rate-limiter-strict.test.ts, shows it keeping a burst under the buckets).
  const clients = (extra: { account?: string; retries?: boolean } = {}) =>
    new AwsClients({
      endpoint: l.endpoint,
      region: TEST_REGION,
      credentials: TEST_CREDENTIALS,
      ec2RateLimit: false,
      retry: extra.retries ? undefined : { maxAttempts: 1 },
      headers: extra.account ? { "x-moto-account-id": extra.account } : undefined,
    });
  /** A launch in the basics' subnet, or in the account's default VPC (another account). */
  const run = (c: AwsClients, own = true) => outcome(launch(c, b, own ? {} : { SubnetId: undefined }));

  before(async () => {
    l = await startRuleLayer([ec2RequestRateBuckets]);
    b = await ec2Basics(l.admin);
  });
  after(() => l.stop());

  it("sizes buckets as documented, and a bucket refills at its rate", () => {
    expect(requestBucketSize("RunInstances", false)).to.deep.equal({ capacity: 5, refillPerSecond: 2 });
    expect(requestBucketSize("ModifyNetworkInterfaceAttribute", false)).to.deep.equal({
      capacity: 100,
      refillPerSecond: 5,
    });
    expect(requestBucketSize("CreateTags", false)).to.deep.equal({ capacity: 100, refillPerSecond: 10 });
    expect(requestBucketSize("ModifyInstanceAttribute", false)).to.equal(MUTATING);
    expect(requestBucketSize("DescribeInstances", false)).to.equal(UNFILTERED_UNPAGINATED);
    expect(requestBucketSize("DescribeInstances", true)).to.equal(NON_MUTATING);
    expect(requestBucketSize("DescribeVpcs", false)).to.equal(NON_MUTATING);
    const b = new TokenBucket({ capacity: 5, refillPerSecond: 2 }, 0);
    for (let i = 0; i < 5; i++) expect(b.tryTake(0)).to.equal(true);
    expect(b.tryTake(0)).to.equal(false);
    expect(b.waitMs(0)).to.equal(500);
    expect(b.tryTake(500)).to.equal(true);
    expect(b.available(60_000)).to.equal(5);
  });

  // The layer's clock runs in real time too (buckets refill while moto works): bursts are sent at once.
  const count = (outcomes: string[], o: string) => outcomes.filter((x) => x === o).length;

  it("lets a burst of five RunInstances through and refuses the rest; another account has its own bucket", async () => {
    const c = clients();
    try {
      type AwsError = Error & { $metadata: { httpStatusCode: number } };
      const burst = await Promise.all(Array.from({ length: 7 }, () => errorOf(launch(c, b))));
      const refused = burst.filter((e): e is AwsError => e !== undefined);
      // Five at once (a sixth only if the burst took the machine half a second to send).
      expect(refused.length).to.be.within(1, 2);
      for (const e of refused)
        expect([e.name, e.$metadata.httpStatusCode, e.message]).to.deep.equal([
          THROTTLED,
          503,
          "Request limit exceeded.",
        ]);
      expect(l.layer.refusals().at(-1)?.rule).to.equal("ec2-request-rate-buckets");
      const other = clients({ account: "210987654321" });
      expect(await run(other, false)).to.equal("ok");
      other.destroy();
      l.layer.advanceClock(2_500);
      const later = await Promise.all(Array.from({ length: 5 }, () => run(c)));
      expect(count(later, "ok")).to.equal(5);
    } finally {
      c.destroy();
    }
  });

  it("unfiltered DescribeSecurityGroups has a 50-call burst of its own; filtered calls use the larger bucket", async () => {
    // A client keeps 32 calls in flight: three of them send the 75 calls at once.
    const cs = [clients(), clients(), clients()];
    try {
      const unfiltered = (c: AwsClients) => outcome(c.ec2.send(new DescribeSecurityGroupsCommand({})));
      const burst = await Promise.all(cs.flatMap((c) => Array.from({ length: 25 }, () => unfiltered(c))));
      expect(count(burst, "ok")).to.be.within(50, 60);
      expect(count(burst, THROTTLED)).to.equal(75 - count(burst, "ok"));
      const filtered = await cs[0]!.ec2.send(
        new DescribeSecurityGroupsCommand({ Filters: [{ Name: "group-name", Values: ["default"] }] }),
      );
      expect(filtered.SecurityGroups).to.not.equal(undefined);
    } finally {
      for (const c of cs) c.destroy();
    }
  });

  it("the project's clients retry RequestLimitExceeded: eight RunInstances in a row all launch", async () => {
    l.layer.advanceClock(10_000);
    const c = clients({ retries: true });
    try {
      const results: string[] = [];
      for (let i = 0; i < 8; i++) results.push(await run(c));
      expect(results).to.deep.equal(Array(8).fill("ok"));
    } finally {
      c.destroy();
    }
  });
});
