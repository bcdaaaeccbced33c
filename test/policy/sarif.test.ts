/**
 * policy:check --format sarif: the misconfigured program's findings as SARIF 2.1.0, validated against
 * the official schema (vendored in test/fixtures/sarif, source in its README), with rule ids, levels,
 * the resource's URN and the program line that declares it. The JSON output keeps its shape.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import Ajv2020 from "ajv/dist/2020";
import addFormats from "ajv-formats";
import { expect } from "chai";
import type { Log } from "sarif";
import { check } from "../../policy/check/main";
import { renderJson, summarise } from "../../policy/check/report";
import { renderSarif } from "../../policy/check/sarif";
import { policies } from "../../policy/policies";

const REPO = join(__dirname, "..", "..");
const FIXTURE = join(__dirname, "fixtures", "misconfigured");
const SCHEMA = JSON.parse(
  readFileSync(join(REPO, "test", "fixtures", "sarif", "sarif-schema-2.1.0.json"), "utf8"),
);

function validator() {
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  addFormats(ajv);
  return ajv.compile(SCHEMA);
}

async function quietly<T>(fn: () => Promise<T>): Promise<T> {
  const { log, warn, error } = console;
  console.log = console.warn = console.error = () => {};
  try {
    return await fn();
  } finally {
    Object.assign(console, { log, warn, error });
  }
}

describe("policy:check --format sarif", function () {
  this.timeout(120_000);
  let result: Awaited<ReturnType<typeof check>>;
  let log: Log;
  before(async () => {
    result = await quietly(() => check({ dir: FIXTURE, stack: "dev" }));
    log = JSON.parse(JSON.stringify(renderSarif(result)));
  });

  it("GIVEN the misconfigured program THEN its SARIF validates against the SARIF 2.1.0 schema", () => {
    const validate = validator();
    const ok = validate(log);
    expect(validate.errors ?? [], JSON.stringify(validate.errors?.slice(0, 5), null, 2)).to.deep.equal([]);
    expect(ok).to.equal(true);
    expect(log.version).to.equal("2.1.0");
    expect(log.runs).to.have.length(1);
  });

  it("the schema check is live: an invalid level or a missing message is rejected", () => {
    const validate = validator();
    const broken = JSON.parse(JSON.stringify(log)) as Log;
    (broken.runs[0].results![0] as { level: string }).level = "fatal";
    expect(validate(broken)).to.equal(false);
    const noMessage = JSON.parse(JSON.stringify(log));
    delete noMessage.runs[0].results[0].message;
    expect(validate(noMessage)).to.equal(false);
  });

  it("describes every policy as a rule with its description, remediation and severity", () => {
    const rules = log.runs[0].tool.driver.rules!;
    expect(rules.map((r) => r.id).sort()).to.deep.equal(policies.map((p) => p.name).sort());
    const admin = rules.find((r) => r.id === "sg-admin-ports-open-to-world")!;
    expect(admin.fullDescription!.text).to.match(/remote administration ports/);
    expect(admin.help!.text.length).to.be.greaterThan(20);
    expect(admin.properties).to.include({ severity: "critical", "security-severity": "9.5" });
    expect(admin.defaultConfiguration).to.deep.equal({ enabled: true, level: "error" });
  });

  it("gives one result per diagnostic, with the rule id, its index and the level (mandatory → error)", () => {
    const results = log.runs[0].results!;
    const rules = log.runs[0].tool.driver.rules!;
    expect(results).to.have.length(result.diagnostics.length);
    for (const r of results) expect(rules[r.ruleIndex!].id).to.equal(r.ruleId);
    expect(new Set(results.map((r) => r.ruleId))).to.deep.equal(new Set(policies.map((p) => p.name)));
    expect(results.filter((r) => r.level === "error")).to.have.length(summarise(result).mandatory);
    // exemption-tags-valid runs at advisory level: its findings are warnings, not errors.
    const advisory = results.filter((r) => r.ruleId === "exemption-tags-valid");
    expect(advisory).to.not.be.empty;
    expect(advisory.every((r) => r.level === "warning")).to.equal(true);
  });

  it("locates a finding at the resource's URN and the program line that declares it", () => {
    const server = result.run.resources.find((r) => r.name === "web-server")!;
    const finding = log.runs[0].results!.find(
      (r) => r.ruleId === "imdsv2-required" && r.locations![0].logicalLocations![0].name === "web-server",
    )!;
    const loc = finding.locations![0];
    expect(loc.logicalLocations![0]).to.deep.equal({
      fullyQualifiedName: server.urn,
      name: "web-server",
      kind: "resource",
    });
    const lines = readFileSync(join(FIXTURE, "index.ts"), "utf8").split("\n");
    const declared = lines.findIndex((l) => l.includes("new aws.ec2.Instance(")) + 1;
    expect(loc.physicalLocation).to.deep.include({
      artifactLocation: { uri: "test/policy/fixtures/misconfigured/index.ts", uriBaseId: "%SRCROOT%" },
    });
    expect(loc.physicalLocation!.region!.startLine).to.equal(declared);
  });

  it("reports the unanswered invoke and the unreadable secret as tool notifications", () => {
    const inv = log.runs[0].invocations![0];
    expect(inv.executionSuccessful).to.equal(false);
    const texts = (inv.toolExecutionNotifications ?? []).map((n) => n.message.text);
    expect(texts.join("\n"))
      .to.include("aws:ssm/getParameter:getParameter")
      .and.include("misconfigured:dbPassword");
  });

  it("keeps the JSON output's shape (no new or missing keys)", () => {
    const json = JSON.parse(renderJson(result));
    expect(Object.keys(json)).to.deep.equal([
      "project",
      "stack",
      "summary",
      "resources",
      "stackDiagnostics",
      "invokes",
      "secrets",
      "errors",
    ]);
    expect(Object.keys(json.summary)).to.deep.equal([
      "resources",
      "components",
      "mandatory",
      "advisory",
      "unanswered",
      "incomplete",
    ]);
    for (const r of json.resources)
      expect(Object.keys(r).filter((k) => r[k] !== undefined)).to.deep.equal(
        ["type", "name", "urn", "component", "parent", "diagnostics"].filter((k) => r[k] !== undefined),
      );
    expect(JSON.stringify(json)).to.not.include('"source"');
  });

  it("on the command line: --format sarif prints valid SARIF and exits 1; an unknown format exits 3", () => {
    const main = join(REPO, "policy", "check", "main.ts");
    const tsNode = require.resolve("ts-node/dist/bin.js");
    const run = (...args: string[]) =>
      spawnSync(process.execPath, [tsNode, "--transpile-only", main, ...args], {
        encoding: "utf8",
        env: { ...process.env, NO_COLOR: "1" },
        maxBuffer: 64 * 1024 * 1024,
      });
    const out = run(FIXTURE, "--stack", "dev", "--format", "sarif");
    expect(out.status, out.stderr).to.equal(1);
    const validate = validator();
    expect(validate(JSON.parse(out.stdout)), JSON.stringify(validate.errors?.slice(0, 3))).to.equal(true);
    const bad = run(FIXTURE, "--stack", "dev", "--format", "xml");
    expect(bad.status).to.equal(3);
    expect(bad.stderr).to.include("--format");
    // Two runs of the checker in child processes: seconds each, a minute or more on a loaded machine.
  }).timeout(300_000);
});
