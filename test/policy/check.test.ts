/**
 * policy:check, and the pack's property tests on whole programs:
 *  - every resource the baseline program (index.ts, Pulumi.prod.yaml) and the reference workload
 *    register passes the whole pack with no mandatory violation;
 *  - a deliberately misconfigured program trips every policy it is meant to.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { expect } from "chai";
import { type CheckOptions, check, DEFAULT_PROGRAM_DIR, exitCodeOf } from "../../policy/check/main";
import { renderJson, renderText, summarise } from "../../policy/check/report";
import { policies } from "../../policy/policies";

const FIXTURES = join(__dirname, "fixtures");
const mandatory = (r: Awaited<ReturnType<typeof check>>) =>
  r.diagnostics.filter((d) => d.level === "mandatory").map((d) => `${d.policy} on ${d.urn}: ${d.message}`);

async function quietly<T>(fn: () => Promise<T>): Promise<T> {
  const log = console.log;
  const warn = console.warn;
  const error = console.error;
  console.log = console.warn = console.error = () => {};
  try {
    return await fn();
  } finally {
    console.log = log;
    console.warn = warn;
    console.error = error;
  }
}
const run = (o: CheckOptions) => quietly(() => check(o));

describe("policy:check", function () {
  this.timeout(120_000);

  describe("GIVEN the deliberately misconfigured program", () => {
    let result: Awaited<ReturnType<typeof check>>;
    before(async () => {
      result = await run({ dir: join(FIXTURES, "misconfigured"), stack: "dev" });
    });

    it("trips every policy of the pack", () => {
      const tripped = new Set(result.diagnostics.map((d) => d.policy));
      const missing = policies.map((p) => p.name).filter((n) => !tripped.has(n));
      expect(missing).to.deep.equal([]);
    });

    it("reports them as mandatory (except the advisory-by-default policies) and exits 1", () => {
      const mandatoryPolicies = new Set(
        result.diagnostics.filter((d) => d.level === "mandatory").map((d) => d.policy),
      );
      expect([...mandatoryPolicies].sort()).to.deep.equal(
        policies
          .filter((p) => p.enforcementLevel === "mandatory")
          .map((p) => p.name)
          .sort(),
      );
      expect(exitCodeOf(result)).to.equal(1);
    });

    it("groups resources by their parent component", () => {
      const sg = result.run.resources.find((r) => r.name === "web-sg")!;
      const tier = result.run.resources.find((r) => r.name === "web" && r.type === "fixture:web:WebTier")!;
      expect(sg.parent).to.equal(tier.urn);
      const text = renderText(result, { color: false, onlyFindings: false });
      expect(text).to.include(
        'fixture:web:WebTier "web"\n  aws:ec2/defaultSecurityGroup:DefaultSecurityGroup "web-default-sg"',
      );
      expect(text).to.match(
        /✗ mandatory sg-admin-ports-open-to-world: ingress\[0\]\.cidrBlocks\[0\] allows tcp 22 from 0\.0\.0\.0\/0/,
      );
    });

    it("lists the invoke it could not answer and the secret it could not read, never faking a pass", () => {
      const s = summarise(result);
      expect(s.unanswered).to.deep.equal(["aws:ssm/getParameter:getParameter"]);
      expect(s.incomplete).to.equal(true);
      expect(result.run.secrets).to.deep.equal(["misconfigured:dbPassword"]);
      const text = renderText(result, { color: false, onlyFindings: true });
      expect(text)
        .to.include("INCOMPLETE: 1 invoke(s) could not be answered offline")
        .and.include("aws:ssm/getParameter:getParameter");
    });

    it("renders machine-readable JSON", () => {
      const json = JSON.parse(renderJson(result));
      expect(json.summary.mandatory).to.be.greaterThan(40);
      expect(json.resources.find((r: { name: string }) => r.name === "web-server").diagnostics).to.not.be
        .empty;
    });

    it("honours the policy pack config (levels and exemptions)", async () => {
      const relaxed = await run({
        dir: join(FIXTURES, "misconfigured"),
        stack: "dev",
        policyConfig: {
          "approved-ami": "disabled",
          "iam-no-access-keys": "advisory",
          "sg-admin-ports-open-to-world": { exemptions: [{ resourceName: "web-*", reason: "lab network" }] },
        },
      });
      const by = (p: string) => relaxed.diagnostics.filter((d) => d.policy === p);
      expect(by("approved-ami")).to.deep.equal([]);
      expect(by("iam-no-access-keys").map((d) => d.level)).to.deep.equal(["advisory"]);
      expect(
        by("sg-admin-ports-open-to-world").every(
          (d) => d.level === "advisory" && d.message.includes("lab network"),
        ),
      ).to.equal(true);
    });

    it("turns remediable findings into remediations at the remediate level", async () => {
      const fixed = await run({
        dir: join(FIXTURES, "misconfigured"),
        stack: "dev",
        policyConfig: { "kms-key-rotation": "remediate", "imdsv2-required": "remediate" },
      });
      expect(fixed.remediated.map((r) => r.policy).sort()).to.include.members([
        "kms-key-rotation",
        "imdsv2-required",
      ]);
      expect(fixed.diagnostics.filter((d) => d.policy === "kms-key-rotation")).to.deep.equal([]);
    });
  });

  describe("property: the project's own programs pass the whole pack", () => {
    it("the baseline (index.ts, Pulumi.prod.yaml) registers nothing with a mandatory violation", async function () {
      if (!existsSync(join(DEFAULT_PROGRAM_DIR, "index.ts"))) this.skip(); // only while the baseline is absent
      const result = await run({ stack: "prod" });
      expect(result.run.errors).to.deep.equal([]);
      expect(summarise(result).unanswered).to.deep.equal([]);
      expect(summarise(result).resources).to.be.greaterThan(50);
      expect(mandatory(result)).to.deep.equal([]);
    });

    it("the baseline in a single default region passes too", async () => {
      const result = await run({
        stack: "prod",
        overrides: {
          "aws:region": "us-east-1",
          "incident-ready:homeRegion": "us-east-1",
          "incident-ready:regions": "[]",
          "incident-ready:flowLogVpcIds": "[]",
          "incident-ready:protectedVpcIds": "[]",
        },
      });
      expect(result.run.errors).to.deep.equal([]);
      expect(mandatory(result)).to.deep.equal([]);
    });

    it("the reference workload (with its certificate) registers nothing with a mandatory violation", async () => {
      const result = await run({ dir: join(FIXTURES, "reference-workload"), stack: "test" });
      expect(result.run.errors).to.deep.equal([]);
      expect(summarise(result).resources).to.be.greaterThan(10);
      expect(mandatory(result)).to.deep.equal([]);
    });

    it("the reference workload without a certificate is reported for its plain-HTTP listener only", async () => {
      const result = await run({
        dir: join(FIXTURES, "reference-workload"),
        stack: "test",
        overrides: { "reference-workload:certificateArn": "" },
      });
      expect(
        new Set(result.diagnostics.filter((d) => d.level === "mandatory").map((d) => d.policy)),
      ).to.deep.equal(new Set(["elb-http-redirects-to-https"]));
    });
  });
});

describe("policy:check command line", function () {
  this.timeout(120_000);
  it("exits 1 with JSON on the misconfigured program, and 3 on a directory without Pulumi.yaml", () => {
    const { spawnSync } = require("node:child_process") as typeof import("node:child_process");
    const main = join(__dirname, "..", "..", "policy", "check", "main.ts");
    const tsNode = require.resolve("ts-node/dist/bin.js");
    const run = (...args: string[]) =>
      spawnSync(process.execPath, [tsNode, "--transpile-only", main, ...args], {
        encoding: "utf8",
        env: { ...process.env, NO_COLOR: "1" },
      });
    const bad = run(join(FIXTURES, "misconfigured"), "--stack", "dev", "--json");
    expect(bad.status, bad.stderr).to.equal(1);
    expect(JSON.parse(bad.stdout).summary.mandatory).to.be.greaterThan(40);
    const none = run(FIXTURES);
    expect(none.status).to.equal(3);
    expect(none.stderr).to.include("no Pulumi.yaml");
  });
});

describe("policy:check invoke answers", () => {
  it("renders aws.iam.getPolicyDocument the way AWS does, so IAM policies can judge it", () => {
    const { renderPolicyDocument } =
      require("../../policy/check/invokes") as typeof import("../../policy/check/invokes");
    const doc = JSON.parse(
      renderPolicyDocument({
        statements: [
          { sid: "All", effect: "Allow", actions: ["*"], resources: ["*"] },
          {
            effect: "Deny",
            principals: [{ type: "*", identifiers: ["*"] }],
            actions: ["s3:*"],
            resources: ["arn:aws:s3:::b", "arn:aws:s3:::b/*"],
            conditions: [{ test: "Bool", variable: "aws:SecureTransport", values: ["false"] }],
          },
        ],
      }),
    );
    expect(doc).to.deep.equal({
      Version: "2012-10-17",
      Statement: [
        { Sid: "All", Effect: "Allow", Action: "*", Resource: "*" },
        {
          Effect: "Deny",
          Principal: "*",
          Action: "s3:*",
          Resource: ["arn:aws:s3:::b", "arn:aws:s3:::b/*"],
          Condition: { Bool: { "aws:SecureTransport": "false" } },
        },
      ],
    });
  });
});
