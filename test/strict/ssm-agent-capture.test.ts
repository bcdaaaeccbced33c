/**
 * Rule ssm-agent with the memory step's own capture script: the agent downloads the pinned (fake) capture
 * tool through a presigned GET, checks it against the pin, runs it into a FIFO and streams the image in
 * parts through the UploadPart URLs of batch files it fetches one after the other, each part with its
 * Content-MD5, all through the layer. moto runs nothing: no part would ever be uploaded there.
 */
import { createHash } from "node:crypto";
import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  ListPartsCommand,
  PutObjectCommand,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { SendCommandCommand } from "@aws-sdk/client-ssm";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { expect } from "chai";
import { ssmAgent } from "../../automation/emulator/strict/rules/ssm-agent";
import {
  fakeCaptureBytes,
  seedFakeCaptureTool,
} from "../../automation/emulator/strict/ssm-agent/capture-tool";
import { CAPTURE_TOOL_KEY } from "../../automation/steps/memory";
import { captureScript } from "../../automation/steps/memory-script";
import { forgetPolicies, launch, profile, SSM_CORE, waitForEnd } from "../helpers/ssm-agent";
import { type RuleLayer, startRuleLayer } from "../helpers/strict";

const MIB = 1024 * 1024;
const IMAGE_MIB = 12;

describe("strict rule ssm-agent: memory capture with the fake tool", () => {
  let l: RuleLayer;
  let instanceId: string;
  let toolSha: string;
  const sign = (cmd: UploadPartCommand | GetObjectCommand) =>
    cmd instanceof UploadPartCommand
      ? getSignedUrl(l.admin.s3, cmd, { expiresIn: 600 })
      : getSignedUrl(l.admin.s3, cmd, { expiresIn: 600 });

  /** Batch files of two part URLs each, chained by their `next` line; returns batch 0's GET URL. */
  async function batches(key: string, uploadId: string, count: number, written = count): Promise<string> {
    const batchKey = (k: number) => `${key}.urls/${k}`;
    for (let k = 0; k < written; k++) {
      const lines: string[] = [];
      for (const n of [2 * k + 1, 2 * k + 2])
        lines.push(
          `part ${n} ${await sign(new UploadPartCommand({ Bucket: "evidence", Key: key, UploadId: uploadId, PartNumber: n }))}`,
        );
      if (k + 1 < count)
        lines.push(`next ${await sign(new GetObjectCommand({ Bucket: "evidence", Key: batchKey(k + 1) }))}`);
      await l.admin.s3.send(
        new PutObjectCommand({ Bucket: "evidence", Key: batchKey(k), Body: `${lines.join("\n")}\n` }),
      );
    }
    return sign(new GetObjectCommand({ Bucket: "evidence", Key: batchKey(0) }));
  }

  async function capture(key: string, o: { sha?: string; scratchBytes?: number; written?: number } = {}) {
    const upload = await l.admin.s3.send(new CreateMultipartUploadCommand({ Bucket: "evidence", Key: key }));
    const script = captureScript({
      toolUrl: await sign(new GetObjectCommand({ Bucket: "tools", Key: CAPTURE_TOOL_KEY })),
      toolSha256: o.sha ?? toolSha,
      firstBatchUrl: await batches(key, upload.UploadId!, 2, o.written),
      partSizeBytes: 5 * MIB,
      scratchBytes: o.scratchBytes ?? 6 * MIB,
      batchWaitSeconds: 4,
    });
    const sent = await l.admin.ssm.send(
      new SendCommandCommand({
        InstanceIds: [instanceId],
        DocumentName: "AWS-RunShellScript",
        Parameters: { commands: [script], executionTimeout: ["120"] },
      }),
    );
    const inv = await waitForEnd(l, sent.Command!.CommandId!, instanceId, 60_000);
    const parts = await l.admin.s3.send(
      new ListPartsCommand({ Bucket: "evidence", Key: key, UploadId: upload.UploadId! }),
    );
    return { uploadId: upload.UploadId!, inv, parts: parts.Parts ?? [] };
  }

  before(async () => {
    l = await startRuleLayer([forgetPolicies, ssmAgent]);
    instanceId = await launch(l, await profile(l, "web", SSM_CORE));
    await l.admin.s3.send(new CreateBucketCommand({ Bucket: "tools" }));
    await l.admin.s3.send(new CreateBucketCommand({ Bucket: "evidence" }));
    toolSha = (await seedFakeCaptureTool(l.admin.s3, "tools", IMAGE_MIB)).sha256;
  });
  after(() => l.stop());

  it("streams the pinned tool's image in 5 MiB parts through two URL batches; S3 holds exactly its bytes", async () => {
    const { uploadId, inv, parts } = await capture("memory/a.lime");
    expect(inv.Status, inv.StandardErrorContent).to.equal("Success");
    const expected = fakeCaptureBytes(IMAGE_MIB);
    const sha = createHash("sha256").update(expected).digest("hex");
    expect(inv.StandardOutputContent).to.equal(`sha256=${sha} size=${IMAGE_MIB * MIB} parts=3\n`);
    expect(parts.map((p) => [p.PartNumber, p.Size])).to.deep.equal([
      [1, 5 * MIB],
      [2, 5 * MIB],
      [3, 2 * MIB],
    ]);
    await l.admin.s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: "evidence",
        Key: "memory/a.lime",
        UploadId: uploadId,
        MultipartUpload: { Parts: parts.map((p) => ({ PartNumber: p.PartNumber!, ETag: p.ETag! })) },
      }),
    );
    const got = await l.admin.s3.send(new GetObjectCommand({ Bucket: "evidence", Key: "memory/a.lime" }));
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(expected)).to.equal(true);
  });

  it("refuses to run a tool that is not the pinned one, saying so (Failed, nothing uploaded)", async () => {
    const { inv, parts } = await capture("memory/b.lime", { sha: "0".repeat(64) });
    expect(inv.Status).to.equal("Failed");
    expect(inv.ResponseCode).to.equal(76);
    expect(inv.StandardErrorContent).to.match(
      /^ir-capture: the capture tool's SHA-256 is [0-9a-f]{64}, not the pinned 0{64}: refusing to run it$/m,
    );
    expect(parts).to.deep.equal([]);
  });

  it("a host without room for one part gets the reason, and nothing runs", async () => {
    const { inv, parts } = await capture("memory/c.lime", { scratchBytes: 2 ** 53 });
    expect(inv.ResponseCode).to.equal(75);
    expect(inv.StandardErrorContent).to.match(
      /^ir-capture: not enough free space in \/var\/tmp: \d+ bytes free, 9007199254740992 needed \(one part and the tool\)$/m,
    );
    expect(parts).to.deep.equal([]);
  });

  it("a batch the responder never writes ends the capture after a bounded wait, naming the part", async () => {
    const { inv, parts } = await capture("memory/d.lime", { written: 1 });
    expect(inv.ResponseCode).to.equal(77);
    expect(inv.StandardErrorContent).to.match(
      /^ir-capture: no upload URLs for part 3 after 4 s: the responder stopped minting them/m,
    );
    expect(parts.map((p) => p.PartNumber)).to.deep.equal([1, 2]);
  });
});
