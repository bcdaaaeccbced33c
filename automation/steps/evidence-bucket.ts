/**
 * evidence-bucket: the Object-Lock evidence bucket exists and locks in compliance mode. When it does
 * not, containment goes on and every preserve step fails loudly, naming the fix (`ir bootstrap`).
 */
import { GetObjectLockConfigurationCommand, HeadBucketCommand } from "@aws-sdk/client-s3";
import { EVIDENCE_LOCK_MODE } from "../../facts/names";
import type { CaseContext } from "../case/context";
import type { Json, Step } from "../engine/types";
import { evidenceBucket } from "../evidence/store";
import { errorName } from "./util";

export const evidenceBucketStep: Step<CaseContext> = {
  id: "evidence-bucket",
  title: "Check the Object-Lock evidence bucket",
  effect: "reads",
  needs: ["discover"],
  async plan() {
    return [];
  },
  async run(ctx) {
    const bucket = evidenceBucket(ctx);
    const fix = `run \`ir bootstrap --region ${ctx.settings.region}\` to create it, or pass --evidence-bucket (IR_EVIDENCE_BUCKET)`;
    try {
      await ctx.clients.s3.send(new HeadBucketCommand({ Bucket: bucket }));
    } catch (err) {
      const name = errorName(err);
      if (
        name === "NotFound" ||
        name === "NoSuchBucket" ||
        (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404
      ) {
        throw new Error(`evidence bucket "${bucket}" does not exist: ${fix}`);
      }
      throw new Error(
        `evidence bucket "${bucket}" cannot be used (${name}): check the responder's permissions, or ${fix}`,
      );
    }
    const lock = await ctx.clients.s3
      .send(new GetObjectLockConfigurationCommand({ Bucket: bucket }))
      .catch(() => undefined);
    if (lock?.ObjectLockConfiguration?.ObjectLockEnabled !== "Enabled") {
      throw new Error(
        `evidence bucket "${bucket}" has no Object Lock: evidence could be deleted. Object Lock can only be enabled on a new bucket: ${fix}`,
      );
    }
    const mode = lock.ObjectLockConfiguration.Rule?.DefaultRetention?.Mode;
    return {
      status: "done",
      record: { bucket, defaultMode: mode ?? null, mode: EVIDENCE_LOCK_MODE } as Json,
    };
  },
  async verify() {
    return { ok: true };
  },
};
