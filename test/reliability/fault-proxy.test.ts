/**
 * The fault proxy itself: loopback only, faults in the shape the SDK parses for each protocol (so the
 * retry policy sees real throttling codes), resets before and after the call took effect, reproducible
 * from its seed, and bounded in requests.
 */
import { ListTablesCommand } from "@aws-sdk/client-dynamodb";
import {
  CreateSecurityGroupCommand,
  DescribeSecurityGroupsCommand,
  DescribeVpcsCommand,
} from "@aws-sdk/client-ec2";
import { ListRolesCommand } from "@aws-sdk/client-iam";
import { ListBucketsCommand } from "@aws-sdk/client-s3";
import { expect } from "chai";
import { AwsClients } from "../../automation/aws/clients";
import { isThrottling, isTransient } from "../../automation/aws/retry";
import { type FaultKind, type FaultProxy, startFaultProxy } from "../helpers/fault-proxy";
import { motoClients, TEST_CREDENTIALS, TEST_REGION, useMoto } from "../helpers/moto";

const only = (kind: FaultKind) => ({
  throttle: 0,
  error500: 0,
  error503: 0,
  resetBefore: 0,
  resetAfter: 0,
  latency: 0,
  [kind]: 1,
});

type Failure = Error & { $metadata: { httpStatusCode?: number }; cause?: { code?: string } };

async function failure(p: Promise<unknown>): Promise<Failure> {
  try {
    await p;
  } catch (err) {
    return err as Failure;
  }
  throw new Error("expected the call to fail");
}

describe("fault proxy (test helper)", function () {
  this.timeout(60_000);
  let moto: string;
  const proxies: FaultProxy[] = [];
  const clientsOf: AwsClients[] = [];
  const through = async (
    opts: Parameters<typeof startFaultProxy>[0] extends infer O ? Partial<O> : never,
  ) => {
    const proxy = await startFaultProxy({ upstream: moto, ...opts });
    proxies.push(proxy);
    const clients = motoClients(proxy.endpoint);
    clientsOf.push(clients);
    return { proxy, clients };
  };
  before(async () => {
    moto = await useMoto();
  });
  after(async () => {
    for (const c of clientsOf) c.destroy();
    await Promise.all(proxies.map((p) => p.stop()));
  });

  it("refuses an upstream that is not loopback http, and a rate outside 0..1", async () => {
    for (const bad of ["http://10.0.0.1:5000", "https://127.0.0.1:5000", "http://example.com", "nonsense"]) {
      const err = await failure(startFaultProxy({ upstream: bad }));
      expect(err.message).to.include(`upstream "${bad}"`);
    }
    const err = await failure(startFaultProxy({ upstream: moto, rate: 1.5 }));
    expect(err.message).to.equal("fault rate 1.5 is not valid: expected 0 to 1");
  });

  it("forwards everything unchanged at rate 0 and counts the requests", async () => {
    const { proxy, clients } = await through({ rate: 0 });
    const vpcs = await clients.ec2.send(new DescribeVpcsCommand({}));
    expect(vpcs.Vpcs!.length).to.be.greaterThan(0);
    await clients.iam.send(new ListRolesCommand({}));
    expect(proxy.counts().requests).to.equal(2);
    expect(Object.values(proxy.counts().faults).every((n) => n === 0)).to.equal(true);
  });

  it("throttles in each protocol's own shape: the SDK names the code and the retry policy sees throttling", async () => {
    const { clients } = await through({ rate: 1, mix: only("throttle") });
    const cases: [Promise<unknown>, string][] = [
      [clients.ec2.send(new DescribeVpcsCommand({})), "RequestLimitExceeded"],
      [clients.iam.send(new ListRolesCommand({})), "Throttling"],
      [clients.dynamodb.send(new ListTablesCommand({})), "ThrottlingException"],
      [clients.s3.send(new ListBucketsCommand({})), "SlowDown"],
    ];
    for (const [call, code] of cases) {
      const err = await failure(call);
      expect(err.name, code).to.equal(code);
      expect(isThrottling(err), code).to.equal(true);
    }
  });

  it("answers 500 and 503 that the retry policy treats as transient", async () => {
    for (const kind of ["error500", "error503"] as const) {
      const { clients } = await through({ rate: 1, mix: only(kind) });
      const err = await failure(clients.ec2.send(new DescribeVpcsCommand({})));
      expect(err.$metadata.httpStatusCode).to.equal(kind === "error500" ? 500 : 503);
      expect(isTransient(err)).to.equal(true);
      expect(isThrottling(err)).to.equal(false);
    }
  });

  it("a reset before forwarding changes nothing; a reset after forwarding hides a call that took effect", async () => {
    const direct = motoClients(moto);
    clientsOf.push(direct);
    const vpcId = (await direct.ec2.send(new DescribeVpcsCommand({}))).Vpcs![0]!.VpcId!;
    const exists = async (name: string) =>
      (
        await direct.ec2.send(
          new DescribeSecurityGroupsCommand({ Filters: [{ Name: "group-name", Values: [name] }] }),
        )
      ).SecurityGroups!.length;
    const create = (c: AwsClients, name: string) =>
      c.ec2.send(
        new CreateSecurityGroupCommand({ GroupName: name, Description: "fault test", VpcId: vpcId }),
      );

    const before = await through({ rate: 1, mix: only("resetBefore") });
    const e1 = await failure(create(before.clients, "reset-before"));
    expect(isTransient(e1), String(e1)).to.equal(true);
    expect(await exists("reset-before")).to.equal(0);

    const afterward = await through({ rate: 1, mix: only("resetAfter") });
    const e2 = await failure(create(afterward.clients, "reset-after"));
    expect(isTransient(e2), String(e2)).to.equal(true);
    expect(await exists("reset-after")).to.equal(1);
    expect(afterward.proxy.counts().faults.resetAfter).to.equal(1);
  });

  it("adds latency without failing the call", async () => {
    const { proxy, clients } = await through({ rate: 1, mix: only("latency"), latencyMs: 300 });
    const t0 = Date.now();
    await clients.ec2.send(new DescribeVpcsCommand({}));
    expect(Date.now() - t0).to.be.at.least(290);
    expect(proxy.counts().faults.latency).to.equal(1);
  });

  it("is reproducible: the same seed gives the same faults for the same calls", async () => {
    const kinds = async (seed: number) => {
      const { proxy, clients } = await through({ rate: 0.5, seed, latencyMs: 1 });
      for (let i = 0; i < 30; i++) await clients.ec2.send(new DescribeVpcsCommand({})).catch(() => undefined);
      return proxy.counts();
    };
    const a = await kinds(42);
    const b = await kinds(42);
    const c = await kinds(7);
    expect(a).to.deep.equal(b);
    expect(a.requests).to.equal(30);
    const total = Object.values(a.faults).reduce((s, n) => s + n, 0);
    expect(total).to.be.within(5, 25);
    expect(c.faults).to.not.deep.equal(a.faults);
  });

  it("with the production retry policy, reads survive a 50% throttling rate", async () => {
    const proxy = await startFaultProxy({ upstream: moto, rate: 0.5, mix: only("throttle"), seed: 3 });
    proxies.push(proxy);
    const clients = new AwsClients({
      endpoint: proxy.endpoint,
      region: TEST_REGION,
      credentials: TEST_CREDENTIALS,
      retry: { maxAttempts: 8, baseDelayMs: 5, maxDelayMs: 50 },
    });
    clientsOf.push(clients);
    for (let i = 0; i < 10; i++) await clients.ec2.send(new DescribeVpcsCommand({}));
    expect(proxy.counts().faults.throttle).to.be.greaterThan(0);
  });

  it("is bounded: past maxRequests it forwards nothing, and stop closes it", async () => {
    const { proxy, clients } = await through({ rate: 0, maxRequests: 2 });
    await clients.ec2.send(new DescribeVpcsCommand({}));
    await clients.ec2.send(new DescribeVpcsCommand({}));
    const err = await failure(clients.ec2.send(new DescribeVpcsCommand({})));
    expect(err.$metadata.httpStatusCode).to.equal(503);
    await proxy.stop();
    const closed = await failure(fetch(`${proxy.endpoint}/`));
    expect(String(closed.cause?.code ?? closed.message)).to.match(/ECONNREFUSED|fetch failed/);
  });
});
