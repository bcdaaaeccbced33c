/**
 * The client-side EC2 rate limiter against the strict layer, which refuses what AWS's token buckets
 * would (rule ec2-request-rate-buckets): the same burst of launches, with retries off, is refused in
 * part without the limiter and goes through whole with it, no RequestLimitExceeded reaching the client.
 * Each half runs in its own emulated account (x-moto-account-id), so both start from full buckets.
 */
import { expect } from "chai";
import { AwsClients, MemoryRecorder } from "../../automation/aws/clients";
import { EC2_REFILL_LAG_MS } from "../../automation/aws/rate-limiter";
import { type Ec2Basics, ec2Basics, launch, outcome } from "../helpers/ec2-basics";
import { motoClients, strictLayer, TEST_CREDENTIALS, TEST_REGION, useMoto } from "../helpers/moto";

const THROTTLED = "RequestLimitExceeded";
/** Twice RunInstances' documented burst (5, refilled at 2/s). */
const BURST = 10;

describe("EC2 rate limiter: a burst over the bucket, against the strict layer", () => {
  let endpoint: string;
  let b: Ec2Basics;

  before(async () => {
    endpoint = await useMoto();
    const admin = motoClients(endpoint);
    b = await ec2Basics(admin);
    admin.destroy();
  });

  const clients = (account: string, limiter: boolean, recorder?: MemoryRecorder) =>
    new AwsClients({
      endpoint,
      region: TEST_REGION,
      credentials: TEST_CREDENTIALS,
      retry: { maxAttempts: 1 },
      headers: { "x-moto-account-id": account },
      ...(limiter ? {} : { ec2RateLimit: false as const }),
      ...(recorder ? { recorder } : {}),
    });
  /** BURST launches at once into the account's default VPC. */
  const burst = (c: AwsClients) =>
    Promise.all(Array.from({ length: BURST }, () => outcome(launch(c, b, { SubnetId: undefined }))));
  const throttledBy = async () =>
    (await strictLayer()).refusals().filter((r) => r.rule === "ec2-request-rate-buckets").length;

  it("without the limiter the layer refuses part of the burst", async () => {
    const c = clients("210987654321", false);
    try {
      const before = await throttledBy();
      const outcomes = await burst(c);
      const refused = outcomes.filter((o) => o === THROTTLED).length;
      // Five go at once; the rest only if the burst took seconds to send.
      expect(refused).to.be.greaterThan(0);
      expect(outcomes.filter((o) => o !== "ok" && o !== THROTTLED)).to.deep.equal([]);
      expect((await throttledBy()) - before).to.equal(refused);
    } finally {
      c.destroy();
    }
  });

  it("with the limiter (the default) every launch goes through, paced at the refill rate, none refused", async () => {
    const recorder = new MemoryRecorder();
    const c = clients("310987654321", true, recorder);
    try {
      const before = await throttledBy();
      const t0 = Date.now();
      const outcomes = await burst(c);
      const elapsed = Date.now() - t0;
      expect(outcomes).to.deep.equal(Array(BURST).fill("ok"));
      // One attempt each: nothing was refused and retried (retries are off anyway).
      expect(
        recorder.calls.filter((r) => r.action === "ec2:RunInstances").map((r) => r.attempts),
      ).to.deep.equal(Array(BURST).fill(1));
      expect(await throttledBy()).to.equal(before);
      // The five calls past the burst waited for tokens refilled at 2/s, from a second after the burst
      // (EC2_REFILL_LAG_MS): 3.5 s at least.
      expect(elapsed).to.be.at.least(EC2_REFILL_LAG_MS + ((BURST - 5) / 2) * 1000 - 50);
    } finally {
      c.destroy();
    }
  });
});
