/**
 * Rule ssm-agent with the memory step's own capture script: the agent downloads the pinned (fake) capture
 * tool through a presigned GET, checks its SHA-256, runs it and uploads the capture through a presigned
 * UploadPart URL, all through the layer. moto runs nothing: no part would ever be uploaded there.
 */
import { createHash } from "node:crypto";
import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  ListPartsCommand,
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

describe("strict rule ssm-agent: memory capture with the fake tool", () => {
  let l: RuleLayer;
  let instanceId: string;
  let toolSha: string;
  const capture = async (key: string, sha: string) => {
    const s3 = l.admin.s3;
    const upload = await s3.send(new CreateMultipartUploadCommand({ Bucket: "evidence", Key: key }));
    const partUrl = await getSignedUrl(
      s3,
      new UploadPartCommand({ Bucket: "evidence", Key: key, UploadId: upload.UploadId!, PartNumber: 1 }),
      { expiresIn: 600 },
    );
    const toolUrl = await getSignedUrl(s3, new GetObjectCommand({ Bucket: "tools", Key: CAPTURE_TOOL_KEY }), {
      expiresIn: 600,
    });
    const script = captureScript({ toolUrl, toolSha256: sha, partUrls: [partUrl], partSizeBytes: 8 * MIB });
    const sent = await l.admin.ssm.send(
      new SendCommandCommand({
        InstanceIds: [instanceId],
        DocumentName: "AWS-RunShellScript",
        Parameters: { commands: [script], executionTimeout: ["120"] },
      }),
    );
    return { uploadId: upload.UploadId!, inv: await waitForEnd(l, sent.Command!.CommandId!, instanceId) };
  };

  before(async () => {
    l = await startRuleLayer([forgetPolicies, ssmAgent]);
    instanceId = await launch(l, await profile(l, "web", SSM_CORE));
    await l.admin.s3.send(new CreateBucketCommand({ Bucket: "tools" }));
    await l.admin.s3.send(new CreateBucketCommand({ Bucket: "evidence" }));
    toolSha = (await seedFakeCaptureTool(l.admin.s3, "tools", 2)).sha256;
  });
  after(() => l.stop());

  it("runs the pinned tool and uploads its capture through the presigned part URL", async () => {
    const { uploadId, inv } = await capture("memory/a.lime", toolSha);
    expect(inv.Status, inv.StandardErrorContent).to.equal("Success");
    const expected = fakeCaptureBytes(2);
    const sha = createHash("sha256").update(expected).digest("hex");
    expect(inv.StandardOutputContent).to.equal(`sha256=${sha} size=${2 * MIB} parts=1\n`);
    const parts = await l.admin.s3.send(
      new ListPartsCommand({ Bucket: "evidence", Key: "memory/a.lime", UploadId: uploadId }),
    );
    await l.admin.s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: "evidence",
        Key: "memory/a.lime",
        UploadId: uploadId,
        MultipartUpload: { Parts: parts.Parts!.map((p) => ({ PartNumber: p.PartNumber!, ETag: p.ETag! })) },
      }),
    );
    const got = await l.admin.s3.send(new GetObjectCommand({ Bucket: "evidence", Key: "memory/a.lime" }));
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(expected)).to.equal(true);
  });

  it("refuses to run a tool whose hash differs from the pin (Failed, nothing uploaded)", async () => {
    const { uploadId, inv } = await capture("memory/b.lime", "0".repeat(64));
    expect(inv.Status).to.equal("Failed");
    expect(inv.ResponseCode).to.not.equal(0);
    const parts = await l.admin.s3.send(
      new ListPartsCommand({ Bucket: "evidence", Key: "memory/b.lime", UploadId: uploadId }),
    );
    expect(parts.Parts ?? []).to.deep.equal([]);
  });
});
