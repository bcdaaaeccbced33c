/**
 * A moto bug worked around, not an AWS refusal: moto evaluates a bucket's policy itself on object
 * requests, and wrongly: a statement whose conditions it cannot read (any key but a few) counts as an
 * explicit deny whatever its effect, so a policy like the evidence bucket's (`Deny` unless
 * `aws:PrincipalArn` is the responder, TLS only...) refuses every PutObject and GetObject with an empty
 * 403, the responder's included. AWS would allow them.
 *
 * So the layer keeps bucket policies itself: PutBucketPolicy, GetBucketPolicy and DeleteBucketPolicy
 * are answered here (after authorisation, like any call) and moto never holds a policy to misread. The
 * layer's IAM evaluation reads them from here (iam/policies.ts), and evaluates them as AWS does.
 * Without the strict rules (plain moto with its bug shims) policies are kept and never enforced.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-policies.html
 */
import { HeadBucketCommand } from "@aws-sdk/client-s3";
import { bucketPoliciesOf, bucketPolicyKey } from "../bucket-policies";
import type { Answer, RuleContext, StrictRequest, StrictRule } from "../types";
import { errorAnswer } from "../wire";

const OPERATIONS = new Set(["PutBucketPolicy", "GetBucketPolicy", "DeleteBucketPolicy"]);

const empty = (status: number): Answer => ({ status, headers: {}, body: Buffer.alloc(0) });

async function bucketExists(req: StrictRequest, ctx: RuleContext): Promise<boolean> {
  return ctx
    .moto(req.accountId, req.region)
    .s3.send(new HeadBucketCommand({ Bucket: req.s3!.bucket! }))
    .then(
      () => true,
      () => false,
    );
}

export const motoS3BucketPolicy: StrictRule = {
  id: "moto-s3-bucket-policy",
  title:
    "bucket policies are kept by the layer (moto misreads conditional statements as denies on every object request)",
  source: "https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-policies.html",
  matches: (req) =>
    req.service === "s3" &&
    (OPERATIONS.has(req.operation) || req.operation === "DeleteBucket") &&
    Boolean(req.s3?.bucket),
  after(req, answer, ctx) {
    // A bucket created again under the same name starts without a policy.
    if (req.operation === "DeleteBucket" && answer.status < 300)
      bucketPoliciesOf(ctx).delete(bucketPolicyKey(req.accountId, req.s3!.bucket!));
  },
  async answer(req, ctx) {
    if (req.operation === "DeleteBucket") return undefined;
    const bucket = req.s3!.bucket!;
    if (!(await bucketExists(req, ctx)))
      return errorAnswer("s3", {
        status: 404,
        code: "NoSuchBucket",
        message: "The specified bucket does not exist",
      });
    const key = bucketPolicyKey(req.accountId, bucket);
    const policies = bucketPoliciesOf(ctx);
    switch (req.operation) {
      case "PutBucketPolicy": {
        const text = req.body.toString("utf8");
        try {
          JSON.parse(text);
        } catch {
          return errorAnswer("s3", {
            status: 400,
            code: "MalformedPolicy",
            message: "Policies must be valid JSON",
          });
        }
        policies.set(key, text);
        return empty(204);
      }
      case "DeleteBucketPolicy":
        policies.delete(key);
        return empty(204);
      default: {
        const policy = policies.get(key);
        if (policy === undefined)
          return errorAnswer("s3", {
            status: 404,
            code: "NoSuchBucketPolicy",
            message: "The bucket policy does not exist",
          });
        return { status: 200, headers: { "content-type": "application/json" }, body: Buffer.from(policy) };
      }
    }
  },
};
