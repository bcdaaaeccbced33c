import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { resolveSettings } from "../../automation/settings/settings";

const dir = mkdtempSync(join(tmpdir(), "ir-settings-"));
const config = (body: unknown) => {
  const p = join(dir, `c${Math.random()}.json`);
  writeFileSync(p, typeof body === "string" ? body : JSON.stringify(body));
  return p;
};

describe("settings: flags > IR_* env > config file > defaults", () => {
  const file = config({
    region: "eu-west-1",
    evidenceBucket: "from-file",
    journalTable: "t-file",
    isolationGroups: {},
  });

  it("takes the config file over defaults", () => {
    const s = resolveSettings({ config: file }, {});
    expect(s).to.deep.include({ region: "eu-west-1", evidenceBucket: "from-file", journalTable: "t-file" });
    expect(s.sources).to.deep.include({ evidenceBucket: "config", journalTable: "config" });
  });
  it("takes the environment over the file, and flags over both", () => {
    const env = { IR_EVIDENCE_BUCKET: "from-env", IR_JOURNAL_TABLE: "t-env", AWS_REGION: "us-west-2" };
    const s = resolveSettings({ config: file, journalTable: "t-flag" }, env);
    expect(s).to.deep.include({ evidenceBucket: "from-env", journalTable: "t-flag", region: "us-west-2" });
    expect(s.sources).to.deep.include({ evidenceBucket: "env", journalTable: "flag" });
    expect(resolveSettings({ config: file, region: "ap-south-1" }, env).region).to.equal("ap-south-1");
  });
  it("defaults to the shared names", () => {
    const s = resolveSettings({}, {});
    expect(s).to.deep.include({
      journalTable: "ir-case-journal",
      denyAllInstanceProfile: "ir-deny-all",
      region: "us-east-1",
      retentionDays: 365,
    });
    expect(s.evidenceBucket).to.equal(undefined);
  });
  it("refuses a malformed region, config file or group id, naming the value", () => {
    expect(() => resolveSettings({ region: "useast1" }, {})).to.throw('region "useast1" is not valid');
    expect(() => resolveSettings({ config: config("{oops") }, {})).to.throw(
      /is not valid JSON: write it with `pulumi stack output responderSettings --json/,
    );
    expect(() => resolveSettings({ config: config({ evidenceBucket: 3 }) }, {})).to.throw(
      '"evidenceBucket" must be a string, got 3',
    );
    expect(() =>
      resolveSettings(
        { config: config({ isolationGroups: { "vpc-1": { untrack: "x", isolation: "sg-12345678" } } }) },
        {},
      ),
    ).to.throw('isolationGroups["vpc-1"].untrack must be a security group id');
    expect(() => resolveSettings({ config: join(dir, "missing.json") }, {})).to.throw(
      /cannot be read \(ENOENT\)/,
    );
    expect(() => resolveSettings({}, { IR_LEASE_SECONDS: "-1" })).to.throw(
      'IR_LEASE_SECONDS "-1" is not valid',
    );
  });
  it("takes the role writer from the baseline's settings or IR_ROLE_WRITER_FUNCTION; refuses a name Lambda would not take", () => {
    expect(resolveSettings({}, {}).roleWriterFunction).to.equal(undefined);
    const fromFile = resolveSettings({ config: config({ roleWriterFunction: "ir-role-writer" }) }, {});
    expect(fromFile.roleWriterFunction).to.equal("ir-role-writer");
    expect(fromFile.sources.roleWriterFunction).to.equal("config");
    const arn = "arn:aws:lambda:eu-west-1:123456789012:function:ir-role-writer";
    expect(resolveSettings({}, { IR_ROLE_WRITER_FUNCTION: arn }).roleWriterFunction).to.equal(arn);
    expect(() => resolveSettings({}, { IR_ROLE_WRITER_FUNCTION: "ir role writer" })).to.throw(
      'role writer function "ir role writer" is not a Lambda function name or ARN',
    );
  });
});
