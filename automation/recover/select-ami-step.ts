/**
 * recover-select-ami: the newest known-good AMI published before the compromise began (or the one the
 * operator named), skipping versions whose image no longer exists, refusing the compromised instance's
 * own AMI unless allowed. A deprecated image is a candidate like any other (its deprecation time goes in
 * the record). Read-only, so a dry run answers it for real.
 */
import { DescribeImagesCommand, type EC2Client } from "@aws-sdk/client-ec2";
import { facts } from "../case/context";
import type { Json, RunResult, Step } from "../engine/types";
import type { RecoverContext, SelectedAmi } from "./context";
import { type AmiVersion, knownGoodHistory, pickKnownGood } from "./known-good-ami";

export const AMI_ID = /^ami-([0-9a-f]{8}|[0-9a-f]{17})$/;

/** A refusal on the merits (no qualifying AMI, the compromised AMI): bad input, nothing changed. */
export class AmiRefusedError extends Error {
  override name = "AmiRefusedError";
}

/**
 * The images that exist, with their deprecation time (null when none). A filter, not ImageIds: one
 * deregistered AMI must not fail the whole lookup. And IncludeDeprecated: a listing leaves out AMIs past
 * their deprecation time otherwise, and a golden image is routinely deprecated once a newer one ships,
 * yet it still launches (deprecation hides, it does not disable).
 * https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/ami-deprecate.html
 */
async function existingImages(ec2: EC2Client, ids: string[]): Promise<Map<string, string | null>> {
  if (ids.length === 0) return new Map();
  const res = await ec2.send(
    new DescribeImagesCommand({ Filters: [{ Name: "image-id", Values: ids }], IncludeDeprecated: true }),
  );
  return new Map((res.Images ?? []).map((i) => [i.ImageId!, i.DeprecationTime ?? null]));
}

function explicitChoice(ctx: RecoverContext, history: AmiVersion[], compromised: string | undefined) {
  const ami = ctx.recover.ami!;
  if (ami === compromised && !ctx.recover.allowAmi)
    throw new AmiRefusedError(
      `--ami ${ami} is the compromised instance's own AMI: rebuilding from it may bring the attacker's way in back; pass --allow-ami if the image itself is known not to be the cause`,
    );
  const known = [...history].reverse().find((v) => v.amiId === ami);
  return {
    ami: known ?? { amiId: ami, version: 0, publishedAt: new Date(0) },
    reason: known
      ? `named by the operator (--ami): version ${known.version} of ${ctx.recover.parameter}, published ${known.publishedAt.toISOString()}`
      : `named by the operator (--ami): not in the history of ${ctx.recover.parameter}`,
    ignoredAfter: [] as AmiVersion[],
  };
}

export const selectAmiStep: Step<RecoverContext> = {
  id: "recover-select-ami",
  title: "Pick the newest known-good AMI published before the compromise",
  effect: "reads",
  async plan() {
    return [];
  },
  async run(ctx) {
    try {
      return await select(ctx);
    } catch (err) {
      if (err instanceof AmiRefusedError) ctx.state.selectionRefused = err.message;
      throw err;
    }
  },
  async verify(_ctx, record) {
    const r = record as unknown as SelectedAmi | undefined;
    return r && AMI_ID.test(r.imageId)
      ? {
          ok: true,
          detail: `${r.imageId} (${r.reason})${r.deprecatedAt ? `; deprecated ${r.deprecatedAt}, still launchable` : ""}`,
        }
      : { ok: false, detail: "no AMI selected" };
  },
};

async function select(ctx: RecoverContext): Promise<RunResult> {
  const { parameter, before } = ctx.recover;
  const compromised = facts(ctx).imageId;
  const history = await knownGoodHistory(ctx.clients.ssm, parameter).catch((err: Error) => {
    // No parameter is only fatal when the operator named no AMI.
    if (ctx.recover.ami && /does not exist/.test(err.message)) return [] as AmiVersion[];
    throw /does not exist/.test(err.message) ? new AmiRefusedError(err.message) : err;
  });
  const exists = await existingImages(ctx.clients.ec2, [
    ...new Set([...history.map((v) => v.amiId), ...(ctx.recover.ami ? [ctx.recover.ami] : [])]),
  ]);
  const missing = history.filter((v) => !exists.has(v.amiId));
  const available = history.filter((v) => exists.has(v.amiId));
  let picked: { ami: AmiVersion; reason: string; ignoredAfter: AmiVersion[] };
  if (ctx.recover.ami) {
    if (!exists.has(ctx.recover.ami))
      throw new AmiRefusedError(`--ami ${ctx.recover.ami} does not exist in ${ctx.settings.region}`);
    picked = explicitChoice(ctx, history, compromised);
  } else {
    try {
      picked = pickKnownGood(parameter, available, {
        before,
        ...(compromised ? { compromisedAmiId: compromised } : {}),
        allowCompromisedAmi: ctx.recover.allowAmi,
      });
    } catch (err) {
      const gone = missing.length
        ? ` (${missing.length} version(s) skipped: their AMI no longer exists: ${missing.map((m) => m.amiId).join(", ")})`
        : "";
      throw new AmiRefusedError(`${(err as Error).message}${gone}`);
    }
  }
  const record: SelectedAmi = {
    imageId: picked.ami.amiId,
    parameter,
    version: picked.ami.version,
    publishedAt: picked.ami.publishedAt.toISOString(),
    reason: picked.reason,
    before: before.toISOString(),
    beforeSource: ctx.recover.beforeSource,
    compromisedAmi: compromised ?? null,
    ignoredAfter: picked.ignoredAfter.map((v) => ({
      imageId: v.amiId,
      version: v.version,
      publishedAt: v.publishedAt.toISOString(),
    })),
    missing: missing.map((v) => ({ imageId: v.amiId, version: v.version })),
    deprecatedAt: exists.get(picked.ami.amiId) ?? null,
  };
  return { status: "done", record: record as unknown as Json };
}
