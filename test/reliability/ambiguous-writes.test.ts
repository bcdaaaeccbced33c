/**
 * Writes that took effect although the client saw a failure (the connection reset after AWS acted):
 * one scripted fault each, exactly where the bug would show. Found by the chaos runs: the journal
 * reported "lost the lock to another run" when its own retried write had landed, and a mutation
 * without a client token (CreateSnapshots, ReplaceIamInstanceProfileAssociation, TerminateInstances)
 * failed its step although it had worked. The engine now runs such a step again, and the step looks
 * for what the first attempt did before doing it again.
 */
import { DescribeIamInstanceProfileAssociationsCommand, DescribeSnapshotsCommand } from "@aws-sdk/client-ec2";
import { expect } from "chai";
import { AwsClients } from "../../automation/aws/clients";
import { verifyChain } from "../../automation/journal/chain";
import { findCase, openJournals } from "../../automation/journal/open";
import { respond } from "../../automation/respond/respond";
import { TAG } from "../../facts/tags";
import { type FaultKind, type FaultProxy, startFaultProxy } from "../helpers/fault-proxy";
import { TEST_REGION } from "../helpers/moto";
import { type Account, setupAccount } from "../helpers/responder";

describe("writes that landed although the client saw a reset (integration)", function () {
  this.timeout(120_000);
  let a: Account;
  const proxies: FaultProxy[] = [];
  const clients: AwsClients[] = [];
  before(async () => {
    a = await setupAccount({ groups: true });
  });
  after(async () => {
    for (const c of clients) c.destroy();
    await Promise.all(proxies.map((p) => p.stop()));
  });

  /** The responder's clients with the production retry policy, through a proxy playing `script`. */
  const through = async (script: Record<string, (FaultKind | null)[]>) => {
    const proxy = await startFaultProxy({ upstream: a.endpoint, rate: 0, script });
    proxies.push(proxy);
    const c = new AwsClients({
      endpoint: proxy.endpoint,
      region: TEST_REGION,
      credentials: a.responderCredentials,
    });
    clients.push(c);
    return { proxy, clients: c };
  };

  const contain = (c: AwsClients, instanceId: string) =>
    respond({
      targets: [{ instanceId, source: { kind: "argument" } }],
      settings: a.settings,
      clients: c,
      options: { dwellMs: 0, memory: false },
    }).then((r) => r[0]!);

  it("opening a case whose lock write landed before the reset: the case is ours, not 'busy'", async () => {
    // 1st TransactWriteItems: the lock + case meta; the client retries it, its condition then fails.
    const { proxy, clients: c } = await through({ TransactWriteItems: ["resetAfter"] });
    const r = await contain(c, a.world.noProfile);
    expect(proxy.counts().faults.resetAfter).to.equal(1);
    expect(r.status, r.error ?? JSON.stringify(r.steps.filter((s) => s.status !== "verified"))).to.equal(
      "contained",
    );
    expect(r.resumed).to.not.equal(true);
  });

  it("journal entries whose write landed before the reset: no 'lost the lock', the chain is whole", async () => {
    // Writes 2 and 3 carry the first step entries.
    const { proxy, clients: c } = await through({ TransactWriteItems: [null, "resetAfter", "resetAfter"] });
    const r = await contain(c, a.world.twoEni);
    expect(proxy.counts().faults.resetAfter).to.equal(2);
    expect(r.error).to.equal(undefined);
    expect(r.status).to.equal("contained");
    const found = await findCase(openJournals(a.clients, a.settings), r.caseId!);
    expect(verifyChain(found!.entries).ok).to.equal(true);
  });

  it("snapshots and the profile swap whose calls landed before the reset: one set, deny-all, no failed step", async () => {
    const { proxy, clients: c } = await through({
      CreateSnapshots: ["resetAfter"],
      ReplaceIamInstanceProfileAssociation: ["resetAfter"],
    });
    const r = await contain(c, a.world.solo);
    expect(proxy.counts().faults.resetAfter).to.equal(2);
    expect(r.status, JSON.stringify(r.steps.filter((s) => s.status !== "verified"))).to.equal("contained");
    const snaps = await a.clients.ec2.send(
      new DescribeSnapshotsCommand({ Filters: [{ Name: `tag:${TAG.caseId}`, Values: [r.caseId!] }] }),
    );
    const volumes = new Set(snaps.Snapshots!.map((s) => s.VolumeId));
    expect(snaps.Snapshots!.length, "one snapshot per volume").to.equal(volumes.size);
    const assoc = await a.clients.ec2.send(
      new DescribeIamInstanceProfileAssociationsCommand({
        Filters: [{ Name: "instance-id", Values: [a.world.solo] }],
      }),
    );
    const live = assoc.IamInstanceProfileAssociations!.filter((x) => x.State === "associated");
    expect(live.map((x) => x.IamInstanceProfile?.Arn?.split("/").pop())).to.deep.equal([
      a.settings.denyAllInstanceProfile,
    ]);
    const found = await findCase(openJournals(a.clients, a.settings), r.caseId!);
    const retried = found!.entries.filter((e) => e.event === "retrying").map((e) => e.stepId);
    expect(retried).to.include.members(["snapshot", "swap-profile"]);
  });
});
