/**
 * AMI deprecation. Once an AMI's deprecation time has passed, DescribeImages leaves it out unless the
 * request asks for deprecated AMIs (IncludeDeprecated=true), names it (ImageId.N), or the caller owns it
 * (owners always see their deprecated AMIs). Each image carries its `deprecationTime`, past or future.
 *
 * moto 5.2 answers EnableImageDeprecation and DisableImageDeprecation with an HTML 500 and has no
 * deprecation time: the layer answers both calls itself (seconds rounded to the nearest minute, a time
 * in the past refused, as the AMI deprecation guide says) and adds the time to DescribeImages answers.
 * `setImageDeprecation` puts an image the account does not own (e.g. an Amazon-owned one) in that state.
 */
import { randomUUID } from "node:crypto";
import { DescribeImagesCommand } from "@aws-sdk/client-ec2";
import {
  editSetItems,
  indexed,
  isEc2,
  isTrue,
  motoLookup,
  setItemField,
  stateMap,
  xmlTag,
} from "../ec2-query";
import type { Answer, Refusal, RuleContext, StrictRequest, StrictRule } from "../types";
import { errorAnswer } from "../wire";

/** Deprecation times (ms) by `${region}/${imageId}`: a property of the image, seen from every account. */
const deprecations = stateMap<number>("ec2-deprecated-ami-hidden");

/** Deprecates `imageId` at `at` (ms since the epoch; undefined cancels), whoever owns it. */
export function setImageDeprecation(
  ctx: RuleContext,
  region: string,
  imageId: string,
  at: number | undefined,
) {
  if (at === undefined) deprecations(ctx).delete(`${region}/${imageId}`);
  else deprecations(ctx).set(`${region}/${imageId}`, at);
}

/** DeprecateAt as EC2 keeps it: "If you specify a value for seconds, Amazon EC2 rounds the seconds to the nearest minute." */
const toMinute = (ms: number) => Math.round(ms / 60_000) * 60_000;

const ok = (operation: string): Answer => ({
  status: 200,
  headers: { "content-type": "text/xml;charset=UTF-8" },
  body: Buffer.from(
    `<?xml version="1.0" encoding="UTF-8"?>\n<${operation}Response xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>${randomUUID()}</requestId><return>true</return></${operation}Response>`,
  ),
});

const imageExists = async (ctx: RuleContext, req: StrictRequest, imageId: string): Promise<boolean> =>
  ((
    await motoLookup(
      ctx,
      req,
      async (ec2) => (await ec2.send(new DescribeImagesCommand({ ImageIds: [imageId] }))).Images,
    )
  )?.length ?? 0) > 0;

/** Validates an Enable/DisableImageDeprecation request; undefined when it may be answered. */
async function invalid(req: StrictRequest, ctx: RuleContext): Promise<Refusal | undefined> {
  const imageId = req.params.ImageId ?? "";
  if (!(await imageExists(ctx, req, imageId)))
    return {
      status: 400,
      code: "InvalidAMIID.NotFound",
      message: `The image id '[${imageId}]' does not exist`,
    };
  if (req.operation !== "EnableImageDeprecation") return undefined;
  const at = Date.parse(req.params.DeprecateAt ?? "");
  if (Number.isNaN(at))
    return {
      status: 400,
      code: "MissingParameter",
      message: "The request must contain the parameter DeprecateAt",
    };
  // The guide: "You can't specify a date in the past." (AWS's message text is not documented.)
  if (toMinute(at) < ctx.now())
    return {
      status: 400,
      code: "InvalidParameterValue",
      message: `DeprecateAt ${req.params.DeprecateAt} is in the past.`,
    };
  return undefined;
}

export const ec2DeprecatedAmiHidden: StrictRule = {
  id: "ec2-deprecated-ami-hidden",
  title:
    "DescribeImages leaves out AMIs past their deprecation time unless IncludeDeprecated=true, the AMI is named by ID, or the caller owns it",
  source: "https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeImages.html",
  matches: (req) => isEc2(req, "DescribeImages", "EnableImageDeprecation", "DisableImageDeprecation"),
  before(req, ctx) {
    return req.operation === "DescribeImages" ? undefined : invalid(req, ctx);
  },
  answer(req, ctx) {
    if (req.operation === "DescribeImages") return undefined;
    if (isTrue(req.params.DryRun))
      return errorAnswer("ec2", {
        status: 412,
        code: "DryRunOperation",
        message: "Request would have succeeded, but DryRun flag is set.",
      });
    const imageId = req.params.ImageId!;
    const at =
      req.operation === "EnableImageDeprecation" ? toMinute(Date.parse(req.params.DeprecateAt!)) : undefined;
    setImageDeprecation(ctx, req.region, imageId, at);
    return ok(req.operation);
  },
  after(req, answer, ctx) {
    if (req.operation !== "DescribeImages" || answer.status !== 200) return;
    const known = deprecations(ctx);
    if (known.size === 0) return;
    const named = new Set(indexed(req.params, "ImageId"));
    const includeDeprecated = isTrue(req.params.IncludeDeprecated);
    const now = ctx.now();
    const xml = editSetItems(answer.body.toString("utf8"), "imagesSet", (item) => {
      const imageId = xmlTag(item, "imageId") ?? "";
      const at = known.get(`${req.region}/${imageId}`);
      if (at === undefined) return item;
      const visible =
        at > now || includeDeprecated || named.has(imageId) || xmlTag(item, "imageOwnerId") === req.accountId;
      if (!visible) return undefined;
      return setItemField(item, "deprecationTime", new Date(at).toISOString());
    });
    return { ...answer, body: Buffer.from(xml) };
  },
};
