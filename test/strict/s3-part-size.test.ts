/**
 * Rule s3-part-size: parts over 5 GiB are refused from the declared Content-Length before any body is
 * read (EntityTooLarge), part numbers outside 1..10,000 are refused (InvalidArgument). EntityTooSmall
 * is moto's own: guarded here so a moto upgrade that drops it shows.
 */
import { request } from "node:http";
import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { expect } from "chai";
import { MAX_PART_BYTES, s3PartSize } from "../../automation/emulator/strict/rules/s3-part-size";
import { type RuleLayer, startRuleLayer } from "../helpers/strict";

/** PUTs a few bytes while declaring `declared` bytes, and returns the answer without ending the body. */
function putDeclaring(url: string, declared: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: "PUT", headers: { "content-length": String(declared) } }, (res) => {
      let body = "";
      res.on("data", (c: Buffer) => {
        body += c.toString();
      });
      res.on("end", () => {
        req.destroy();
        resolve({ status: res.statusCode ?? 0, body });
      });
    });
    req.on("error", reject);
    const timer = setTimeout(() => {
      req.destroy();
      reject(new Error("no answer within 3 s: the layer is waiting for the declared body"));
    }, 3000);
    req.on("close", () => clearTimeout(timer));
    req.write("0123456789");
  });
}

describe("strict rule s3-part-size", () => {
  let l: RuleLayer;
  let uploadId: string;
  const part = (PartNumber: number, Body = "x") =>
    l.admin.s3.send(
      new UploadPartCommand({ Bucket: "evidence", Key: "mem", UploadId: uploadId, PartNumber, Body }),
    );
  before(async () => {
    l = await startRuleLayer([s3PartSize]);
    await l.admin.s3.send(new CreateBucketCommand({ Bucket: "evidence" }));
    uploadId = (await l.admin.s3.send(new CreateMultipartUploadCommand({ Bucket: "evidence", Key: "mem" })))
      .UploadId!;
  });
  after(() => l.stop());

  it("part numbers 1 and 10,000 pass; 0 and 10,001 answer InvalidArgument", async () => {
    await part(1);
    await part(10_000);
    for (const n of [0, 10_001]) {
      const err = await part(n).then(
        () => undefined,
        (e: Error) => e,
      );
      expect(err?.name, `part ${n}`).to.equal("InvalidArgument");
      expect(err?.message).to.equal("Part number must be an integer between 1 and 10000, inclusive");
    }
  });

  it("a part declaring more than 5 GiB is refused from its headers (EntityTooLarge), body unread", async () => {
    const url = await getSignedUrl(
      l.admin.s3,
      new UploadPartCommand({ Bucket: "evidence", Key: "mem", UploadId: uploadId, PartNumber: 2 }),
      { expiresIn: 300 },
    );
    const answer = await putDeclaring(url, MAX_PART_BYTES + 1);
    expect(answer.status).to.equal(400);
    expect(answer.body).to.contain("<Code>EntityTooLarge</Code>");
    expect(l.layer.refusals().at(-1)?.rule).to.equal("s3-part-size");
  });

  it("a non-last part under 5 MiB fails CompleteMultipartUpload (EntityTooSmall: moto's own)", async () => {
    const [a, b] = [await part(1), await part(2)];
    const err = await l.admin.s3
      .send(
        new CompleteMultipartUploadCommand({
          Bucket: "evidence",
          Key: "mem",
          UploadId: uploadId,
          MultipartUpload: {
            Parts: [
              { PartNumber: 1, ETag: a.ETag },
              { PartNumber: 2, ETag: b.ETag },
            ],
          },
        }),
      )
      .then(
        () => undefined,
        (e: Error) => e,
      );
    expect(err?.name).to.equal("EntityTooSmall");
  });
});
