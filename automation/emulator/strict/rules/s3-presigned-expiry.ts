/**
 * A presigned URL lives `X-Amz-Expires` seconds from its `X-Amz-Date`: S3 refuses it afterwards with
 * `AccessDenied` "Request has expired" (403), and refuses one signed for more than seven days outright.
 * moto accepts a presigned URL forever. The responder mints presigned PUT URLs for the host to upload
 * memory and logs: a capture that outlasts its URLs must fail here as it does on AWS.
 */
import type { Refusal, StrictRule } from "../types";

/** The longest a SigV4 presigned URL may be valid: seven days. */
export const MAX_PRESIGNED_SECONDS = 604_800;

/** `20240102T030405Z` → ms since the epoch. */
export function amzDate(value: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  return m ? Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!) : undefined;
}

export const s3PresignedExpiry: StrictRule = {
  id: "s3-presigned-expiry",
  title:
    "a presigned URL used after X-Amz-Date + X-Amz-Expires is refused (AccessDenied, Request has expired); X-Amz-Expires is at most seven days",
  source: "https://docs.aws.amazon.com/AmazonS3/latest/userguide/using-presigned-url.html",
  matches: (req) => req.protocol === "s3" && req.presigned && req.query.has("X-Amz-Expires"),
  before(req, ctx): Refusal | undefined {
    const expires = Number(req.query.get("X-Amz-Expires"));
    const signedAt = amzDate(req.query.get("X-Amz-Date") ?? "");
    if (!Number.isInteger(expires) || expires < 0 || signedAt === undefined) return undefined;
    if (expires > MAX_PRESIGNED_SECONDS)
      return {
        status: 400,
        code: "AuthorizationQueryParametersError",
        message: `X-Amz-Expires must be less than a week (in seconds) that is; ${MAX_PRESIGNED_SECONDS}`,
      };
    if (ctx.now() <= signedAt + expires * 1000) return undefined;
    // AWS adds <Expires> and <ServerTime> elements beside the message; the message itself is this.
    return { status: 403, code: "AccessDenied", message: "Request has expired" };
  },
};
