/**
 * The client-side EC2 rate limiter: one bucket per API of the documented size, calls waiting for their
 * token in order, a burst drained at the refill rate, separate buckets per API and per scope (Region,
 * endpoint, identity), bounded and cancellable waits. The queue runs on a hand-driven clock: no test
 * waits on real time. The last tests go through AwsClients with a scripted transport.
 */
import { Readable } from "node:stream";
import { ModifyNetworkInterfaceAttributeCommand, RunInstancesCommand } from "@aws-sdk/client-ec2";
import { expect } from "chai";
import { AwsClients, MemoryRecorder } from "../../automation/aws/clients";
import type { Clock } from "../../automation/aws/clock";
import { MUTATING, NON_MUTATING, UNFILTERED_UNPAGINATED } from "../../automation/aws/ec2-rate-table";
import { filteredOrPaginated, urgent } from "../../automation/aws/rate-limit-middleware";
import {
  Ec2RateLimiter,
  ec2RateScope,
  resetSharedEc2RateLimiters,
  sharedEc2RateLimiter,
} from "../../automation/aws/rate-limiter";
import { RateQueue, RateWaitTooLongError } from "../../automation/aws/rate-queue";

/** A clock that moves only when told, firing due timers in time order. */
class FakeClock implements Clock {
  t = 0;
  private seq = 0;
  private timers: { at: number; fn: () => void; id: number }[] = [];
  now(): number {
    return this.t;
  }
  setTimer(fn: () => void, ms: number): unknown {
    const id = ++this.seq;
    this.timers.push({ at: this.t + ms, fn, id });
    return id;
  }
  clearTimer(handle: unknown): void {
    this.timers = this.timers.filter((t) => t.id !== handle);
  }
  /** Timers not yet fired. */
  get pending(): number {
    return this.timers.length;
  }
  /** Moves `ms` forward, firing every timer due on the way (and what the promises it settles do). */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      await settle();
      const due = this.timers.filter((t) => t.at <= end).sort((a, b) => a.at - b.at || a.id - b.id)[0];
      if (!due) break;
      this.timers = this.timers.filter((t) => t !== due);
      this.t = Math.max(this.t, due.at);
      due.fn();
    }
    this.t = end;
    await settle();
  }
}

/** Lets resolved promises run their continuations. */
const settle = () => new Promise<void>((r) => setImmediate(r));

const NO_LIMIT = { maxWaitMs: 3_600_000 };

/** Starts `n` acquisitions and records, for each, when (on the fake clock) it got its token. */
function burst(q: RateQueue, clock: FakeClock, n: number, label = "call") {
  const got: { label: string; at: number }[] = [];
  const all = Array.from({ length: n }, (_, i) =>
    q.acquire(NO_LIMIT).then(() => got.push({ label: `${label}${i}`, at: clock.now() })),
  );
  return { got, all: Promise.all(all) };
}

describe("EC2 client-side rate limiter", () => {
  describe("bucket sizes", () => {
    it("gives each API its documented bucket, and the small unfiltered bucket only to unfiltered calls", () => {
      const l = new Ec2RateLimiter("us-east-1", new FakeClock());
      const size = (operation: string, filtered = false) =>
        l.queue({ operation, filteredOrPaginated: filtered }).size;
      expect(size("ModifyNetworkInterfaceAttribute")).to.deep.equal({ capacity: 100, refillPerSecond: 5 });
      expect(size("AssociateIamInstanceProfile")).to.deep.equal({ capacity: 100, refillPerSecond: 5 });
      expect(size("CreateSnapshots")).to.deep.equal({ capacity: 100, refillPerSecond: 5 });
      expect(size("TerminateInstances")).to.deep.equal({ capacity: 100, refillPerSecond: 5 });
      expect(size("CreateTags")).to.deep.equal({ capacity: 100, refillPerSecond: 10 });
      expect(size("RunInstances")).to.deep.equal({ capacity: 5, refillPerSecond: 2 });
      expect(size("ModifyInstanceAttribute")).to.equal(MUTATING);
      expect(size("DescribeVpcs")).to.equal(NON_MUTATING);
      expect(size("DescribeInstances")).to.equal(UNFILTERED_UNPAGINATED);
      expect(size("DescribeInstances", true)).to.equal(NON_MUTATING);
      expect(l.queue({ operation: "DescribeInstances", filteredOrPaginated: false }).name).to.equal(
        "EC2 DescribeInstances/unfiltered in us-east-1",
      );
    });

    it("reads filters and pagination from the SDK input as the strict layer reads them from the wire", () => {
      expect(filteredOrPaginated({ InstanceIds: ["i-1"] })).to.equal(false);
      expect(filteredOrPaginated({ Filters: [] })).to.equal(false);
      expect(filteredOrPaginated({ Filters: [{ Name: "vpc-id", Values: ["vpc-1"] }] })).to.equal(true);
      expect(filteredOrPaginated({ MaxResults: 5 })).to.equal(true);
      expect(filteredOrPaginated({ NextToken: "t" })).to.equal(true);
      expect(filteredOrPaginated(undefined)).to.equal(false);
    });
  });

  describe("one bucket's queue", () => {
    it("lets the burst through at once, then paces the rest at the refill rate", async () => {
      const clock = new FakeClock();
      const q = new RateQueue("EC2 RunInstances in us-east-1", { capacity: 5, refillPerSecond: 2 }, clock);
      const b = burst(q, clock, 9);
      await clock.advance(0);
      expect(b.got.map((g) => g.at)).to.deep.equal([0, 0, 0, 0, 0]);
      expect(q.queued).to.equal(4);
      await clock.advance(2_000);
      await b.all;
      expect(b.got.map((g) => g.at)).to.deep.equal([0, 0, 0, 0, 0, 500, 1000, 1500, 2000]);
      expect(clock.pending).to.equal(0);
    });

    it("a larger burst on a 100/5 bucket takes (N - 100) / 5 seconds", async () => {
      const clock = new FakeClock();
      const q = new RateQueue(
        "EC2 ModifyNetworkInterfaceAttribute",
        { capacity: 100, refillPerSecond: 5 },
        clock,
      );
      const b = burst(q, clock, 150);
      await clock.advance(60_000);
      await b.all;
      expect(Math.max(...b.got.map((g) => g.at))).to.equal(10_000);
      expect(b.got.filter((g) => g.at === 0)).to.have.length(100);
    });

    it("with a refill lag, a burst from a full bucket refills that much later, then at the rate", async () => {
      const clock = new FakeClock();
      const q = new RateQueue("EC2 RunInstances", { capacity: 5, refillPerSecond: 2 }, clock, 1_000);
      const b = burst(q, clock, 7);
      await clock.advance(5_000);
      await b.all;
      expect(b.got.map((g) => g.at)).to.deep.equal([0, 0, 0, 0, 0, 1_500, 2_000]);
      // Full again by 4 s: the next burst lags from its own start.
      const again = burst(q, clock, 6);
      await clock.advance(5_000);
      await again.all;
      expect(again.got.map((g) => g.at - 5_000)).to.deep.equal([0, 0, 0, 0, 0, 1_500]);
    });

    it("serves waiting calls in arrival order, and a later call never overtakes them", async () => {
      const clock = new FakeClock();
      const q = new RateQueue("EC2 CreateTags", { capacity: 1, refillPerSecond: 1 }, clock);
      const order: string[] = [];
      const take = (name: string) => q.acquire(NO_LIMIT).then(() => order.push(name));
      const done = [take("a"), take("b"), take("c")];
      // The head's timer is late (a busy event loop): a token is there when "d" arrives, but b and c
      // were first.
      clock.t = 1_500;
      done.push(take("d"));
      await clock.advance(5_000);
      await Promise.all(done);
      expect(order).to.deep.equal(["a", "b", "c", "d"]);
    });

    it("an urgent call (isolation) goes ahead of the calls that are not, behind earlier urgent ones", async () => {
      const clock = new FakeClock();
      const q = new RateQueue(
        "EC2 ModifyNetworkInterfaceAttribute",
        { capacity: 1, refillPerSecond: 1 },
        clock,
      );
      const order: string[] = [];
      const take = (name: string, urgent = false) =>
        q.acquire({ ...NO_LIMIT, urgent }).then(() => order.push(name));
      const done = [
        take("first"),
        take("untrack-1"),
        take("untrack-2"),
        take("isolate-1", true),
        take("isolate-2", true),
      ];
      await clock.advance(10_000);
      await Promise.all(done);
      expect(order).to.deep.equal(["first", "isolate-1", "isolate-2", "untrack-1", "untrack-2"]);
    });

    it("an urgent call's wait counts only the urgent calls ahead of it (never refused behind a long queue)", async () => {
      const clock = new FakeClock();
      const q = new RateQueue(
        "EC2 ModifyNetworkInterfaceAttribute",
        { capacity: 1, refillPerSecond: 1 },
        clock,
      );
      const queued = Array.from({ length: 30 }, () => q.acquire(NO_LIMIT));
      const late = q.acquire({ maxWaitMs: 5_000 }).catch((e: Error) => e.name);
      const urgent = q.acquire({ maxWaitMs: 5_000, urgent: true }).then(() => clock.now());
      await clock.advance(40_000);
      expect(await late).to.equal("RateLimitWaitTooLong");
      expect(await urgent).to.be.at.most(2_000);
      await Promise.all(queued);
    });

    it("refuses at once a call whose token would come after maxWaitMs, taking nothing", async () => {
      const clock = new FakeClock();
      const q = new RateQueue("EC2 RunInstances in eu-west-1", { capacity: 5, refillPerSecond: 2 }, clock);
      for (let i = 0; i < 5; i++) await q.acquire({ maxWaitMs: 0 });
      // The 6th token comes in 500 ms, the 7th in 1000 ms.
      const err = await q.acquire({ maxWaitMs: 400 }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).to.be.instanceOf(RateWaitTooLongError);
      expect((err as Error).name).to.equal("RateLimitWaitTooLong");
      expect((err as Error).message).to.equal(
        "EC2 RunInstances in eu-west-1: the next token for this call comes in 0.5 s (0 call(s) queued ahead; " +
          "AWS's bucket: 5 burst, 2/s), more than the client-side limit of 0.4 s; act on fewer resources at once, " +
          "or ask AWS to raise the account's limit for this API",
      );
      expect(q.queued).to.equal(0);
      expect(clock.pending).to.equal(0);
      // Nothing was taken: the next call still gets the 6th token, at 500 ms.
      let at = -1;
      const next = q.acquire({ maxWaitMs: 500 }).then(() => {
        at = clock.now();
      });
      await clock.advance(1_000);
      await next;
      expect(at).to.equal(500);
    });

    it("rejects a wait that is not bounded", async () => {
      const q = new RateQueue("EC2 CreateTags", { capacity: 1, refillPerSecond: 1 }, new FakeClock());
      const err = await q.acquire({ maxWaitMs: Number.POSITIVE_INFINITY }).then(
        () => undefined,
        (e: Error) => e,
      );
      expect(err?.message).to.equal("EC2 CreateTags: maxWaitMs must be a finite number of ms, got Infinity");
    });

    it("an aborted wait leaves the queue at once; those behind move up; no timer is left behind", async () => {
      const clock = new FakeClock();
      const q = new RateQueue("EC2 CreateTags", { capacity: 1, refillPerSecond: 1 }, clock);
      await q.acquire(NO_LIMIT);
      const first = new AbortController();
      const firstWait = q.acquire({ ...NO_LIMIT, signal: first.signal }).then(
        () => "token",
        (e: Error) => e.name,
      );
      let secondAt = -1;
      const second = q.acquire(NO_LIMIT).then(() => {
        secondAt = clock.now();
      });
      first.abort();
      expect(await firstWait).to.equal("AbortError");
      expect(q.queued).to.equal(1);
      await clock.advance(2_000);
      await second;
      // The cancelled call's token went to the one behind it.
      expect(secondAt).to.equal(1_000);

      await q.acquire({ maxWaitMs: 0 }); // the token refilled by now
      const last = new AbortController();
      const lastWait = q.acquire({ ...NO_LIMIT, signal: last.signal }).catch((e: Error) => e);
      expect(clock.pending).to.equal(1);
      last.abort(new Error("the step gave up"));
      const err = (await lastWait) as Error;
      expect([err.name, err.message, (err.cause as Error).message]).to.deep.equal([
        "AbortError",
        "EC2 CreateTags: the wait for a token was cancelled",
        "the step gave up",
      ]);
      expect(q.queued).to.equal(0);
      expect(clock.pending).to.equal(0);
    });

    it("an already aborted call is refused without taking a token", async () => {
      const clock = new FakeClock();
      const q = new RateQueue("EC2 CreateTags", { capacity: 1, refillPerSecond: 1 }, clock);
      const err = await q.acquire({ ...NO_LIMIT, signal: AbortSignal.abort() }).catch((e: Error) => e);
      expect((err as Error).name).to.equal("AbortError");
      expect(q.wouldWaitMs()).to.equal(0);
    });
  });

  describe("buckets per API and per scope", () => {
    beforeEach(() => resetSharedEc2RateLimiters());

    it("an empty bucket of one API holds back no other API", async () => {
      const clock = new FakeClock();
      const l = new Ec2RateLimiter("us-east-1", clock, 0);
      const run = { operation: "RunInstances", filteredOrPaginated: false };
      for (let i = 0; i < 5; i++) await l.acquire(run, NO_LIMIT);
      expect(l.queue(run).wouldWaitMs()).to.equal(500);
      await l.acquire({ operation: "CreateTags", filteredOrPaginated: false }, { maxWaitMs: 0 });
      // Unfiltered and filtered DescribeInstances draw on different buckets.
      for (let i = 0; i < 50; i++)
        await l.acquire({ operation: "DescribeInstances", filteredOrPaginated: false }, { maxWaitMs: 0 });
      await l.acquire({ operation: "DescribeInstances", filteredOrPaginated: true }, { maxWaitMs: 0 });
      expect(l.queue({ operation: "DescribeInstances", filteredOrPaginated: false }).wouldWaitMs()).to.equal(
        100,
      );
    });

    it("clients of one Region, endpoint and identity share a limiter; another Region, endpoint, key or account header has its own", () => {
      const scope = (over: Partial<Parameters<typeof ec2RateScope>[0]> = {}) =>
        ec2RateScope({ region: "us-east-1", accessKeyId: "AKIDONE", ...over });
      const a = sharedEc2RateLimiter(scope(), "us-east-1");
      expect(sharedEc2RateLimiter(scope(), "us-east-1")).to.equal(a);
      expect(sharedEc2RateLimiter(scope({ region: "eu-west-1" }), "eu-west-1")).to.not.equal(a);
      expect(sharedEc2RateLimiter(scope({ endpoint: "http://127.0.0.1:5000" }), "us-east-1")).to.not.equal(a);
      expect(sharedEc2RateLimiter(scope({ accessKeyId: "AKIDTWO" }), "us-east-1")).to.not.equal(a);
      expect(sharedEc2RateLimiter(scope({ accessKeyId: undefined }), "us-east-1")).to.not.equal(a);
      expect(
        sharedEc2RateLimiter(scope({ headers: { "x-moto-account-id": "210987654321" } }), "us-east-1"),
      ).to.not.equal(a);
      resetSharedEc2RateLimiters();
      expect(sharedEc2RateLimiter(scope(), "us-east-1")).to.not.equal(a);
    });
  });

  describe("in the client factory", () => {
    beforeEach(() => resetSharedEc2RateLimiters());

    const ok = (action: string) =>
      `<${action}Response xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r</requestId></${action}Response>`;
    const throttled =
      "<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>Request limit exceeded.</Message></Error></Errors><RequestID>r</RequestID></Response>";

    /** Answers every EC2 call; the first `throttle` attempts are refused as AWS refuses them. */
    function transport(throttle = 0) {
      const seen: string[] = [];
      return {
        seen,
        async handle(request: { body?: unknown }) {
          const action = new URLSearchParams(String(request.body ?? "")).get("Action") ?? "?";
          seen.push(action);
          const refuse = seen.length <= throttle;
          const body = refuse ? throttled : ok(action);
          return {
            response: {
              statusCode: refuse ? 503 : 200,
              headers: {},
              body: Readable.from([Buffer.from(body)]),
            },
          };
        },
      };
    }
    const make = (
      handler: ReturnType<typeof transport>,
      extra: Partial<ConstructorParameters<typeof AwsClients>[0]> = {},
    ) =>
      new AwsClients({
        region: "ap-southeast-2",
        credentials: { accessKeyId: "AKIDTEST", secretAccessKey: "secret" },
        requestHandler: handler,
        retry: { baseDelayMs: 1, maxDelayMs: 1 },
        ...extra,
      });
    const bucketOf = (operation: string) =>
      sharedEc2RateLimiter(
        ec2RateScope({ region: "ap-southeast-2", accessKeyId: "AKIDTEST" }),
        "ap-southeast-2",
      ).queue({ operation, filteredOrPaginated: false });

    it("every attempt takes a token (the limiter sits inside the retry loop)", async () => {
      const recorder = new MemoryRecorder();
      const handler = transport(2);
      const c = make(handler, { recorder, ec2RateLimit: { maxWaitMs: 100 } });
      const launch = () =>
        c.ec2.send(new RunInstancesCommand({ ImageId: "ami-1", MinCount: 1, MaxCount: 1 }));
      await launch();
      expect(recorder.calls.map((r) => [r.action, r.attempts, r.ok])).to.deep.equal([
        ["ec2:RunInstances", 3, true],
      ]);
      // Three attempts took three of RunInstances' five tokens: two more calls go, the next would wait
      // ~500 ms for a refill (2/s), more than the 100 ms allowed.
      await launch();
      await launch();
      const err = await launch().catch((e: Error) => e);
      expect((err as Error).name).to.equal("RateLimitWaitTooLong");
      expect(handler.seen).to.have.length(5);
    });

    it("a command whose input is marked urgent() takes the urgent lane; the mark is never sent", async () => {
      const handler = transport();
      const c = make(handler, { ec2RateLimit: { maxWaitMs: 2_000 } });
      const q = bucketOf("ModifyNetworkInterfaceAttribute");
      // Empty the bucket (100) and queue 20 best-effort calls: about 4 s of tokens at 5 a second.
      for (let i = 0; i < 100; i++) await q.acquire({ maxWaitMs: 0 });
      Array.from({ length: 20 }, () => q.acquire({ maxWaitMs: 60_000 }));
      const modify = (input: { NetworkInterfaceId: string; Groups: string[] }) =>
        c.ec2.send(new ModifyNetworkInterfaceAttributeCommand(input));
      const plain = await modify({ NetworkInterfaceId: "eni-1", Groups: ["sg-1"] }).catch(
        (e: Error) => e.name,
      );
      expect(plain).to.equal("RateLimitWaitTooLong");
      const isolated = await modify(urgent({ NetworkInterfaceId: "eni-1", Groups: ["sg-isolation"] }));
      expect(isolated.$metadata.httpStatusCode).to.equal(200);
      expect(handler.seen).to.deep.equal(["ModifyNetworkInterfaceAttribute"]);
      expect(q.queued).to.be.greaterThan(10);
    });

    it("a call that would wait past maxWaitMs fails at once, unsent, with the reason", async () => {
      const handler = transport();
      const c = make(handler, { ec2RateLimit: { maxWaitMs: 100 } });
      const launch = () =>
        c.ec2.send(new RunInstancesCommand({ ImageId: "ami-1", MinCount: 1, MaxCount: 1 }));
      for (let i = 0; i < 5; i++) await launch();
      const err = await launch().catch((e: Error) => e);
      expect((err as Error).name).to.equal("RateLimitWaitTooLong");
      expect((err as Error).message).to.match(
        /^EC2 RunInstances in ap-southeast-2: the next token for this call comes in/,
      );
      expect(handler.seen).to.have.length(5);
    });

    it("the SDK's abortSignal cancels a call waiting for its token", async () => {
      const handler = transport();
      const c = make(handler);
      const launch = (abortSignal?: AbortSignal) =>
        c.ec2.send(new RunInstancesCommand({ ImageId: "ami-1", MinCount: 1, MaxCount: 1 }), { abortSignal });
      for (let i = 0; i < 5; i++) await launch();
      const stop = new AbortController();
      const waiting = launch(stop.signal).catch((e: Error) => e);
      await settle();
      expect(bucketOf("RunInstances").queued).to.equal(1);
      stop.abort();
      expect(((await waiting) as Error).name).to.equal("AbortError");
      expect(bucketOf("RunInstances").queued).to.equal(0);
      expect(handler.seen).to.have.length(5);
    });

    it("ec2RateLimit: false sends every call at once", async () => {
      const handler = transport();
      const c = make(handler, { ec2RateLimit: false });
      await Promise.all(
        Array.from({ length: 8 }, () =>
          c.ec2.send(new RunInstancesCommand({ ImageId: "ami-1", MinCount: 1, MaxCount: 1 })),
        ),
      );
      expect(handler.seen).to.have.length(8);
      expect(bucketOf("RunInstances").wouldWaitMs()).to.equal(0);
    });
  });
});
