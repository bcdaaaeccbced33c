/**
 * The baseline program with automatic containment: nothing of it when autoContain is off (the
 * default); in contain mode (approve differs only in the mode variable: see
 * test/components/auto-containment.test.ts), one function in the home region wired to the responder role,
 * the alert topic and the configured threshold. The program bundles the handler itself (no pre-built
 * file): the code asset is an archive holding index.js.
 */
import { readFileSync } from "node:fs";
import type * as pulumi from "@pulumi/pulumi";
import { expect } from "chai";
import { autoContainmentCode } from "../../components/auto-containment";
import { loadProgram, toConfigMap } from "../helpers/program";
import { ofType } from "../helpers/pulumi-mocks";

const config = (values: Record<string, unknown>) =>
  toConfigMap(
    Object.fromEntries(
      Object.entries(values).map(([k, v]) => [k.includes(":") ? k : `incident-ready:${k}`, v]),
    ),
  );

describe("baseline program: automatic containment", function () {
  // The first program run with auto-containment bundles the handler with esbuild (seconds).
  this.timeout(120_000);

  it("GIVEN autoContain off (the default) THEN no function, rule or permission is declared", async () => {
    const p = await loadProgram(config({ "aws:region": "us-east-1" }));
    expect(ofType(p.resources, "incident-ready:response:AutoContainment")).to.have.length(0);
    expect(ofType(p.resources, "aws:lambda/function:Function")).to.have.length(0);
  });

  it("GIVEN autoContain contain and a threshold of 8 THEN the function contains, as the responder role, in the home region", async () => {
    const p = await loadProgram(
      config({
        "aws:region": "eu-west-1",
        homeRegion: "eu-west-1",
        regions: ["eu-west-1", "eu-north-1"],
        autoContain: "contain",
        autoContainMinSeverity: "8",
        logRetentionDays: 90,
      }),
    );
    const [fn] = ofType(p.resources, "aws:lambda/function:Function");
    expect(fn, "the function").to.not.equal(undefined);
    expect(p.regionOf(fn!)).to.equal("eu-west-1");
    expect(fn!.inputs.role).to.equal("arn:aws:iam::111122223333:role/ir-responder");
    expect(fn!.inputs.environment.variables).to.include({
      IR_AUTO_CONTAIN_MODE: "contain",
      IR_AUTO_CONTAIN_MIN_SEVERITY: "8",
      IR_AUTO_CONTAIN_MEMORY: "off",
    });
    expect(fn!.inputs.environment.variables.IR_ALERT_TOPIC_ARN).to.equal(
      "arn:aws:sns:eu-west-1:111122223333:alerting",
    );
    expect(fn!.inputs.kmsKeyArn).to.match(/:alerts$/);
    // The archive the program handed over (mocks serialize assets without their contents): index.js, bundled.
    const assets = await (autoContainmentCode() as pulumi.asset.AssetArchive).assets;
    expect(Object.keys(assets)).to.deep.equal(["index.js"]);
    const bundle = readFileSync(await (assets["index.js"] as pulumi.asset.FileAsset).path, "utf8");
    expect(bundle).to.include("approve mode needs an alert topic");
    const group = ofType(p.resources, "aws:cloudwatch/logGroup:LogGroup").find(
      (g) => g.inputs.name === "/aws/lambda/ir-auto-contain",
    );
    expect(group?.inputs.retentionInDays).to.equal(90);
    expect(group?.inputs.kmsKeyId).to.match(/:audit$/);
    const rule = ofType(p.resources, "aws:cloudwatch/eventRule:EventRule").find(
      (r) => r.inputs.name === "ir-auto-contain",
    );
    expect(JSON.parse(rule!.inputs.eventPattern).detail.severity).to.deep.equal([{ numeric: [">=", 8] }]);
    expect(p.regionOf(rule!)).to.equal("eu-west-1");
  });
});
