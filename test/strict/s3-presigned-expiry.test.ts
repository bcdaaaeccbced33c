/**
 * Rule s3-presigned-expiry: a presigned URL dies X-Amz-Expires seconds after X-Amz-Date (moto accepts
 * it forever), and cannot be signed for more than seven days.
 */
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { expect } from "chai";
import { s3PresignedExpiry } from "../../automation/emulator/strict/rules/s3-presigned-expiry";
import { type RuleLayer, startRuleLayer } from "../helpers/strict";

describe("strict rule s3-presigned-expiry", () => {
  let l: RuleLayer;
  before(async () => {
    l = await startRuleLayer([s3PresignedExpiry]);
    await l.admin.s3.send(new CreateBucketCommand({ Bucket: "evidence" }));
  });
  after(() => l.stop());

  it("a URL works until X-Amz-Date + X-Amz-Expires, then answers AccessDenied (403) Request has expired", async () => {
    const put = await getSignedUrl(l.admin.s3, new PutObjectCommand({ Bucket: "evidence", Key: "mem" }), {
      expiresIn: 60,
    });
    const get = await getSignedUrl(l.admin.s3, new GetObjectCommand({ Bucket: "evidence", Key: "mem" }), {
      expiresIn: 60,
    });
    expect((await fetch(put, { method: "PUT", body: "x" })).status).to.equal(200);
    expect((await fetch(get)).status).to.equal(200);
    l.layer.advanceClock(61_000);
    try {
      for (const late of [await fetch(put, { method: "PUT", body: "y" }), await fetch(get)]) {
        expect(late.status).to.equal(403);
        const body = await late.text();
        expect(body)
          .to.contain("<Code>AccessDenied</Code>")
          .and.contain("<Message>Request has expired</Message>");
      }
      expect(l.layer.refusals().at(-1)?.rule).to.equal("s3-presigned-expiry");
    } finally {
      l.layer.advanceClock(-61_000);
    }
  });

  it("a URL signed for more than seven days is refused (AuthorizationQueryParametersError)", async () => {
    const url = new URL(
      await getSignedUrl(l.admin.s3, new GetObjectCommand({ Bucket: "evidence", Key: "mem" }), {
        expiresIn: 3600,
      }),
    );
    // The SDK refuses to sign past a week itself; a hand-made URL (another tool) can still carry it.
    url.searchParams.set("X-Amz-Expires", "604801");
    const r = await fetch(url);
    expect(r.status).to.equal(400);
    expect(await r.text()).to.contain("<Code>AuthorizationQueryParametersError</Code>");
  });
});
