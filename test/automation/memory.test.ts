/**
 * Memory capture and SSM detection at the SSM client seam (moto always reports Success with empty output
 * and has no DescribeInstanceInformation): failures degrade to a recorded reason or a failed evidence
 * step, never to credentials on the host.
 */

import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import {
  DescribeInstanceTypesCommand,
  EC2Client,
  ModifyNetworkInterfaceAttributeCommand,
} from "@aws-sdk/client-ec2";
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListPartsCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import {
  type CommandStatus,
  DescribeInstanceInformationCommand,
  GetCommandInvocationCommand,
  ListCommandsCommand,
  SendCommandCommand,
  SSMClient,
} from "@aws-sdk/client-ssm";
import { mockClient } from "aws-sdk-client-mock";
import { expect } from "chai";
import { AwsClients } from "../../automation/aws/clients";
import type { CaseContext, InstanceFacts } from "../../automation/case/context";
import { DEFAULT_OPTIONS } from "../../automation/respond/respond";
import { resolveSettings } from "../../automation/settings/settings";
import { memoryStep, partPlan } from "../../automation/steps/memory";
import { uploadIdsOf } from "../../automation/steps/memory-earlier";
import { ssmCheckStep } from "../../automation/steps/ssm-check";

// Mocks patch the client classes for the whole process: created in before(), restored in after().
const makeMocks = () => ({
  ssm: mockClient(SSMClient),
  s3: mockClient(S3Client),
  ec2: mockClient(EC2Client),
});
let m: ReturnType<typeof makeMocks>;

function context(managed: boolean | undefined): CaseContext {
  const facts = {
    instanceId: "i-0123456789abcdef0",
    accountId: "123456789012",
    region: "us-east-1",
    instanceType: "t3.micro",
  } as InstanceFacts;
  const ctx: CaseContext = {
    caseId: "c-20260101t000000z-abcdef",
    records: new Map(),
    resumed: false,
    clients: new AwsClients({
      region: "us-east-1",
      credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI-test-secret-key" },
    }),
    settings: resolveSettings({}, {}),
    instanceId: facts.instanceId,
    options: DEFAULT_OPTIONS,
    preflight: facts,
    caseStartedAt: new Date().toISOString(),
  };
  ctx.records.set("discover", facts as never);
  if (managed !== undefined)
    ctx.records.set("ssm-check", {
      managed,
      ...(managed ? {} : { reason: "the instance is not registered with SSM" }),
    });
  return ctx;
}

const body = (text: string) => Readable.from([Buffer.from(text)]);
const fast = memoryStep({ timeoutMs: 2000, pollMs: 1 });
const TOOL_SHA = "a".repeat(64);

describe("SSM detection and memory capture (aws-sdk-client-mock at the SSM seam)", () => {
  before(() => {
    m = makeMocks();
  });
  after(() => {
    m.ssm.restore();
    m.s3.restore();
    m.ec2.restore();
  });
  beforeEach(() => {
    m.ssm.reset();
    m.s3.reset();
    m.ec2.reset();
    m.s3.on(HeadObjectCommand).resolves({ Metadata: { sha256: TOOL_SHA }, ContentLength: 3 });
    m.s3.on(CreateMultipartUploadCommand).resolves({ UploadId: "up-1" });
    m.ec2.on(DescribeInstanceTypesCommand).resolves({ InstanceTypes: [{ MemoryInfo: { SizeInMiB: 1024 } }] });
  });

  it("ssm-check: an SSM error (moto answers 500) becomes 'not managed' with the reason, never a failure", async () => {
    m.ssm
      .on(DescribeInstanceInformationCommand)
      .rejects(Object.assign(new Error("boom"), { name: "InternalServerError" }));
    const r = await ssmCheckStep.run(context(undefined));
    expect(r.status).to.equal("done");
    expect(r.record).to.deep.equal({
      managed: false,
      reason: "SSM could not say whether it manages the instance (InternalServerError: boom)",
    });
  });

  it("ssm-check: an unregistered or offline agent is 'not managed'", async () => {
    m.ssm
      .on(DescribeInstanceInformationCommand)
      .resolvesOnce({ InstanceInformationList: [] })
      .resolvesOnce({
        InstanceInformationList: [{ InstanceId: "i-0123456789abcdef0", PingStatus: "ConnectionLost" }],
      });
    expect((await ssmCheckStep.run(context(undefined))).record).to.deep.include({
      managed: false,
      reason: "the instance is not registered with SSM",
    });
    expect((await ssmCheckStep.run(context(undefined))).record).to.deep.include({
      managed: false,
      reason: "the SSM agent is ConnectionLost",
    });
  });

  it("memory: skipped with the recorded reason when SSM does not manage the instance", async () => {
    const r = await fast.run(context(false));
    expect(r).to.deep.equal({
      status: "skipped",
      reason: "memory not captured: the instance is not registered with SSM",
    });
    expect(m.ssm.commandCalls(SendCommandCommand)).to.have.length(0);
  });

  it("memory: sends presigned part URLs only (no credentials), targets the instance by id, completes and hashes", async () => {
    m.ssm.on(SendCommandCommand).resolves({ Command: { CommandId: "cmd-1" } });
    m.ssm
      .on(GetCommandInvocationCommand)
      .resolvesOnce({ Status: "InProgress" })
      .resolves({
        Status: "Success",
        StandardOutputContent: `sha256=${createHash("sha256").update("abc").digest("hex")} size=3`,
      });
    m.s3.on(ListPartsCommand).resolves({ Parts: [{ PartNumber: 1, ETag: '"e1"' }] });
    m.s3.on(CompleteMultipartUploadCommand).resolves({ VersionId: "v1" });
    m.s3.on(GetObjectCommand).callsFake(() => ({ Body: body("abc") as never }));
    const r = await fast.run(context(true));
    expect(r.status).to.equal("done");
    const rec = r.record as any;
    expect(rec.artefact.sha256).to.equal(createHash("sha256").update("abc").digest("hex"));
    expect(rec.hostHashMatches).to.equal(true);
    const sent = m.ssm.commandCalls(SendCommandCommand)[0]!.args[0].input;
    expect(sent.InstanceIds).to.deep.equal(["i-0123456789abcdef0"]);
    const script = sent.Parameters!.commands![0]!;
    expect(script).to.include("X-Amz-Signature");
    expect(script).to.include("partNumber=1");
    expect(script).to.include(`${TOOL_SHA}  `);
    expect(script).to.not.match(/AWS_ACCESS_KEY_ID|AWS_SECRET|aws configure|secret/i);
    // A presigned URL names the access key id (X-Amz-Credential) but never carries the secret.
    expect(script).to.not.include("wJalrXUtnFEMI-test-secret-key");
  });

  it("memory: a failed command fails the step and aborts the multipart upload", async () => {
    m.ssm.on(SendCommandCommand).resolves({ Command: { CommandId: "cmd-2" } });
    m.ssm
      .on(GetCommandInvocationCommand)
      .resolves({ Status: "Failed", StandardErrorContent: "avml: permission denied" });
    m.s3.on(AbortMultipartUploadCommand).resolves({});
    let err: Error | undefined;
    await fast.run(context(true)).catch((e) => {
      err = e;
    });
    expect(err?.message).to.equal("memory capture command cmd-2 ended Failed: avml: permission denied");
    expect(m.s3.commandCalls(AbortMultipartUploadCommand)).to.have.length(1);
  });

  it("memory: a capture that outlasts its bound fails naming the bound, the command and what to do; the upload is aborted", async () => {
    const step = memoryStep({ timeoutMs: 50, pollMs: 5 });
    m.ssm.on(SendCommandCommand).resolves({ Command: { CommandId: "cmd-slow" } });
    m.ssm.on(GetCommandInvocationCommand).resolves({ Status: "InProgress" });
    m.s3.on(AbortMultipartUploadCommand).resolves({});
    const err = await step.run(context(true)).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err?.message).to.match(
      /^memory capture did not finish by \d{4}-\d\d-\d\dT[\d:.]+Z, its bound \(command cmd-slow on i-0123456789abcdef0\): see the command's output in SSM Run Command, then run the case again$/,
    );
    expect(m.s3.commandCalls(AbortMultipartUploadCommand)).to.have.length(1);
  });

  it("memory: a 'Success' that uploaded nothing (as moto reports) is a failure, not evidence", async () => {
    m.ssm.on(SendCommandCommand).resolves({ Command: { CommandId: "cmd-3" } });
    m.ssm.on(GetCommandInvocationCommand).resolves({ Status: "Success", StandardOutputContent: "" });
    m.s3.on(ListPartsCommand).resolves({ Parts: [] });
    let err: Error | undefined;
    await fast.run(context(true)).catch((e) => {
      err = e;
    });
    expect(err?.message).to.equal("memory capture command cmd-3 reported success but uploaded no part");
  });

  it("memory: refuses to run a capture tool without a pinned hash", async () => {
    m.s3.on(HeadObjectCommand).resolves({ Metadata: {} });
    let err: Error | undefined;
    await fast.run(context(true)).catch((e) => {
      err = e;
    });
    expect(err?.message).to.match(/has no pinned sha256 metadata: refusing to run an unpinned binary/);
    expect(m.ssm.commandCalls(SendCommandCommand)).to.have.length(0);
  });

  describe("memory: a capture is never started twice for one case", () => {
    const internal = () =>
      Object.assign(new Error("We encountered an internal error"), {
        name: "InternalError",
        $metadata: { httpStatusCode: 500 },
      });
    const HASH = createHash("sha256").update("abc").digest("hex");
    const succeeds = () => {
      m.ssm.on(SendCommandCommand).resolves({ Command: { CommandId: "cmd-9" } });
      m.ssm
        .on(GetCommandInvocationCommand)
        .resolves({ Status: "Success", StandardOutputContent: `sha256=${HASH}` });
      m.s3.on(CompleteMultipartUploadCommand).resolves({ VersionId: "v9" });
      m.s3.on(GetObjectCommand).callsFake(() => ({ Body: body("abc") as never }));
      m.s3.on(AbortMultipartUploadCommand).resolves({});
    };
    /** The first attempt fails after the command was sent (a 500 past the client's retries). */
    const partsAfterOneFailure = () =>
      m.s3
        .on(ListPartsCommand)
        .rejectsOnce(internal())
        .resolves({ Parts: [{ PartNumber: 1, ETag: '"e1"' }] });
    /** What SSM's ListCommands answers about the command the first attempt sent. */
    const listed = (status: CommandStatus, comment?: string) => {
      const sent = m.ssm.commandCalls(SendCommandCommand)[0]!.args[0].input;
      return {
        CommandId: "cmd-9",
        DocumentName: sent.DocumentName,
        Comment: comment ?? sent.Comment,
        Status: status,
        RequestedDateTime: new Date(),
        Parameters: sent.Parameters,
      };
    };

    it("a poll that fails with a transient error is tried again at the next interval", async () => {
      succeeds();
      m.ssm
        .on(GetCommandInvocationCommand)
        .rejectsOnce(internal())
        .resolves({ Status: "Success", StandardOutputContent: `sha256=${HASH}` });
      m.s3.on(ListPartsCommand).resolves({ Parts: [{ PartNumber: 1, ETag: '"e1"' }] });
      const r = await fast.run(context(true));
      expect(r.status).to.equal("done");
      expect(m.ssm.commandCalls(SendCommandCommand)).to.have.length(1);
    });

    it("after a transient error the upload stays open, and the next attempt completes the same capture", async () => {
      succeeds();
      partsAfterOneFailure();
      const ctx = context(true);
      const err = await fast.run(ctx, { attempt: 1 }).then(
        () => undefined,
        (e: Error) => e,
      );
      expect(err?.name).to.equal("InternalError");
      expect(m.s3.commandCalls(AbortMultipartUploadCommand)).to.have.length(0);

      m.s3.on(ListMultipartUploadsCommand).resolves({
        Uploads: [
          { Key: "other", UploadId: "up-0" },
          { Key: `cases/${ctx.caseId}/memory/${ctx.instanceId}.lime`, UploadId: "up-1" },
        ],
      });
      m.ssm.on(ListCommandsCommand).resolves({ Commands: [listed("Success")] });
      const r = await fast.run(ctx, { attempt: 2 });
      expect(r.status).to.equal("done");
      expect(r.record).to.deep.include({ commandId: "cmd-9", resumedCapture: true, hostHashMatches: true });
      expect(m.ssm.commandCalls(SendCommandCommand)).to.have.length(1);
      expect(m.s3.commandCalls(CreateMultipartUploadCommand)).to.have.length(1);
      const completed = m.s3
        .commandCalls(CompleteMultipartUploadCommand)
        .map((c) => c.args[0].input.UploadId);
      expect(completed).to.deep.equal(["up-1"]);
      const since = Date.parse(m.ssm.commandCalls(ListCommandsCommand)[0]!.args[0].input.Filters![0]!.value!);
      expect(Date.now() - since).to.be.within(2000, 60_000);
    });

    for (const [why, status, comment] of [
      ["ended Failed", "Failed", undefined],
      ["belongs to another case", "InProgress", "ir c-20250101t000000z-ffffff memory capture"],
    ] as const) {
      it(`an earlier command that ${why} is not waited for: a new capture starts`, async () => {
        succeeds();
        partsAfterOneFailure();
        const ctx = context(true);
        await fast.run(ctx, { attempt: 1 }).catch(() => undefined);
        m.s3.on(ListMultipartUploadsCommand).resolves({
          Uploads: [{ Key: `cases/${ctx.caseId}/memory/${ctx.instanceId}.lime`, UploadId: "up-1" }],
        });
        m.ssm.on(ListCommandsCommand).resolves({ Commands: [listed(status, comment)] });
        const r = await fast.run(ctx, { attempt: 2 });
        expect(r.status).to.equal("done");
        expect(r.record).to.not.have.property("resumedCapture");
        expect(m.ssm.commandCalls(SendCommandCommand)).to.have.length(2);
      });
    }

    it("forensic egress that failed to open is opened again by the next attempt (else the upload hangs)", async () => {
      succeeds();
      m.s3.on(ListPartsCommand).resolves({ Parts: [{ PartNumber: 1, ETag: '"e1"' }] });
      m.ec2.on(ModifyNetworkInterfaceAttributeCommand).rejectsOnce(internal()).resolves({});
      const ctx = context(true);
      ctx.records.set("isolate", { enis: ["eni-1"], forensicEgress: false } as never);
      ctx.records.set("isolation-groups", { isolation: "sg-iso", forensicEgress: "sg-egress" } as never);
      const err = await fast.run(ctx, { attempt: 1 }).then(
        () => undefined,
        (e: Error) => e,
      );
      expect(err?.name).to.equal("InternalError");
      expect(m.ssm.commandCalls(SendCommandCommand)).to.have.length(0);
      m.s3.on(ListMultipartUploadsCommand).resolves({});
      expect((await fast.run(ctx, { attempt: 2 })).status).to.equal("done");
      const opened = m.ec2
        .commandCalls(ModifyNetworkInterfaceAttributeCommand)
        .map((c) => c.args[0].input.Groups);
      expect(opened).to.deep.equal([
        ["sg-iso", "sg-egress"],
        ["sg-iso", "sg-egress"],
      ]);
      expect(ctx.records.get("memory-egress")).to.equal("open");
    });

    it("a lookup the role may not make (AccessDenied) does not stop the capture: a new one starts", async () => {
      succeeds();
      m.s3.on(ListPartsCommand).resolves({ Parts: [{ PartNumber: 1, ETag: '"e1"' }] });
      m.s3.on(ListMultipartUploadsCommand).rejects(
        Object.assign(new Error("Access Denied"), {
          name: "AccessDenied",
          $metadata: { httpStatusCode: 403 },
        }),
      );
      const r = await fast.run(context(true), { attempt: 2 });
      expect(r.status).to.equal("done");
      expect(m.ssm.commandCalls(SendCommandCommand)).to.have.length(1);
    });

    it("a first attempt never looks for an earlier capture", async () => {
      succeeds();
      m.s3.on(ListPartsCommand).resolves({ Parts: [{ PartNumber: 1, ETag: '"e1"' }] });
      await fast.run(context(true), { attempt: 1 });
      expect(m.s3.commandCalls(ListMultipartUploadsCommand)).to.have.length(0);
      expect(m.ssm.commandCalls(ListCommandsCommand)).to.have.length(0);
    });

    it("reads the upload ids back from the part URLs, decoding them", () => {
      const script = `PARTS=('https://b.s3.amazonaws.com/k?partNumber=1&uploadId=a%2Bb%2F%3D&X-Amz-Signature=1' 'https://b/k?uploadId=plain')`;
      expect([...uploadIdsOf({ Parameters: { commands: [script] } })]).to.deep.equal(["a+b/=", "plain"]);
    });
  });

  it("memory: a capture larger than 5 GB is split into parts of at least 512 MiB, at most 32 of them", () => {
    expect(partPlan(1024)).to.deep.equal({ partSize: 512 * 1024 * 1024, parts: 3 });
    const big = partPlan(256 * 1024);
    expect(big.parts).to.be.at.most(32);
    expect(big.parts * big.partSize).to.be.greaterThan(256 * 1024 * 1024 * 1024);
  });
});
