/** The strict layer passes moto's answers through intact where no rule speaks. */
import { CreateBucketCommand, HeadObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { expect } from "chai";
import { type RuleLayer, startRuleLayer } from "../helpers/strict";

describe("strict layer: forwarding", () => {
  let l: RuleLayer;
  before(async () => {
    l = await startRuleLayer([]);
  });
  after(() => l.stop());

  it("a HEAD answer keeps the object's content-length (it has no body of its own)", async () => {
    await l.admin.s3.send(new CreateBucketCommand({ Bucket: "strict-forwarding" }));
    await l.admin.s3.send(
      new PutObjectCommand({ Bucket: "strict-forwarding", Key: "k", Body: "twelve bytes" }),
    );
    const head = await l.admin.s3.send(new HeadObjectCommand({ Bucket: "strict-forwarding", Key: "k" }));
    expect(head.ContentLength).to.equal(12);
  });

  it("answers its own page at /strict-api/ (so nobody fronts a layer with another)", async () => {
    const page = (await (await fetch(`${l.endpoint}/strict-api/`)).json()) as { layer: string };
    expect(page.layer).to.equal("strict");
  });
});
