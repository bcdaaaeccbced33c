/**
 * `ir verify` against moto: a freshly contained case verifies; then each kind of tampering an
 * Object-Lock bucket, EC2 and the journal allow is made, one after the other, and the report names
 * exactly the new problem (kind and key) while the exit code says "tampered" (10).
 */
import { UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import { DeleteSnapshotCommand, DescribeSnapshotsCommand } from "@aws-sdk/client-ec2";
import { DeleteObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { expect } from "chai";
import type { VerifyReport } from "../../automation/evidence/verify";
import type { CaseResult } from "../../automation/respond/respond";
import { evidenceBucketName, JOURNAL_KEYS } from "../../facts/names";
import { pointCliAt, runCli } from "../helpers/cli";
import { TEST_ACCOUNT, TEST_REGION } from "../helpers/moto";
import { type Account, setupAccount } from "../helpers/responder";
import { containTagged } from "../recover/fixtures";

type Doc = VerifyReport & { exitCode: number; error?: string };

const irVerify = (...args: string[]) => runCli<Doc>(["verify", ...args], {} as Doc);

describe("ir verify against moto (integration)", function () {
  this.timeout(120_000);
  let a: Account;
  let c: CaseResult;
  const bucket = evidenceBucketName(TEST_ACCOUNT, TEST_REGION);
  const key = (name: string) => `cases/${c.caseId}/${name}`;
  let restoreEnv = () => undefined as void;
  const kinds = (json: Doc) => json.problems.map((p) => `${p.kind} ${p.key}`);

  before(async () => {
    a = await setupAccount();
    c = await containTagged(a, a.world.solo);
    restoreEnv = pointCliAt(a);
  });
  after(() => {
    restoreEnv();
  });

  it("rejects a bad case id with exit 2 and a message naming the value", async () => {
    const r = await irVerify("c-nope", "--json");
    expect(r.code).to.equal(2);
    expect(r.json.error).to.match(/case id "c-nope" is not valid: expected c-<yyyymmdd>t<hhmmss>z-/);
  });

  it("an untouched case verifies: every artefact re-hashed, manifest locked, chain intact (exit 0)", async () => {
    const r = await irVerify(c.caseId!, "--json");
    expect(r.code, r.stdout).to.equal(0);
    expect(r.json).to.include({ ok: true, manifestKey: key("manifest.json") });
    expect(r.json.artefacts).to.be.greaterThan(5);
    expect(r.json.problems).to.deep.equal([]);
    expect(new Date(r.json.lockedUntil!).getTime()).to.be.greaterThan(Date.now() + 300 * 86_400_000);
    expect(r.json.chain.ok).to.equal(true);
  });

  it("an artefact overwritten by a new version of its key: artefact-version (exit 10)", async () => {
    await a.clients.s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: key("after/role.json"), Body: "{}" }),
    );
    const r = await irVerify(c.caseId!, "--json");
    expect(r.code).to.equal(10);
    expect(kinds(r.json)).to.deep.equal([`artefact-version ${key("after/role.json")}`]);
    expect(r.json.problems[0].detail).to.match(/was overwritten: its newest version is \S+, not the pinned/);
  });

  it("an artefact deleted (a delete marker over the locked version): artefact-missing", async () => {
    await a.clients.s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key("before/instance.json") }));
    const r = await irVerify(c.caseId!, "--json");
    expect(kinds(r.json)).to.deep.equal([
      `artefact-missing ${key("before/instance.json")}`,
      `artefact-version ${key("after/role.json")}`,
    ]);
    expect(r.json.problems[0].detail).to.match(
      /was deleted: a delete marker hides it \(version \S+ is still held/,
    );
  });

  it("the manifest overwritten: manifest-hash (readers of the key get other content)", async () => {
    await a.clients.s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: key("manifest.json"), Body: '{"artefacts":[]}' }),
    );
    const r = await irVerify(c.caseId!, "--json");
    expect(kinds(r.json)).to.include(`manifest-hash ${key("manifest.json")}`);
    expect(r.json.problems).to.have.length(3);
  });

  it("an evidence snapshot deleted: snapshot-missing", async () => {
    const snap = c.steps.find((s) => s.id === "snapshot");
    expect(snap?.status).to.equal("verified");
    const r0 = await irVerify(c.caseId!, "--json");
    const all = await a.clients.ec2.send(
      new DescribeSnapshotsCommand({ Filters: [{ Name: "tag:ir:case-id", Values: [c.caseId!] }] }),
    );
    const id = all.Snapshots![0]!.SnapshotId!;
    await a.clients.ec2.send(new DeleteSnapshotCommand({ SnapshotId: id }));
    const r = await irVerify(c.caseId!, "--json");
    expect(kinds(r.json)).to.deep.equal([...kinds(r0.json), `snapshot-missing ${id}`].sort());
  });

  it("a journal entry edited after it was written: journal-chain, and the text report names each problem", async () => {
    await a.clients.dynamodb.send(
      new UpdateItemCommand({
        TableName: a.settings.journalTable,
        Key: {
          [JOURNAL_KEYS.partition]: { S: `case#${c.caseId}` },
          [JOURNAL_KEYS.sort]: { S: "entry#00000003" },
        },
        UpdateExpression: "SET #e = :e",
        ExpressionAttributeNames: { "#e": "event" },
        ExpressionAttributeValues: { ":e": { S: "verified" } },
      }),
    );
    const r = await irVerify(c.caseId!, "--json");
    expect(r.json.chain.ok).to.equal(false);
    expect(r.json.problems.find((p) => p.kind === "journal-chain")?.detail).to.equal(
      "journal chain is broken: entry 3 was modified after it was written",
    );
    const text = await irVerify(c.caseId!);
    expect(text.code).to.equal(10);
    expect(text.stdout).to.match(/evidence DOES NOT VERIFY/);
    expect(text.stdout).to.match(/journal chain BROKEN/);
    for (const kind of [
      "artefact-missing",
      "artefact-version",
      "manifest-hash",
      "snapshot-missing",
      "journal-chain",
    ])
      expect(text.stdout).to.include(kind);
  });
});
