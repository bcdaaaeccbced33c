/**
 * The bad-input corpus (bad-input-corpus.ts), one test per row: every CLI case exits with its code and
 * its specific error, and leaves the emulated account exactly as it was (describe-everything snapshot);
 * every baseline and policy-pack config case fails with its specific error. Then hostile strings (HTML,
 * ANSI escapes, newlines, 100 KB values) from tags and findings: the terminal output of `ir respond` and
 * `ir status` holds no control characters and stays bounded.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ScanCommand } from "@aws-sdk/client-dynamodb";
import { CreateTagsCommand, DescribeSnapshotsCommand } from "@aws-sdk/client-ec2";
import { expect } from "chai";
import { ConfigError, readConfig } from "../../config/read";
import { pointCliAt, runCli } from "../helpers/cli";
import { TEST_REGION } from "../helpers/moto";
import { type Account, describeAccount, setupAccount } from "../helpers/responder";
import { check } from "../policy/harness";
import { BASELINE_CASES, type CaseContext, CLI_CASES, POLICY_CASES } from "./bad-input-corpus";

interface Out {
  code: number;
  stdout: string;
  stderr: string;
}

/** `ir` in-process (runCli) with `env` set for this call only. */
async function ir(args: string[], env: Record<string, string> = {}): Promise<Out> {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  try {
    const { code, stdout, stderr } = await runCli(args);
    return { code, stdout, stderr };
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

/**
 * What a bad input that got as far as acting would have changed first, read cheaply after every case:
 * every run that acts opens a case (journal table or local state) before its first change, and the
 * snapshot is its first change. The full describe-everything comparison runs once after all cases.
 */
async function fingerprint(a: Account) {
  const [journal, snapshots] = await Promise.all([
    a.clients.dynamodb
      .send(new ScanCommand({ TableName: a.settings.journalTable }))
      .then((r) => r.Items ?? [])
      .catch((err) => `no table: ${(err as Error).name}`),
    a.clients.ec2.send(new DescribeSnapshotsCommand({ OwnerIds: ["self"] })).then((r) => r.Snapshots),
  ]);
  const local = await readdir(a.stateDir, { recursive: true }).catch(() => []);
  return { journal, snapshots, local };
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: finding them is the point
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;

describe("bad-input corpus (integration)", function () {
  this.timeout(120_000);
  let a: Account;
  let dir: string;
  let untouched: string;
  let untouchedPrint: string;
  let restoreEnv: () => void;
  before(async () => {
    a = await setupAccount();
    dir = mkdtempSync(join(tmpdir(), "ir-corpus-"));
    restoreEnv = pointCliAt(a);
    untouched = JSON.stringify(await describeAccount(a));
    untouchedPrint = JSON.stringify(await fingerprint(a));
  });
  after(() => restoreEnv?.());

  it("holds at least 40 new cases", () => {
    expect(CLI_CASES.length + BASELINE_CASES.length + POLICY_CASES.length).to.be.at.least(40);
  });

  for (const [i, c] of CLI_CASES.entries()) {
    const title = `cli ${i + 1}: ${c.name} exits ${c.code} with a specific error and changes nothing`;
    if (c.knownBug) {
      it.skip(`${title} (KNOWN BUG: ${c.knownBug})`);
      continue;
    }
    it(title, async () => {
      const ctx: CaseContext = {
        file: (name) => join(dir, name),
        dir,
        instance: a.world.asgInstances[0]!,
      };
      for (const [name, content] of Object.entries(c.files ?? {}))
        writeFileSync(join(dir, name), typeof content === "function" ? content() : content);
      const r = await ir(c.argv(ctx), c.env);
      const said = `${r.stderr}\n${r.stdout}`;
      expect(said, "error text").to.include(c.error);
      expect(r.code, said.slice(0, 500)).to.equal(c.code);
      expect(said.length, "bounded output").to.be.below(5000);
      expect(CONTROL.test(said.replace(/\n/g, "")), "no control characters").to.equal(false);
      expect(JSON.stringify(await fingerprint(a)), "the account changed").to.equal(untouchedPrint);
    });
  }

  it("after every CLI case, the whole account described is exactly as before", async () => {
    expect(JSON.stringify(await describeAccount(a))).to.equal(untouched);
  });

  for (const [i, c] of BASELINE_CASES.entries()) {
    it(`baseline ${i + 1}: ${c.name} is refused naming the key, the value and what is allowed`, () => {
      let error: unknown;
      try {
        readConfig((key) => c.values[key]);
      } catch (e) {
        error = e;
      }
      expect(error).to.be.instanceOf(ConfigError);
      expect((error as ConfigError).problems.join("\n")).to.include(c.error);
    });
  }

  for (const [i, c] of POLICY_CASES.entries()) {
    it(`policy ${i + 1}: ${c.name} is refused naming the policy, the setting and what is allowed`, async () => {
      let message = "no error";
      try {
        await check(c.policy, c.type, {}, c.config);
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message).to.include(`policy "${c.policy}": config`);
      expect(message).to.include(c.error);
    });
  }
});

describe("hostile strings reach the terminal safely (integration)", function () {
  this.timeout(120_000);
  let a: Account;
  let restoreEnv: () => void;
  const HOSTILE = `<script>alert(1)</script>\u001b[2J\u001b]0;owned\u0007\r\nline two\u0000${"A".repeat(100_000)}`;
  before(async () => {
    a = await setupAccount();
    restoreEnv = pointCliAt(a);
  });
  after(() => restoreEnv?.());

  const assertSafe = (r: Out, what: string) => {
    const all = `${r.stdout}\n${r.stderr}`;
    expect(CONTROL.test(all.replace(/\n/g, "")), `${what}: control characters`).to.equal(false);
    expect(all, what).to.not.include("\u001b");
    for (const line of all.split("\n"))
      expect(line.length, `${what}: a line of ${line.length}`).to.be.below(2100);
    expect(all.length, `${what}: total`).to.be.below(40_000);
  };

  it("a tagged instance contained from a finding with a hostile description: respond and status stay clean", async () => {
    const instanceId = a.world.solo;
    await a.clients.ec2.send(
      new CreateTagsCommand({
        Resources: [instanceId],
        Tags: [
          { Key: "Name", Value: HOSTILE.slice(0, 255) },
          { Key: "owner", Value: "\u001b[31mred\u001b[0m\nnext" },
        ],
      }),
    );
    const file = join(mkdtempSync(join(tmpdir(), "ir-hostile-")), "finding.json");
    writeFileSync(
      file,
      JSON.stringify({
        schemaVersion: "2.0",
        id: HOSTILE.slice(0, 2000),
        type: "Trojan:EC2/DNSDataExfiltration",
        region: TEST_REGION,
        title: HOSTILE,
        description: HOSTILE,
        resource: {
          resourceType: "Instance",
          instanceDetails: { instanceId, tags: [{ key: "Name", value: HOSTILE }] },
        },
      }),
    );
    const r = await ir(["respond", file, "--yes", "--dwell-seconds", "0"]);
    assertSafe(r, "respond");
    expect(r.stdout).to.match(/case c-\S+ instance i-\S+ \(us-east-1\): contained/);
    const caseId = /case (c-\S+)/.exec(r.stdout)![1]!;
    assertSafe(await ir(["status", caseId]), "status");
    assertSafe(await ir(["status", caseId, "--json"]), "status --json");
  });

  it("a finding whose id is hostile and names no instance: the error is stripped and bounded", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "ir-hostile-")), "finding.json");
    writeFileSync(
      file,
      JSON.stringify({
        schemaVersion: "2.0",
        id: HOSTILE,
        type: "x",
        resource: { resourceType: "S3Bucket" },
      }),
    );
    const r = await ir(["respond", file, "--yes"]);
    expect(r.code).to.equal(2);
    assertSafe(r, "respond error");
    expect(r.stderr).to.include("<script>alert(1)</script>");
    // --json is for machines: one parseable document, every control character escaped by JSON.
    const j = await ir(["respond", file, "--yes", "--json"]);
    expect(j.code).to.equal(2);
    expect(CONTROL.test(j.stdout.replace(/\n/g, ""))).to.equal(false);
    expect(JSON.parse(j.stdout).error).to.include("<script>");
    expect(j.stdout.length, "--json error bounded").to.be.below(5000);
    expect(JSON.parse(j.stdout).error).to.match(/more characters\)/);
  });
});
