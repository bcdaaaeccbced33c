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
  PutObjectCommand,
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
import { memoryStep } from "../../automation/steps/memory";
import { uploadIdsOf } from "../../automation/steps/memory-earlier";
import { GIB, MAX_PART_BYTES, MAX_PARTS, MIB, partPlan } from "../../automation/steps/memory-plan";
import { ssmCheckStep } from "../../automation/steps/ssm-check";

// Mocks patch the client classes for the whole process: created in before(), restored in after().
const makeMocks = () => ({
  ssm: mockClient(SSMClient),
  s3: mockClient(S3Client),
  ec2: mockClient(EC2Client),
});
let m: ReturnType<typeof makeMocks>;

const TOOL_SHA = "a".repeat(64);

function context(
  managed: boolean | undefined,
  o: { pinned?: boolean; credentialsLeftMs?: number } = {},
): CaseContext {
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
      credentials: {
        accessKeyId: "AKIDEXAMPLE",
        secretAccessKey: "wJalrXUtnFEMI-test-secret-key",
        ...(o.credentialsLeftMs !== undefined
          ? { sessionToken: "token", expiration: new Date(Date.now() + o.credentialsLeftMs) }
          : {}),
      },
    }),
    settings: {
      ...resolveSettings({}, {}),
      ...(o.pinned === false ? {} : { captureTool: { key: "avml/avml", sha256: TOOL_SHA } }),
    },
    instanceId: facts.instanceId,
    options: DEFAULT_OPTIONS,
    preflight: facts,
    caseStartedAt: new Date().toISOString(),
  };
  ctx.records.set("discover", facts as never);
  if (managed !== undefined) {
    ctx.records.set("ssm-check", {
      managed,
      ...(managed ? {} : { reason: "the instance is not registered with SSM" }),
    });
    ctx.records.set(
      "ssm-reach",
      managed ? { reachable: true } : { reachable: false, reason: "the instance is not registered with SSM" },
    );
  }
  return ctx;
}

const body = (text: string) => Readable.from([Buffer.from(text)]);
const fast = memoryStep({ timeoutMs: 2000, pollMs: 1 });

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
    m.s3.on(PutObjectCommand).resolves({ VersionId: "b1" });
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

  it("memory: sends presigned URLs only (no credentials), targets the instance by id, completes and hashes", async () => {
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
    const [idLine, script] = sent.Parameters!.commands!;
    expect(idLine).to.equal("# ir-upload-id=up-1");
    expect(script).to.include("X-Amz-Signature");
    expect(script).to.include(`${TOOL_SHA}  `);
    // The part URLs are in the batch files the host fetches (batch 0 and the next one, written ahead).
    const batches = m.s3.commandCalls(PutObjectCommand).map((c) => c.args[0].input);
    expect(batches.map((b) => b.Key)).to.deep.equal([
      `cases/c-20260101t000000z-abcdef/memory/i-0123456789abcdef0.lime.urls/00000`,
      `cases/c-20260101t000000z-abcdef/memory/i-0123456789abcdef0.lime.urls/00001`,
    ]);
    const first = String(batches[0]!.Body);
    expect(first).to.match(/^part 1 http\S+partNumber=1&\S*uploadId=up-1/m);
    expect(first.match(/^part /gm)).to.have.length(50);
    expect(first).to.match(/^next \S+lime\.urls\/00001\?\S+X-Amz-Signature/m);
    expect(first + script).to.not.include("wJalrXUtnFEMI-test-secret-key");
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
    m.s3.on(ListPartsCommand).resolves({ Parts: [] });
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

  it("memory: without a pin in the settings no tool is run (metadata beside the binary is never a pin)", async () => {
    m.s3.on(HeadObjectCommand).resolves({ Metadata: { sha256: TOOL_SHA } });
    const r = await fast.run(context(true, { pinned: false }));
    expect(r.status).to.equal("skipped");
    expect(r.reason).to.match(/no capture tool is pinned in the responder settings \(captureTool/);
    expect(m.ssm.commandCalls(SendCommandCommand)).to.have.length(0);
    expect(m.s3.commandCalls(CreateMultipartUploadCommand)).to.have.length(0);
  });

  it("memory: a signer with 2 minutes of credentials left is refused before anything is created", async () => {
    const err = await fast.run(context(true, { credentialsLeftMs: 2 * 60_000 })).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err?.name).to.equal("SignerExpiringError");
    expect(err?.message).to.match(
      /^the credentials that sign the capture's upload URLs expire in [12] min \(.+\), and presigned URLs die with them; the capture needs URLs valid for 15 min: refresh the session/,
    );
    expect(m.s3.commandCalls(CreateMultipartUploadCommand)).to.have.length(0);
    expect(m.ssm.commandCalls(SendCommandCommand)).to.have.length(0);
  });

  it("memory: URLs minted by a signer with 20 minutes left live no longer than its credentials", async () => {
    m.ssm.on(SendCommandCommand).resolves({ Command: { CommandId: "cmd-t" } });
    m.ssm.on(GetCommandInvocationCommand).resolves({ Status: "Success", StandardOutputContent: "" });
    m.s3.on(ListPartsCommand).resolves({ Parts: [{ PartNumber: 1, ETag: '"e1"' }] });
    m.s3.on(CompleteMultipartUploadCommand).resolves({ VersionId: "v1" });
    m.s3.on(GetObjectCommand).callsFake(() => ({ Body: body("abc") as never }));
    await fast.run(context(true, { credentialsLeftMs: 20 * 60_000 }));
    const first = String(m.s3.commandCalls(PutObjectCommand)[0]!.args[0].input.Body);
    const expires = [...first.matchAll(/X-Amz-Expires=(\d+)/g)].map((x) => Number(x[1]));
    expect(expires.length).to.be.greaterThan(50);
    for (const e of expires) expect(e).to.be.within(17 * 60, 19 * 60);
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

    it("reads the upload id back from the command's id line", () => {
      expect([
        ...uploadIdsOf({ Parameters: { commands: ["# ir-upload-id=x.y_z", "#!/bin/bash"] } }),
      ]).to.deep.equal(["x.y_z"]);
    });

    it("reads the upload ids back from the part URLs of earlier versions' commands, decoding them", () => {
      const script = `PARTS=('https://b.s3.amazonaws.com/k?partNumber=1&uploadId=a%2Bb%2F%3D&X-Amz-Signature=1' 'https://b/k?uploadId=plain')`;
      expect([...uploadIdsOf({ Parameters: { commands: [script] } })]).to.deep.equal(["a+b/=", "plain"]);
    });
  });

  it("memory: parts fit S3's limits for any host: 10,000 parts of at most 5 GiB, at least 64 MiB", () => {
    expect(partPlan(1024)).to.deep.include({ partSize: 64 * MIB, parts: 18 });
    const big = partPlan(256 * 1024);
    expect(big.partSize).to.be.at.most(MAX_PART_BYTES);
    expect(big.partSize % MIB).to.equal(0);
    expect(big.parts).to.be.at.most(MAX_PARTS);
    expect(big.parts * big.partSize).to.be.greaterThan(256 * GIB);
    // The host keeps one part on its disk, never the image.
    expect(big.scratchBytes).to.be.lessThan(big.partSize + 100 * MIB);
    const huge = partPlan(24 * 1024 * 1024); // u-24tb1
    expect(huge.partSize).to.be.at.most(MAX_PART_BYTES);
    expect(huge.parts).to.be.at.most(MAX_PARTS);
    expect(() => partPlan(60 * 1024 * 1024)).to.throw(/over S3's 5 GiB part limit/);
  });
});
