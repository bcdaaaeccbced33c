/**
 * The collect-logs step of the contain playbook against moto (EC2, S3 with Object Lock, DynamoDB), with
 * SSM stubbed at the SDK seam (moto has no DescribeInstanceInformation and fakes every command): the
 * stub plays the host, uploading through the presigned URLs the command carries, as curl would.
 */
import { createHash } from "node:crypto";
import { DescribeNetworkInterfacesCommand, RunInstancesCommand } from "@aws-sdk/client-ec2";
import { GetObjectCommand, HeadObjectCommand } from "@aws-sdk/client-s3";
import {
  DescribeInstanceInformationCommand,
  GetCommandInvocationCommand,
  ListCommandsCommand,
  SendCommandCommand,
  SSMClient,
} from "@aws-sdk/client-ssm";
import { type AwsClientStub, mockClient } from "aws-sdk-client-mock";
import { expect } from "chai";
import type { Manifest } from "../../automation/evidence/manifest";
import { type CaseResult, respond } from "../../automation/respond/respond";
import { COLLECTION_ARTEFACTS } from "../../automation/ssm-documents";
import type { CollectLogsRecord } from "../../automation/steps/collect-logs";
import { EVIDENCE_LOCK_MODE, evidenceBucketName } from "../../facts/names";
import { TEST_ACCOUNT, TEST_REGION } from "../helpers/moto";
import { type Account, setupAccount } from "../helpers/responder";

const BUCKET = evidenceBucketName(TEST_ACCOUNT, TEST_REGION);
const PROBE_ID = "cmd-probe";

/** The agent's reach probe (ssm-reach) is answered at once; `fn` plays the host for the collection. */
const orProbe =
  <T>(fn: (input: { Parameters: { commands: string[] }; Comment: string }) => Promise<T>) =>
  async (input: { Parameters: { commands: string[] }; Comment: string }) =>
    input.Parameters.commands[0] === "echo ir-agent-reach" ? { Command: { CommandId: PROBE_ID } } : fn(input);
const FAST = { timeoutMs: 20_000, pollMs: 5, lookbackMs: 3_600_000, verifyTimeoutMs: 10_000 };

interface HostPlay {
  /** Artefacts the host fails to upload. */
  fail?: string[];
  /** Artefacts whose hash the (trojaned) host misreports. */
  lie?: string[];
}

/** Plays the host: runs "upload <name> <url>" of the script as curl would, prints the artefact lines. */
async function playHost(script: string, play: HostPlay): Promise<string> {
  const lines: string[] = [];
  for (const m of script.matchAll(/^upload '([^']+)' '([^']+)'$/gm)) {
    const [, name, url] = m as unknown as [string, string, string];
    const body = Buffer.from(`${name} collected on the host\n`);
    let status = "failed";
    if (!play.fail?.includes(name)) {
      const res = await fetch(url, {
        method: "PUT",
        body,
        headers: { "Content-MD5": createHash("md5").update(body).digest("base64") },
      });
      if (res.ok) status = "uploaded";
    }
    const hash = play.lie?.includes(name) ? "0".repeat(64) : createHash("sha256").update(body).digest("hex");
    lines.push(`artefact=${name} sha256=${hash} size=${body.length} status=${status}`);
  }
  return lines.join("\n");
}

describe("collect-logs in the contain playbook (moto, SSM at the SDK seam)", function () {
  this.timeout(120_000);
  let a: Account;
  let ssm: AwsClientStub<SSMClient>;
  let play: HostPlay = {};
  let stdout = "";
  before(async () => {
    a = await setupAccount({ groups: true });
    ssm = mockClient(SSMClient);
  });
  after(() => ssm.restore());
  beforeEach(() => {
    ssm.reset();
    ssm.on(DescribeInstanceInformationCommand).resolves({
      InstanceInformationList: [{ InstanceId: a.world.solo, PingStatus: "Online", PlatformType: "Linux" }],
    });
    ssm.on(SendCommandCommand).callsFake(
      orProbe(async (input) => {
        stdout = await playHost(input.Parameters.commands[0], play);
        return { Command: { CommandId: "cmd-logs" } };
      }),
    );
    ssm
      .on(GetCommandInvocationCommand)
      .callsFake(async (input) =>
        input.CommandId === PROBE_ID
          ? { Status: "Success" }
          : { Status: play.fail?.length ? "Failed" : "Success", StandardOutputContent: stdout },
      );
    ssm.on(ListCommandsCommand).resolves({ Commands: [] });
  });
  /** SendCommand calls of the collection (the probe's left out). */
  const collections = () =>
    ssm
      .commandCalls(SendCommandCommand)
      .filter((c) => c.args[0].input.Parameters?.commands?.[0] !== "echo ir-agent-reach");

  const contain = async (instanceId: string): Promise<CaseResult> => {
    const [r] = await respond({
      targets: [{ instanceId, source: { kind: "argument" } }],
      settings: a.settings,
      clients: a.responder,
      // Memory off: the logs are still collected (the step asks SSM itself).
      options: { dwellMs: 0, memory: false },
      collectLogs: FAST,
    });
    return r!;
  };
  const recordOf = async (r: CaseResult) => {
    const { openJournals } = await import("../../automation/journal/open");
    const found = await openJournals(a.clients, a.settings).dynamo.readCase(r.caseId!);
    const ran = found!.entries.filter((e) => e.stepId === "collect-logs" && e.event === "ran").pop()!;
    return (ran.data as unknown as { record: CollectLogsRecord }).record;
  };

  it("uploads every artefact through presigned URLs only, hashes what S3 holds, locks it, lists it in the manifest", async () => {
    play = {};
    const r = await contain(a.world.solo);
    const step = r.steps.find((s) => s.id === "collect-logs")!;
    expect(step.status, step.detail).to.equal("verified");
    const script = collections()[0]!.args[0].input.Parameters!.commands![0]!;
    // No credentials reach the host: only signed URLs for this case's log keys. The responder signs as
    // its role's session, so each URL carries the session token in its query (a URL signed with temporary
    // credentials must); never the secret, and nothing outside the URLs.
    const withoutUrls = script.replace(/'https?:\/\/[^']+'/g, "URL");
    expect(script).to.not.include(a.responderCredentials.secretAccessKey);
    expect(withoutUrls).to.not.match(
      /AWS_(ACCESS_KEY_ID|SECRET_ACCESS_KEY|SESSION_TOKEN)|X-Amz-Security-Token/,
    );
    expect(withoutUrls).to.not.include(a.responderCredentials.sessionToken);
    const urls = [...script.matchAll(/^upload '[^']+' '([^']+)'$/gm)].map((m) => new URL(m[1]!));
    expect(urls).to.have.length(COLLECTION_ARTEFACTS.length);
    for (const u of urls) {
      expect(u.pathname).to.match(new RegExp(`^/${BUCKET}/cases/${r.caseId}/logs/`));
      expect(u.searchParams.get("X-Amz-Signature")).to.match(/^[0-9a-f]{64}$/);
    }
    const rec = await recordOf(r);
    expect(rec.missing).to.deep.equal([]);
    expect(rec.hashMismatches).to.deep.equal([]);
    expect(rec.artefacts.map((x) => x.name)).to.deep.equal(COLLECTION_ARTEFACTS.map((x) => `logs/${x.name}`));
    for (const art of rec.artefacts) {
      const head = await a.clients.s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: art.key }));
      expect(head.ObjectLockMode, art.key).to.equal(EVIDENCE_LOCK_MODE);
      expect(art.hostHashMatches).to.equal(true);
    }
    const manifestKey = `cases/${r.caseId}/manifest.json`;
    const manifest = JSON.parse(
      await a.clients.s3
        .send(new GetObjectCommand({ Bucket: BUCKET, Key: manifestKey }))
        .then((o) => o.Body!.transformToString()),
    ) as Manifest;
    const inManifest = manifest.artefacts.filter((x) => x.name.startsWith("logs/"));
    expect(inManifest.map((x) => x.sha256)).to.deep.equal(rec.artefacts.map((x) => x.sha256));
    expect(r.steps.find((s) => s.id === "manifest")!.status).to.equal("verified");
    // The forensic egress opened for the uploads is closed again: every ENI is in the isolation group only.
    const enis = await a.clients.ec2.send(
      new DescribeNetworkInterfacesCommand({
        Filters: [{ Name: "attachment.instance-id", Values: [a.world.solo] }],
      }),
    );
    for (const n of enis.NetworkInterfaces ?? []) expect(n.Groups).to.have.length(1);
  });

  it("a failed upload and a trojaned host's hash are recorded; the step does not verify, containment holds", async () => {
    play = { fail: ["journal.export.gz"], lie: ["volatile.txt.gz"] };
    const r = await contain(a.world.asgInstances[0]!);
    const step = r.steps.find((s) => s.id === "collect-logs")!;
    expect(step.status).to.equal("unverified");
    expect(step.detail)
      .to.match(/not collected: journal\.export\.gz/)
      .and.match(/volatile\.txt\.gz/);
    const rec = await recordOf(r);
    expect(rec.missing.map((m) => m.name)).to.deep.equal(["journal.export.gz"]);
    expect(rec.missing[0]!.reason).to.match(/reported the upload failed/);
    expect(rec.hashMismatches).to.deep.equal(["logs/volatile.txt.gz"]);
    expect(r.status).to.equal("incomplete");
    for (const id of ["isolate", "revoke-credentials", "swap-profile"])
      expect(r.steps.find((s) => s.id === id)!.status, id).to.equal("verified");
  });

  it("skipped with the reason when SSM does not manage the instance; no command is sent", async () => {
    ssm.on(DescribeInstanceInformationCommand).resolves({ InstanceInformationList: [] });
    const r = await contain(a.world.noProfile);
    const step = r.steps.find((s) => s.id === "collect-logs")!;
    expect(step.status).to.equal("skipped");
    expect(step.detail).to.equal("logs not collected: the instance is not registered with SSM");
    expect(ssm.commandCalls(SendCommandCommand)).to.have.length(0);
    expect(r.status).to.equal("contained");
  });

  describe("a collection whose SendCommand answer is lost (a 503 after SSM took it)", () => {
    const unavailable = () =>
      Object.assign(new Error("Service Unavailable"), {
        name: "ServiceUnavailable",
        $metadata: { httpStatusCode: 503 },
      });
    /** SendCommand plays the host every time; the first answer is lost. Returns what SSM was sent. */
    const loseFirstAnswer = () => {
      const sent: { commandId: string; comment: string }[] = [];
      ssm.on(SendCommandCommand).callsFake(
        orProbe(async (input) => {
          stdout = await playHost(input.Parameters.commands[0], play);
          sent.push({ commandId: `cmd-logs-${sent.length + 1}`, comment: input.Comment });
          if (sent.length === 1) throw unavailable();
          return { Command: { CommandId: sent.at(-1)!.commandId } };
        }),
      );
      return sent;
    };
    const listed = (sent: { commandId: string; comment: string }[], comment?: string) =>
      sent.map((c) => ({
        CommandId: c.commandId,
        Comment: comment ?? c.comment,
        DocumentName: "AWS-RunShellScript",
        Status: "Success" as const,
        RequestedDateTime: new Date(),
      }));

    it("the retried step finds the collection by its comment and uses it: the host is asked once", async () => {
      play = {};
      const sent = loseFirstAnswer();
      ssm.on(ListCommandsCommand).callsFake(async () => ({ Commands: listed(sent) }));
      const r = await contain(a.world.asgInstances[1]!);
      const step = r.steps.find((s) => s.id === "collect-logs")!;
      expect(step.status, step.detail).to.equal("verified");
      expect(sent.map((c) => c.commandId)).to.deep.equal(["cmd-logs-1"]);
      const rec = await recordOf(r);
      expect(rec.commandId).to.equal("cmd-logs-1");
      expect(rec.missing).to.deep.equal([]);
      const filters = ssm.commandCalls(ListCommandsCommand)[0]!.args[0].input;
      expect(filters.InstanceId).to.equal(a.world.asgInstances[1]);
      expect(filters.Filters?.[0]?.key).to.equal("InvokedAfter");
    });

    for (const [what, list, victim] of [
      ["only another case's collection is listed", "another", (w: Account["world"]) => w.asgInstances[2]!],
      [
        "the lookup is denied (a responder role from before ssm:ListCommands)",
        "denied",
        (w: Account["world"]) => w.twoEni,
      ],
    ] as const) {
      it(`sends the collection again when ${what}`, async () => {
        play = {};
        const sent = loseFirstAnswer();
        if (list === "denied")
          ssm.on(ListCommandsCommand).rejects(
            Object.assign(new Error("not authorized to perform ssm:ListCommands"), {
              name: "AccessDeniedException",
              $metadata: { httpStatusCode: 400 },
            }),
          );
        else
          ssm.on(ListCommandsCommand).callsFake(async () => ({
            Commands: listed(sent, "ir c-20260101t000000z-other log collection"),
          }));
        const r = await contain(victim(a.world));
        const step = r.steps.find((s) => s.id === "collect-logs")!;
        expect(step.status, step.detail).to.equal("verified");
        expect(sent.map((c) => c.commandId)).to.deep.equal(["cmd-logs-1", "cmd-logs-2"]);
        expect((await recordOf(r)).commandId).to.equal("cmd-logs-2");
      });
    }
  });

  it("a rerun of a case whose collection missed an upload asks the host again (the recorded collection is not reused)", async () => {
    // Every instance of the seeded world is taken by the tests above: this case gets its own.
    const launched = await a.clients.ec2.send(
      new RunInstancesCommand({
        ImageId: a.world.imageId,
        MinCount: 1,
        MaxCount: 1,
        InstanceType: "t3.micro",
        SubnetId: a.world.subnets[0],
      }),
    );
    const id = launched.Instances![0]!.InstanceId!;
    const sent: string[] = [];
    ssm.on(SendCommandCommand).callsFake(
      orProbe(async (input) => {
        stdout = await playHost(input.Parameters.commands[0], play);
        sent.push(`cmd-logs-${sent.length + 1}`);
        return { Command: { CommandId: sent.at(-1) } };
      }),
    );
    let comment = "";
    ssm.on(ListCommandsCommand).callsFake(async () => ({
      Commands: sent.map((CommandId, i) => ({
        CommandId,
        Comment: comment,
        DocumentName: "AWS-RunShellScript",
        Status: i === 0 ? ("Failed" as const) : ("Success" as const),
        RequestedDateTime: new Date(),
      })),
    }));
    play = { fail: ["journal.export.gz"] };
    const first = await contain(id);
    comment = `ir ${first.caseId} log collection`;
    expect(first.steps.find((s) => s.id === "collect-logs")!.status).to.equal("unverified");
    play = {};
    const again = await contain(id);
    expect(again.caseId).to.equal(first.caseId);
    expect(again.resumed).to.equal(true);
    const step = again.steps.find((s) => s.id === "collect-logs")!;
    expect(sent).to.deep.equal(["cmd-logs-1", "cmd-logs-2"]);
    expect(step.status, step.detail).to.equal("verified");
    const rec = await recordOf(again);
    expect(rec.commandId).to.equal("cmd-logs-2");
    expect(rec.missing).to.deep.equal([]);
  });
});
