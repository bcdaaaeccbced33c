/**
 * Rule s3-object-lock-checksum: uploads under Object Lock retention need Content-MD5 or an
 * x-amz-checksum-* header, PutObject and every UploadPart, presigned included (moto checks PutObject
 * only, with its own error, and never parts); a Content-MD5 that does not match the body is BadDigest.
 */
import { createHash } from "node:crypto";
import {
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  PutObjectLockConfigurationCommand,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { expect } from "chai";
import { s3ObjectLockChecksum } from "../../automation/emulator/strict/rules/s3-object-lock-checksum";
import { type RuleLayer, startRuleLayer } from "../helpers/strict";

const md5 = (s: string) => createHash("md5").update(s).digest("base64");
const sha256 = (s: string) => createHash("sha256").update(s).digest("base64");
const PUT_MESSAGE =
  "Content-MD5 OR x-amz-checksum- HTTP header is required for Put Object requests with Object Lock parameters";

describe("strict rule s3-object-lock-checksum", () => {
  let l: RuleLayer;
  let n = 0;
  const lockBucket = async (Bucket: string, retention: boolean) => {
    await l.admin.s3.send(new CreateBucketCommand({ Bucket, ObjectLockEnabledForBucket: true }));
    if (retention) await defaultRetention(Bucket);
  };
  const defaultRetention = (Bucket: string) =>
    l.admin.s3.send(
      new PutObjectLockConfigurationCommand({
        Bucket,
        ObjectLockConfiguration: {
          ObjectLockEnabled: "Enabled",
          Rule: { DefaultRetention: { Mode: "COMPLIANCE", Days: 1 } },
        },
      }),
    );
  /** A presigned PUT of `body` with extra (unsigned) headers: status and error code. */
  const presignedPut = async (Bucket: string, body: string, headers: Record<string, string> = {}) => {
    const url = await getSignedUrl(l.admin.s3, new PutObjectCommand({ Bucket, Key: `o${++n}` }), {
      expiresIn: 300,
    });
    const r = await fetch(url, { method: "PUT", body, headers });
    return { status: r.status, text: await r.text() };
  };

  before(async () => {
    l = await startRuleLayer([s3ObjectLockChecksum]);
    await lockBucket("evidence", true);
    await l.admin.s3.send(new CreateBucketCommand({ Bucket: "plain" }));
  });
  after(() => l.stop());

  it("a presigned PUT without a checksum into a default-retention bucket is InvalidRequest (400)", async () => {
    const r = await presignedPut("evidence", "memory");
    expect(r.status).to.equal(400);
    expect(r.text).to.contain("<Code>InvalidRequest</Code>").and.contain(PUT_MESSAGE);
    expect(l.layer.refusals().at(-1)?.rule).to.equal("s3-object-lock-checksum");
  });

  it("a presigned PUT needs Content-MD5: the CRC32 of an empty body the SDK signs into the URL does not count", async () => {
    expect((await presignedPut("evidence", "memory", { "content-md5": md5("memory") })).status).to.equal(200);
  });

  it("a signed PUT may carry an x-amz-checksum-* header instead (moto alone wants x-amz-sdk-checksum-algorithm too)", async () => {
    // Signed in the header (moto does not check signatures): the checksum header alone, as AWS allows.
    const r = await fetch(`${l.endpoint}/evidence/signed`, {
      method: "PUT",
      body: "memory",
      headers: {
        authorization: `AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=0`,
        "x-amz-checksum-sha256": sha256("memory"),
      },
    });
    expect(r.status, await r.text()).to.equal(200);
    await l.admin.s3.send(new PutObjectCommand({ Bucket: "evidence", Key: "sdk", Body: "memory" }));
  });

  it("every presigned UploadPart needs one too (moto checks no part)", async () => {
    const { UploadId } = await l.admin.s3.send(
      new CreateMultipartUploadCommand({ Bucket: "evidence", Key: "mem" }),
    );
    const partUrl = (PartNumber: number) =>
      getSignedUrl(
        l.admin.s3,
        new UploadPartCommand({ Bucket: "evidence", Key: "mem", UploadId, PartNumber }),
        {
          expiresIn: 300,
        },
      );
    const bare = await fetch(await partUrl(1), { method: "PUT", body: "part" });
    expect(bare.status).to.equal(400);
    expect(await bare.text()).to.contain("required for Put Part requests with Object Lock parameters");
    const withMd5 = await fetch(await partUrl(1), {
      method: "PUT",
      body: "part",
      headers: { "content-md5": md5("part") },
    });
    expect(withMd5.status).to.equal(200);
  });

  it("without default retention only uploads with lock parameters need it; a later default counts at once", async () => {
    await lockBucket("vault", false);
    const lockHeaders = {
      "x-amz-object-lock-mode": "COMPLIANCE",
      "x-amz-object-lock-retain-until-date": new Date(Date.now() + 86_400_000).toISOString(),
    };
    expect((await presignedPut("vault", "x", lockHeaders)).text).to.contain("<Code>InvalidRequest</Code>");
    await defaultRetention("vault"); // the bucket is still empty: moto allows it only then
    expect((await presignedPut("vault", "x")).text).to.contain("<Code>InvalidRequest</Code>");
    expect((await presignedPut("plain", "x")).status).to.equal(200);
  });

  it("a Content-MD5 that does not match the body is BadDigest; a malformed one InvalidDigest", async () => {
    const bad = await presignedPut("plain", "hello", { "content-md5": md5("other") });
    expect(bad.status).to.equal(400);
    expect(bad.text).to.contain("<Code>BadDigest</Code>");
    const malformed = await presignedPut("plain", "hello", { "content-md5": "abc" });
    expect(malformed.text).to.contain("<Code>InvalidDigest</Code>");
  });
});
