/**
 * Two responders on one instance at once: exactly one acts, the other reports the running case.
 * A responder killed (SIGKILL) mid-case: a rerun takes the case over once the lease lapses and completes
 * it, with no duplicate snapshots, groups or policies and an intact hash chain.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { QueryCommand } from "@aws-sdk/client-dynamodb";
import { DescribeSecurityGroupsCommand, DescribeSnapshotsCommand } from "@aws-sdk/client-ec2";
import { ListRolePoliciesCommand } from "@aws-sdk/client-iam";
import { expect } from "chai";
import { respond } from "../../automation/respond/respond";
import { caseStatus } from "../../automation/respond/status";
import { TAG } from "../../facts/tags";
import { responderEnv, TEST_REGION } from "../helpers/moto";
import { type Account, setupAccount } from "../helpers/responder";
import { KILL_SETTLE_MS } from "../reliability/crash-target";

const ROOT = join(__dirname, "..", "..");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Starts `ir respond` in a child process against the test moto. */
function startCli(a: Account, instanceId: string, extra: string[] = []): ChildProcess {
  return spawn(
    process.execPath,
    [join(ROOT, "bin", "ir.js"), "respond", instanceId, "--yes", "--json", ...extra],
    {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
      env: {
        ...process.env,
        AWS_ENDPOINT_URL: a.endpoint,
        AWS_REGION: TEST_REGION,
        ...responderEnv(a.responderCredentials),
        IR_STATE_DIR: a.stateDir,
        IR_ROLE_WRITER_FUNCTION: a.settings.roleWriterFunction ?? "",
        IR_MAX_ATTEMPTS: "1",
        IR_LEASE_SECONDS: "2",
      },
    },
  );
}

/** Waits until the instance's case journal holds an entry matching `pred`; returns the case id. */
async function waitForEntry(
  a: Account,
  instanceId: string,
  pred: (step: string, event: string) => boolean,
): Promise<string> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const lock = await a.clients.dynamodb.send(
      new QueryCommand({
        TableName: a.settings.journalTable,
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: { ":pk": { S: `instance#${instanceId}` } },
      }),
    );
    const caseId = lock.Items?.find((i) => i.sk?.S === "lock")?.caseId?.S;
    if (caseId) {
      const entries = await a.clients.dynamodb.send(
        new QueryCommand({
          TableName: a.settings.journalTable,
          KeyConditionExpression: "pk = :pk",
          ExpressionAttributeValues: { ":pk": { S: `case#${caseId}` } },
        }),
      );
      if ((entries.Items ?? []).some((i) => i.stepId && pred(i.stepId.S!, i.event!.S!))) return caseId;
    }
    await sleep(50);
  }
  throw new Error("the journal entry never appeared");
}

async function assertNoDuplicates(a: Account, caseId: string, volumes: number) {
  const snaps = await a.clients.ec2.send(
    new DescribeSnapshotsCommand({ Filters: [{ Name: `tag:${TAG.caseId}`, Values: [caseId] }] }),
  );
  expect(snaps.Snapshots!.length, "snapshots").to.equal(volumes);
  const groups = await a.clients.ec2.send(
    new DescribeSecurityGroupsCommand({ Filters: [{ Name: "vpc-id", Values: [a.world.vpcId] }] }),
  );
  const ir = groups.SecurityGroups!.filter((g) => g.GroupName!.startsWith("ir-"));
  expect(ir.length, "isolation groups").to.equal(3);
  const policies = (await a.clients.iam.send(new ListRolePoliciesCommand({ RoleName: a.world.roleName })))
    .PolicyNames!;
  expect(policies.filter((p) => p.includes(caseId)).length, "deny policies").to.equal(1);
}

describe("concurrency and crash recovery against moto (integration)", function () {
  this.timeout(180_000);
  let a: Account;
  before(async () => {
    a = await setupAccount();
    a.settings.leaseMs = 2000;
  });

  it("two respond runs on one instance at once: exactly one acts, the other reports its case", async () => {
    const target = [{ instanceId: a.world.asgInstances[1]!, source: { kind: "argument" as const } }];
    const [[r1], [r2]] = await Promise.all([
      respond({ targets: target, settings: a.settings, clients: a.responder, options: { dwellMs: 200 } }),
      respond({ targets: target, settings: a.settings, clients: a.responder, options: { dwellMs: 200 } }),
    ]);
    const statuses = [r1!.status, r2!.status].sort();
    expect(statuses).to.deep.equal(["busy", "contained"]);
    const busy = r1!.status === "busy" ? r1! : r2!;
    const acted = r1!.status === "busy" ? r2! : r1!;
    expect(busy.caseId).to.equal(acted.caseId);
    expect(busy.error).to.match(/is being handled by case c-.* follow it with `ir status/);
    expect(busy.steps).to.deep.equal([]);
    await assertNoDuplicates(a, acted.caseId!, 1);
  });

  for (const point of [
    {
      name: "mid-step, while the snapshot is being taken",
      pred: (s: string) => s === "snapshot",
      instance: 0,
    },
    {
      name: "between steps, during the untrack dwell",
      pred: (s: string, e: string) => s === "untrack" && e === "ran",
      instance: 2,
    },
  ]) {
    it(`SIGKILL ${point.name}: a rerun completes the same case without duplicates`, async () => {
      const instanceId = point.instance === 0 ? a.world.twoEni : a.world.asgInstances[point.instance]!;
      const child = startCli(a, instanceId, ["--dwell-seconds", "3"]);
      const exited = new Promise((r) => child.once("exit", r));
      const caseId = await waitForEntry(a, instanceId, point.pred);
      child.kill("SIGKILL");
      await exited;
      // moto may still be executing what the child sent; a busy rerun's failed transaction would restore
      // a table copy taken before it (a moto artefact: DynamoDB isolates transactions), erasing it.
      await sleep(KILL_SETTLE_MS);
      // A rerun before the lease lapses reports the case as running...
      const [early] = await respond({
        targets: [{ instanceId, source: { kind: "argument" } }],
        settings: a.settings,
        clients: a.responder,
      });
      expect(early!.status).to.equal("busy");
      await sleep(2100);
      // ...after it, the rerun resumes the case and finishes it.
      const [r] = await respond({
        targets: [{ instanceId, source: { kind: "argument" } }],
        settings: a.settings,
        clients: a.responder,
        options: { dwellMs: 100 },
      });
      expect(r!.caseId).to.equal(caseId);
      expect(r!.resumed).to.equal(true);
      expect(r!.status, JSON.stringify(r!.steps.filter((s) => s.status !== "verified"))).to.equal(
        "contained",
      );
      await assertNoDuplicates(a, caseId, 1);
      const s = await caseStatus({ ref: caseId, settings: a.settings, clients: a.responder });
      expect(s.chain.ok, s.chain.problem).to.equal(true);
    });
  }
});
