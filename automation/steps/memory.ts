/**
 * memory: a memory capture over SSM Run Command with the pinned capture tool (an AVML static binary from
 * the tools bucket, checked on the host against the pin in the responder's settings, never compiled on
 * the host), streamed in parts through presigned multipart URLs minted batch by batch while it runs
 * (memory-urls.ts): no AWS credentials ever reach the host, the image is never written whole to its
 * disk, and hosts of any size fit S3's 10,000 parts. Runs after isolation, under the quarantine profile
 * (the SSM agent's own calls only) and once ssm-reach has seen the agent answer; never blocks
 * containment; skipped with the reason when the agent cannot be reached or no tool is pinned.
 */
import { type _InstanceType, DescribeInstanceTypesCommand } from "@aws-sdk/client-ec2";
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
} from "@aws-sdk/client-s3";
import { SendCommandCommand } from "@aws-sdk/client-ssm";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { EVIDENCE_LOCK_MODE, toolsBucketName } from "../../facts/names";
import { isTransientFailure } from "../aws/retry";
import { type CaseContext, facts } from "../case/context";
import type { Json, Step } from "../engine/types";
import { caseKey, ensureLocked, evidenceBucket, hashObject, retainUntil } from "../evidence/store";
import { openForensicEgress } from "./forensic-egress";
import { earlierCapture, type RunningCapture } from "./memory-earlier";
import { DEFAULT_MIN_PART_BYTES, partPlan } from "./memory-plan";
import { captureScript } from "./memory-script";
import {
  checkSigner,
  DEFAULT_URL_BATCHES,
  listParts,
  PartUrlBatches,
  type UrlBatchOptions,
} from "./memory-urls";
import type { SsmCheck } from "./ssm-check";
import { SHELL_DOCUMENT, unlessDenied, waitForCommand } from "./ssm-command";
import { reachOf } from "./ssm-reach";
import { mayHaveRun } from "./util";

/** Where the pinned capture tool is published in the tools bucket when the settings name no key. */
export const CAPTURE_TOOL_KEY = "avml/avml";

export interface MemoryOptions {
  /** Bound of the whole capture, ms. @default 45 minutes */
  timeoutMs: number;
  /** Poll interval of the command's status (and of minting URL batches ahead of the host), ms. @default 5000 */
  pollMs: number;
  /** Smallest part (whole MiB, at least 5 MiB). @default 64 MiB */
  minPartBytes?: number;
  /** URL batches: parts per batch file and URL lifetime. @default DEFAULT_URL_BATCHES */
  urls?: UrlBatchOptions;
  /** How long the host waits for a batch file not yet written, seconds. @default 600 */
  batchWaitSeconds?: number;
}

export const DEFAULT_MEMORY: MemoryOptions = { timeoutMs: 45 * 60_000, pollMs: 5000 };

/** The signer must live this long when the capture starts (the first two batches' URLs). */
const SIGNER_NEEDED_AT_START_MS = 15 * 60_000;

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

interface CaptureTarget {
  bucket: string;
  key: string;
  comment: string;
  toolsBucket: string;
  tool: { key: string; sha256: string };
}

/** Creates the upload, writes its first URL batches and sends the capture command. */
async function startCapture(
  ctx: CaseContext,
  at: CaptureTarget,
  opts: MemoryOptions,
): Promise<RunningCapture & { batches: PartUrlBatches }> {
  const f = facts(ctx);
  const types = await ctx.clients.ec2.send(
    new DescribeInstanceTypesCommand({ InstanceTypes: [f.instanceType as _InstanceType] }),
  );
  const memoryMiB = types.InstanceTypes?.[0]?.MemoryInfo?.SizeInMiB ?? 16_384;
  const plan = partPlan(memoryMiB, opts.minPartBytes ?? DEFAULT_MIN_PART_BYTES);
  // Checked before anything is created: URLs minted now must outlive the first batches' uploads.
  await checkSigner(ctx, SIGNER_NEEDED_AT_START_MS);
  const upload = await ctx.clients.s3.send(
    new CreateMultipartUploadCommand({
      Bucket: at.bucket,
      Key: at.key,
      ObjectLockMode: EVIDENCE_LOCK_MODE,
      ObjectLockRetainUntilDate: retainUntil(ctx),
      Metadata: { "case-id": ctx.caseId, "part-size": String(plan.partSize) },
    }),
  );
  const uploadId = upload.UploadId!;
  try {
    const batches = new PartUrlBatches(
      ctx,
      { bucket: at.bucket, key: at.key, uploadId },
      opts.urls ?? DEFAULT_URL_BATCHES,
    );
    await batches.write(0);
    await batches.write(1);
    const toolUrl = await getSignedUrl(
      ctx.clients.s3Presigner,
      new GetObjectCommand({ Bucket: at.toolsBucket, Key: at.tool.key }),
      { expiresIn: 900 },
    );
    const script = captureScript({
      toolUrl,
      toolSha256: at.tool.sha256,
      firstBatchUrl: await batches.batchUrl(0),
      partSizeBytes: plan.partSize,
      scratchBytes: plan.scratchBytes,
      ...(opts.batchWaitSeconds ? { batchWaitSeconds: opts.batchWaitSeconds } : {}),
    });
    const sent = await ctx.clients.ssm.send(
      new SendCommandCommand({
        InstanceIds: [ctx.instanceId],
        DocumentName: SHELL_DOCUMENT,
        Comment: at.comment,
        TimeoutSeconds: 600,
        Parameters: {
          // The upload id first: how a later attempt finds which upload this command writes to.
          commands: [`# ir-upload-id=${uploadId}`, script],
          executionTimeout: [String(Math.ceil(opts.timeoutMs / 1000))],
        },
      }),
    );
    return { uploadId, commandId: sent.Command!.CommandId!, deadline: Date.now() + opts.timeoutMs, batches };
  } catch (err) {
    // No command carries this upload's URLs unless SendCommand took effect; a transient error may mean
    // it did (the next attempt finds it by its comment), anything else means it did not.
    if (!isTransientFailure(err)) await abortUpload(ctx, at.bucket, at.key, uploadId);
    throw err;
  }
}

/** The pinned tool, from the settings only (never from metadata beside the binary). */
function pinnedTool(ctx: CaseContext): { key: string; sha256: string } | undefined {
  const t = ctx.settings.captureTool;
  return t && /^[0-9a-f]{64}$/.test(t.sha256)
    ? { key: t.key || CAPTURE_TOOL_KEY, sha256: t.sha256 }
    : undefined;
}

export function memoryStep(opts: MemoryOptions = DEFAULT_MEMORY): Step<CaseContext> {
  return {
    id: "memory",
    title: "Capture memory over SSM (streamed through presigned part URLs)",
    needs: ["isolate", "ssm-check", "evidence-bucket"],
    // Under the identity and on the network path the capture will use: the agent answered the probe.
    after: ["ssm-reach"],
    purpose: "evidence",
    timeoutMs: opts.timeoutMs + 60_000,
    async plan(ctx) {
      const ssm = ctx.records.get("ssm-check") as SsmCheck | undefined;
      return ssm?.managed
        ? [
            {
              action: "ssm:SendCommand",
              target: ctx.instanceId,
              detail: "run the pinned capture tool; stream the image through presigned part URLs",
            },
          ]
        : [];
    },
    async run(ctx, attempt) {
      if (!ctx.options.memory) return { status: "skipped", reason: "memory capture disabled (--no-memory)" };
      const reach = reachOf(ctx);
      if (!reach.reachable) return { status: "skipped", reason: `memory not captured: ${reach.reason}` };
      const tool = pinnedTool(ctx);
      if (!tool)
        return {
          status: "skipped",
          reason:
            "memory not captured: no capture tool is pinned in the responder settings (captureTool {key, sha256}); the baseline publishes it from forensicToolPins (avml): deploy it, or add it to the config file",
        };
      const f = facts(ctx);
      const bucket = evidenceBucket(ctx);
      const toolsBucket = ctx.settings.toolsBucket ?? toolsBucketName(f.accountId, ctx.settings.region);
      // ssm-reach opened it; a resumed case's earlier run may have closed it since.
      await openForensicEgress(ctx);
      const key = caseKey(ctx.caseId, `memory/${ctx.instanceId}.lime`);
      const comment = captureComment(ctx.caseId);
      // A capture takes minutes and memory changes under it: an attempt run again after a transient
      // error (or a resumed case) waits for the capture already running rather than starting another.
      const earlier = mayHaveRun(ctx, attempt)
        ? await unlessDenied(earlierCapture(ctx, { bucket, key, comment, maxAgeMs: opts.timeoutMs }))
        : undefined;
      const capture = earlier
        ? {
            ...earlier,
            batches: new PartUrlBatches(
              ctx,
              { bucket, key, uploadId: earlier.uploadId },
              opts.urls ?? DEFAULT_URL_BATCHES,
            ),
          }
        : await startCapture(ctx, { bucket, key, comment, toolsBucket, tool }, opts);
      try {
        const end = await waitForCommand(ctx, {
          commandId: capture.commandId,
          deadline: capture.deadline,
          pollMs: opts.pollMs,
          what: "memory capture",
          // A transient error costs one poll's minting, not the capture: the host waits for its batch.
          onPoll: () =>
            capture.batches.keepAhead().catch((err) => {
              if (!isTransientFailure(err)) throw err;
            }),
        });
        if (end.status !== "Success") {
          // The script says why on one "ir-capture:" line (no disk, tool not the pinned one, no URLs...).
          const why = /ir-capture: ([^\n]*)/.exec(end.stderr)?.[1] ?? end.stderr.slice(-300);
          throw new Error(`memory capture command ${capture.commandId} ended ${end.status}: ${why}`);
        }
        const stdout = end.stdout;
        const uploaded = (await listParts(ctx, { bucket, key, uploadId: capture.uploadId })).map((p) => ({
          PartNumber: p.PartNumber!,
          ETag: p.ETag!,
        }));
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
        await ensureLocked(ctx, key, done.VersionId);
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
            tool,
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
