/**
 * memory: a memory capture over SSM Run Command with a pinned capture tool (AVML-style static binary
 * from the tools bucket, checked against its pinned SHA-256, never compiled on the host), uploaded in
 * parts through presigned multipart URLs minted here: no AWS credentials ever reach the host, and
 * captures over 5 GB work. Runs after isolation (through the forensic-egress group) and never blocks
 * containment; skipped with the reason when SSM does not manage the instance.
 */
import { type _InstanceType, DescribeInstanceTypesCommand } from "@aws-sdk/client-ec2";
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListPartsCommand,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { SendCommandCommand } from "@aws-sdk/client-ssm";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { EVIDENCE_LOCK_MODE, toolsBucketName } from "../../facts/names";
import { isTransientFailure } from "../aws/retry";
import { type CaseContext, facts } from "../case/context";
import type { Json, Step } from "../engine/types";
import { caseKey, evidenceBucket, hashObject, retainUntil } from "../evidence/store";
import { openForensicEgress } from "./forensic-egress";
import { earlierCapture, type RunningCapture } from "./memory-earlier";
import { captureScript } from "./memory-script";
import type { SsmCheck } from "./ssm-check";
import { SHELL_DOCUMENT, unlessDenied, waitForCommand } from "./ssm-command";
import { mayHaveRun } from "./util";

/** Key of the pinned capture tool in the tools bucket; its metadata `sha256` pins the binary. */
export const CAPTURE_TOOL_KEY = "avml/avml";
const MIB = 1024 * 1024;
/** At most this many parts, so the command (which carries the URLs) stays well under SSM's size limit. */
const MAX_PARTS = 32;

export interface MemoryOptions {
  /** Bound of the whole capture, ms. @default 45 minutes */
  timeoutMs: number;
  /** Poll interval of the command's status, ms. @default 5000 */
  pollMs: number;
}

export const DEFAULT_MEMORY: MemoryOptions = { timeoutMs: 45 * 60_000, pollMs: 5000 };

export function partPlan(memoryMiB: number): { partSize: number; parts: number } {
  const bytes = Math.ceil(memoryMiB * 1.05 * MIB) + 64 * MIB;
  const partSize = Math.max(512 * MIB, Math.ceil(bytes / MAX_PARTS / MIB) * MIB);
  return { partSize, parts: Math.ceil(bytes / partSize) };
}

/** The capture's command comment: how a later attempt finds it (SSM keeps at most 100 characters). */
const captureComment = (caseId: string) => `ir ${caseId} memory capture`.slice(0, 100);

/** Best effort: a failed abort leaves the upload to the bucket's lifecycle rule. */
const abortUpload = (ctx: CaseContext, bucket: string, key: string, uploadId: string) =>
  Promise.resolve()
    .then(() =>
      ctx.clients.s3.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId })),
    )
    .then(
      () => undefined,
      () => undefined,
    );

/** Creates the upload, mints its part URLs and sends the capture command. */
async function startCapture(
  ctx: CaseContext,
  at: { bucket: string; key: string; comment: string; toolsBucket: string; toolSha: string },
  opts: MemoryOptions,
): Promise<RunningCapture> {
  const f = facts(ctx);
  const types = await ctx.clients.ec2.send(
    new DescribeInstanceTypesCommand({ InstanceTypes: [f.instanceType as _InstanceType] }),
  );
  const memoryMiB = types.InstanceTypes?.[0]?.MemoryInfo?.SizeInMiB ?? 16_384;
  const { partSize, parts } = partPlan(memoryMiB);
  const expiresIn = Math.ceil(opts.timeoutMs / 1000);
  const upload = await ctx.clients.s3.send(
    new CreateMultipartUploadCommand({
      Bucket: at.bucket,
      Key: at.key,
      ObjectLockMode: EVIDENCE_LOCK_MODE,
      ObjectLockRetainUntilDate: retainUntil(ctx),
      Metadata: { "case-id": ctx.caseId },
    }),
  );
  const uploadId = upload.UploadId!;
  try {
    const partUrls = await Promise.all(
      Array.from({ length: parts }, (_, i) =>
        getSignedUrl(
          ctx.clients.s3Presigner,
          new UploadPartCommand({ Bucket: at.bucket, Key: at.key, UploadId: uploadId, PartNumber: i + 1 }),
          { expiresIn },
        ),
      ),
    );
    const toolUrl = await getSignedUrl(
      ctx.clients.s3Presigner,
      new GetObjectCommand({ Bucket: at.toolsBucket, Key: CAPTURE_TOOL_KEY }),
      { expiresIn: 900 },
    );
    const sent = await ctx.clients.ssm.send(
      new SendCommandCommand({
        InstanceIds: [ctx.instanceId],
        DocumentName: SHELL_DOCUMENT,
        Comment: at.comment,
        TimeoutSeconds: 600,
        Parameters: {
          commands: [captureScript({ toolUrl, toolSha256: at.toolSha, partUrls, partSizeBytes: partSize })],
          executionTimeout: [String(expiresIn)],
        },
      }),
    );
    return { uploadId, commandId: sent.Command!.CommandId!, deadline: Date.now() + opts.timeoutMs };
  } catch (err) {
    // No command carries this upload's URLs unless SendCommand took effect; a transient error may mean
    // it did (the next attempt finds it by its comment), anything else means it did not.
    if (!isTransientFailure(err)) await abortUpload(ctx, at.bucket, at.key, uploadId);
    throw err;
  }
}

export function memoryStep(opts: MemoryOptions = DEFAULT_MEMORY): Step<CaseContext> {
  return {
    id: "memory",
    title: "Capture memory over SSM (presigned multipart upload)",
    needs: ["isolate", "ssm-check", "evidence-bucket"],
    purpose: "evidence",
    timeoutMs: opts.timeoutMs + 60_000,
    async plan(ctx) {
      const ssm = ctx.records.get("ssm-check") as SsmCheck | undefined;
      return ssm?.managed
        ? [
            {
              action: "ssm:SendCommand",
              target: ctx.instanceId,
              detail: "run the pinned capture tool; upload through presigned part URLs",
            },
          ]
        : [];
    },
    async run(ctx, attempt) {
      const ssm = ctx.records.get("ssm-check") as SsmCheck | undefined;
      if (!ssm?.managed)
        return { status: "skipped", reason: `memory not captured: ${ssm?.reason ?? "SSM state unknown"}` };
      const f = facts(ctx);
      const bucket = evidenceBucket(ctx);
      const toolsBucket = ctx.settings.toolsBucket ?? toolsBucketName(f.accountId, ctx.settings.region);
      const tool = await ctx.clients.s3
        .send(new HeadObjectCommand({ Bucket: toolsBucket, Key: CAPTURE_TOOL_KEY }))
        .catch((err) => {
          throw new Error(
            `capture tool s3://${toolsBucket}/${CAPTURE_TOOL_KEY} is not available (${(err as Error).name}): publish it with its sha256 metadata (baseline tools bucket)`,
            { cause: err },
          );
        });
      const toolSha = tool.Metadata?.sha256;
      if (!toolSha || !/^[0-9a-f]{64}$/.test(toolSha)) {
        throw new Error(
          `capture tool s3://${toolsBucket}/${CAPTURE_TOOL_KEY} has no pinned sha256 metadata: refusing to run an unpinned binary`,
        );
      }
      await openForensicEgress(ctx);
      const key = caseKey(ctx.caseId, `memory/${ctx.instanceId}.lime`);
      const comment = captureComment(ctx.caseId);
      // A capture takes minutes and memory changes under it: an attempt run again after a transient
      // error (or a resumed case) waits for the capture already running rather than starting another.
      const earlier = mayHaveRun(ctx, attempt)
        ? await unlessDenied(earlierCapture(ctx, { bucket, key, comment, maxAgeMs: opts.timeoutMs }))
        : undefined;
      const capture =
        earlier ?? (await startCapture(ctx, { bucket, key, comment, toolsBucket, toolSha }, opts));
      try {
        const end = await waitForCommand(ctx, {
          commandId: capture.commandId,
          deadline: capture.deadline,
          pollMs: opts.pollMs,
          what: "memory capture",
        });
        if (end.status !== "Success")
          throw new Error(
            `memory capture command ${capture.commandId} ended ${end.status}: ${end.stderr.slice(-300)}`,
          );
        const stdout = end.stdout;
        const listed = await ctx.clients.s3.send(
          new ListPartsCommand({ Bucket: bucket, Key: key, UploadId: capture.uploadId }),
        );
        const uploaded = (listed.Parts ?? []).map((p) => ({ PartNumber: p.PartNumber!, ETag: p.ETag! }));
        if (uploaded.length === 0)
          throw new Error(
            `memory capture command ${capture.commandId} reported success but uploaded no part`,
          );
        const done = await ctx.clients.s3.send(
          new CompleteMultipartUploadCommand({
            Bucket: bucket,
            Key: key,
            UploadId: capture.uploadId,
            MultipartUpload: { Parts: uploaded },
          }),
        );
        const { sha256, size } = await hashObject(ctx, key, done.VersionId);
        const reported = /sha256=([0-9a-f]{64})/.exec(stdout)?.[1];
        return {
          status: "done",
          record: {
            artefact: {
              name: "memory",
              key,
              sha256,
              size,
              versionId: done.VersionId ?? null,
              collectedAt: new Date().toISOString(),
            },
            tool: { key: CAPTURE_TOOL_KEY, sha256: toolSha },
            commandId: capture.commandId,
            parts: uploaded.length,
            ...(earlier ? { resumedCapture: true } : {}),
            hostReportedSha256: reported ?? null,
            hostHashMatches: reported ? reported === sha256 : null,
          } as Json,
        };
      } catch (err) {
        // A transient error leaves the capture running for the step's next attempt (the evidence
        // bucket's lifecycle aborts an upload nobody completes); anything else ends it.
        if (!isTransientFailure(err)) await abortUpload(ctx, bucket, key, capture.uploadId);
        throw err;
      }
    },
    async verify(ctx, record) {
      const r = record as { artefact?: { key: string; size: number } } | undefined;
      if (!r?.artefact) return { ok: false, detail: "no capture recorded" };
      const head = await ctx.clients.s3.send(
        new HeadObjectCommand({ Bucket: evidenceBucket(ctx), Key: r.artefact.key }),
      );
      return head.ContentLength === r.artefact.size
        ? { ok: true, detail: `${r.artefact.size} bytes at ${r.artefact.key}` }
        : { ok: false, detail: `size ${head.ContentLength} differs from the recorded ${r.artefact.size}` };
    },
  };
}
