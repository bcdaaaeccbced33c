/**
 * The esbuild bundle of the handler is complete: built into a temporary directory, loaded by plain
 * `require` (no ts-node, no node_modules lookup needed for what it bundled) and invoked once in contain
 * mode against moto, the way the Lambda runtime calls `index.handler`.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DescribeNetworkInterfacesCommand } from "@aws-sdk/client-ec2";
import { expect } from "chai";
import type { AutoContainResult } from "../../automation/lambda/handler";
import { bundleAutoContainment } from "../../scripts/bundle-lambda";
import { TEST_REGION } from "../helpers/moto";
import { type Account, setupAccount } from "../helpers/responder";
import { guardDutyEvent } from "./events";

describe("auto-containment bundle (esbuild)", function () {
  this.timeout(180_000);
  let dir: string;
  let bundle: ReturnType<typeof bundleAutoContainment>;
  let a: Account;
  const saved: Record<string, string | undefined> = {};
  const setEnv = (vars: Record<string, string>) => {
    for (const [k, v] of Object.entries(vars)) {
      saved[k] = process.env[k];
      process.env[k] = v;
    }
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "ir-bundle-"));
    bundle = bundleAutoContainment(dir);
    a = await setupAccount();
  });

  after(() => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it("bundles the engine and the AWS SDK into one index.js", () => {
    expect(bundle.outfile).to.equal(join(dir, "index.js"));
    expect(bundle.inputs).to.include("automation/lambda/handler.ts");
    expect(bundle.inputs).to.include("automation/respond/respond.ts");
    expect(bundle.inputs.some((f) => f.startsWith("node_modules/@aws-sdk/client-ec2/"))).to.equal(true);
    // Far below Lambda's 50 MB zipped / 250 MB unzipped limits.
    expect(bundle.bytes).to.be.within(100_000, 20 * 1024 * 1024);
  });

  it("the bundled handler contains an instance when Lambda invokes it", async () => {
    setEnv({
      AWS_REGION: TEST_REGION,
      AWS_ENDPOINT_URL: a.endpoint,
      IR_AUTO_CONTAIN_MODE: "contain",
      IR_STATE_DIR: a.stateDir,
      IR_MAX_ATTEMPTS: "1",
    });
    const mod = require(bundle.outfile) as {
      handler: (event: unknown, context: unknown) => Promise<AutoContainResult>;
    };
    const id = a.world.solo;
    // Lambda sends stdout to CloudWatch Logs: capture it to check the structured log lines.
    const lines: string[] = [];
    const write = process.stdout.write;
    process.stdout.write = ((chunk: string) => {
      lines.push(...String(chunk).split("\n").filter(Boolean));
      return true;
    }) as typeof process.stdout.write;
    let result: AutoContainResult;
    try {
      result = await mod.handler(guardDutyEvent(id), {
        awsRequestId: "bundle-test",
        getRemainingTimeInMillis: () => 900_000,
      });
    } finally {
      process.stdout.write = write;
    }
    const logs = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(logs.every((l) => l.requestId === "bundle-test" && l.mode === "contain")).to.equal(true);
    expect(logs.filter((l) => l.message === "step finished" && l.stepId === "isolate")).to.have.length(1);
    expect(logs.find((l) => l.message === "case finished")?.status).to.equal("contained");
    expect(logs.at(-1)).to.include({ message: "invocation finished", outcome: "responded" });
    expect(result.outcome).to.equal("responded");
    expect(
      result.cases.map((c) => c.status),
      JSON.stringify(result.cases),
    ).to.deep.equal(["contained"]);
    const enis = await a.clients.ec2.send(
      new DescribeNetworkInterfacesCommand({ Filters: [{ Name: "attachment.instance-id", Values: [id] }] }),
    );
    const groups = enis.NetworkInterfaces!.flatMap((n) => n.Groups!.map((g) => g.GroupName));
    expect(groups).to.deep.equal([`ir-isolation-${a.world.vpcId}`]);
  });
});
