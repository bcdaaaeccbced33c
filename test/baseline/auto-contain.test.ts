/**
 * The baseline program with automatic containment: nothing of it when autoContain is off (the
 * default); in contain mode (approve differs only in the mode variable: see
 * test/components/auto-containment.test.ts), one function in the home region wired to the responder role,
 * the alert topic and the configured threshold. The program bundles the handler itself (no pre-built
 * file): the code asset is an archive holding index.js. The rule the program declares is deployed in the
 * emulator and real-format findings are put on its bus: every finding naming an instance reaches the
 * function (the game day's credential exfiltration included), an IAM user's key does not.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type * as pulumi from "@pulumi/pulumi";
import { expect } from "chai";
import { DeployedRule } from "../../automation/gameday/finding-delivery";
import { guardDutyEvent as gamedayEvent, type Victim } from "../../automation/gameday/findings";
import { SCENARIO_IDS, SCENARIOS } from "../../automation/gameday/scenarios";
import { autoContainmentCode } from "../../components/auto-containment";
import { motoClients, useMoto } from "../helpers/moto";
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
    // The role writer is the program's only function then.
    expect(ofType(p.resources, "aws:lambda/function:Function").map((f) => f.inputs.name)).to.deep.equal([
      "ir-role-writer",
    ]);
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
    const fn = ofType(p.resources, "aws:lambda/function:Function").find(
      (f) => f.inputs.name === "ir-auto-contain",
    );
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

  it("GIVEN autoContain approve THEN the declared rule delivers every finding naming an instance, and no IAM user's key", async () => {
    const p = await loadProgram(config({ "aws:region": "us-east-1", autoContain: "approve" }));
    const rule = ofType(p.resources, "aws:cloudwatch/eventRule:EventRule").find(
      (r) => r.inputs.name === "ir-auto-contain",
    );
    expect(rule, "the auto-containment rule").to.not.equal(undefined);
    const deployed = await DeployedRule.deploy(
      motoClients(await useMoto()),
      rule!.inputs.name,
      JSON.parse(rule!.inputs.eventPattern),
    );
    const delivered = async (event: { source: string; "detail-type": string; detail: unknown }) =>
      (await deployed.publish(event)).length === 1;
    try {
      const fixture = (name: string) =>
        JSON.parse(readFileSync(join(__dirname, "..", "fixtures", "events", `${name}.json`), "utf8"));
      const expected: Record<string, boolean> = {
        "guardduty-high": true,
        "guardduty-backdoor-cc-dns": true,
        "guardduty-bitcoin-tool-dns": true,
        "guardduty-bitcoin-tool": true,
        "guardduty-credential-exfiltration-outside": true,
        "guardduty-credential-exfiltration-inside": true,
        "guardduty-medium-6.9": false,
        "guardduty-low": false,
        "guardduty-iam-user-exfiltration": false,
      };
      const got: Record<string, boolean> = {};
      for (const name of Object.keys(expected)) got[name] = await delivered(fixture(name));
      expect(got).to.deep.equal(expected);
      // The findings the game day plays, built as it builds them: each scenario's last finding (the one
      // the response starts from) reaches the function.
      const sample = fixture("guardduty-high").detail.resource.instanceDetails;
      const victim: Victim = {
        accountId: "123456789012",
        region: "us-east-1",
        instanceId: "i-0123456789abcdef0",
        imageId: sample.imageId,
        instanceType: sample.instanceType,
        availabilityZone: "us-east-1a",
        launchTime: sample.launchTime,
        profileArn: "arn:aws:iam::123456789012:instance-profile/web",
        roleName: "web",
        eniId: "eni-0123456789abcdef0",
        privateIp: "10.0.1.25",
        subnetId: "subnet-0a1b2c3d",
        vpcId: "vpc-0a1b2c3d4e5f60718",
        groups: [{ groupId: "sg-0a1b2c3d", groupName: "web" }],
      };
      const now = new Date();
      for (const id of SCENARIO_IDS) {
        const last = SCENARIOS[id].findings(victim, new Date(now.getTime() - 60_000), now).at(-1)!;
        expect(await delivered(gamedayEvent(victim, last)), `${id}: ${last.type}`).to.equal(true);
      }
    } finally {
      await deployed.remove();
      deployed.destroy();
    }
  });
});
