/**
 * Memory capture and SSM detection at the SSM client seam (moto always reports Success with empty output
 * and has no DescribeInstanceInformation): failures degrade to a recorded reason or a failed evidence
 * step, never to credentials on the host.
 */

import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import { DescribeInstanceTypesCommand, EC2Client } from "@aws-sdk/client-ec2";
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListPartsCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import {
  DescribeInstanceInformationCommand,
  GetCommandInvocationCommand,
  SendCommandCommand,
  SSMClient,
} from "@aws-sdk/client-ssm";
import { mockClient } from "aws-sdk-client-mock";
import { expect } from "chai";
import { AwsClients } from "../../automation/aws/clients";
import type { InstanceFacts, RespondContext } from "../../automation/respond/context";
import { DEFAULT_OPTIONS } from "../../automation/respond/respond";
import { resolveSettings } from "../../automation/settings/settings";
import { memoryStep, partPlan } from "../../automation/steps/memory";
import { ssmCheckStep } from "../../automation/steps/ssm-check";

// Mocks patch the client classes for the whole process: created in before(), restored in after().
const makeMocks = () => ({
  ssm: mockClient(SSMClient),
  s3: mockClient(S3Client),
  ec2: mockClient(EC2Client),
});
let m: ReturnType<typeof makeMocks>;

function context(managed: boolean | undefined): RespondContext {
  const facts = {
    instanceId: "i-0123456789abcdef0",
    accountId: "123456789012",
    region: "us-east-1",
    instanceType: "t3.micro",
  } as InstanceFacts;
  const ctx: RespondContext = {
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

  it("memory: a capture larger than 5 GB is split into parts of at least 512 MiB, at most 32 of them", () => {
    expect(partPlan(1024)).to.deep.equal({ partSize: 512 * 1024 * 1024, parts: 3 });
    const big = partPlan(256 * 1024);
    expect(big.parts).to.be.at.most(32);
    expect(big.parts * big.partSize).to.be.greaterThan(256 * 1024 * 1024 * 1024);
  });
});
