/**
 * Multipart limits: a part (and a single PUT) is at most 5 GiB, part numbers run from 1 to 10,000.
 * S3 refuses a larger declared Content-Length with `EntityTooLarge` before reading the body, and a part
 * number outside the range with `InvalidArgument`. moto takes any size and checks only the upper bound
 * of the part number (part 0 reaches a wrong branch and answers NoSuchUpload). The lower bound of a
 * part's size (5 MiB except the last: `EntityTooSmall` at CompleteMultipartUpload) moto already enforces.
 *
 * Both checks read only the URL and headers (`beforeBody`): the layer must not wait for 5 GiB of body
 * to refuse it, as S3 does not.
 */
import type { Refusal, StrictRule } from "../types";

/** Largest part, and largest single PUT: 5 GiB. */
export const MAX_PART_BYTES = 5 * 1024 ** 3;
export const MAX_PART_NUMBER = 10_000;

const UPLOADS = new Set(["PutObject", "UploadPart"]);

export const s3PartSize: StrictRule = {
  id: "s3-part-size",
  title:
    "a part or single PUT over 5 GiB is refused (EntityTooLarge) and part numbers outside 1..10,000 are refused (InvalidArgument)",
  source: "https://docs.aws.amazon.com/AmazonS3/latest/userguide/qfacts.html",
  matches: (req) =>
    req.protocol === "s3" && (UPLOADS.has(req.operation) || req.operation === "UploadPartCopy"),
  beforeBody(req): Refusal | undefined {
    if (req.operation !== "PutObject") {
      const raw = req.query.get("partNumber") ?? "";
      const n = Number(raw);
      if (!/^\d+$/.test(raw) || n < 1 || n > MAX_PART_NUMBER)
        return {
          status: 400,
          code: "InvalidArgument",
          message: `Part number must be an integer between 1 and ${MAX_PART_NUMBER}, inclusive`,
        };
    }
    const declared = Number(req.headers["content-length"] ?? 0);
    // A streaming (aws-chunked) upload declares the payload size apart from the framing.
    const payload = Number(req.headers["x-amz-decoded-content-length"] ?? declared);
    if (!UPLOADS.has(req.operation) || payload <= MAX_PART_BYTES) return undefined;
    // AWS adds <ProposedSize> and <MaxSizeAllowed> elements beside the message.
    return {
      status: 400,
      code: "EntityTooLarge",
      message: "Your proposed upload exceeds the maximum allowed size",
    };
  },
};
