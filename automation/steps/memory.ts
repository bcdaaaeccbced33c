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
import { GetCommandInvocationCommand, SendCommandCommand } from "@aws-sdk/client-ssm";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { EVIDENCE_LOCK_MODE, toolsBucketName } from "../../facts/names";
import type { Json, Step } from "../engine/types";
import { caseKey, evidenceBucket, hashObject, retainUntil } from "../evidence/store";
import { facts, type RespondContext } from "../respond/context";
import { openForensicEgress } from "./forensic-egress";
import { captureScript } from "./memory-script";
import type { SsmCheck } from "./ssm-check";
import { sleep } from "./util";

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

export function memoryStep(opts: MemoryOptions = DEFAULT_MEMORY): Step<RespondContext> {
  return {
    id: "memory",
    title: "Capture memory over SSM (presigned multipart upload)",
    after: ["isolate", "ssm-check", "evidence-bucket"],
    evidence: true,
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
    async run(ctx) {
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
          );
        });
      const toolSha = tool.Metadata?.sha256;
      if (!toolSha || !/^[0-9a-f]{64}$/.test(toolSha)) {
        throw new Error(
          `capture tool s3://${toolsBucket}/${CAPTURE_TOOL_KEY} has no pinned sha256 metadata: refusing to run an unpinned binary`,
        );
      }
      await openForensicEgress(ctx);
      const types = await ctx.clients.ec2.send(
        new DescribeInstanceTypesCommand({ InstanceTypes: [f.instanceType as _InstanceType] }),
      );
      const memoryMiB = types.InstanceTypes?.[0]?.MemoryInfo?.SizeInMiB ?? 16_384;
      const { partSize, parts } = partPlan(memoryMiB);
      const key = caseKey(ctx.caseId, `memory/${ctx.instanceId}.lime`);
      const expiresIn = Math.ceil(opts.timeoutMs / 1000);
      const upload = await ctx.clients.s3.send(
        new CreateMultipartUploadCommand({
          Bucket: bucket,
          Key: key,
          ObjectLockMode: EVIDENCE_LOCK_MODE,
          ObjectLockRetainUntilDate: retainUntil(ctx),
          Metadata: { "case-id": ctx.caseId },
        }),
      );
      const uploadId = upload.UploadId!;
      const abort = () =>
        Promise.resolve()
          .then(() =>
            ctx.clients.s3.send(
              new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId }),
            ),
          )
          .catch(() => undefined);
      try {
        const partUrls = await Promise.all(
          Array.from({ length: parts }, (_, i) =>
            getSignedUrl(
              ctx.clients.s3,
              new UploadPartCommand({ Bucket: bucket, Key: key, UploadId: uploadId, PartNumber: i + 1 }),
              { expiresIn },
            ),
          ),
        );
        const toolUrl = await getSignedUrl(
          ctx.clients.s3,
          new GetObjectCommand({ Bucket: toolsBucket, Key: CAPTURE_TOOL_KEY }),
          { expiresIn: 900 },
        );
        const sent = await ctx.clients.ssm.send(
          new SendCommandCommand({
            InstanceIds: [ctx.instanceId],
            DocumentName: "AWS-RunShellScript",
            Comment: `ir ${ctx.caseId} memory capture`.slice(0, 100),
            TimeoutSeconds: 600,
            Parameters: {
              commands: [captureScript({ toolUrl, toolSha256: toolSha, partUrls, partSizeBytes: partSize })],
              executionTimeout: [String(expiresIn)],
            },
          }),
        );
        const commandId = sent.Command!.CommandId!;
        const deadline = Date.now() + opts.timeoutMs;
        let status = "Pending";
        let stdout = "";
        while (Date.now() < deadline) {
          await sleep(opts.pollMs);
          const inv = await ctx.clients.ssm
            .send(new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: ctx.instanceId }))
            .catch((err) => {
              if ((err as Error).name === "InvocationDoesNotExist") return undefined;
              throw err;
            });
          status = inv?.Status ?? "Pending";
          stdout = inv?.StandardOutputContent ?? "";
          if (!["Pending", "InProgress", "Delayed"].includes(status)) {
            if (status !== "Success") {
              throw new Error(
                `memory capture command ${commandId} ended ${status}: ${(inv?.StandardErrorContent ?? "").slice(-300)}`,
              );
            }
            break;
          }
        }
        if (status !== "Success")
          throw new Error(`memory capture did not finish within ${opts.timeoutMs} ms (command ${commandId})`);
        const listed = await ctx.clients.s3.send(
          new ListPartsCommand({ Bucket: bucket, Key: key, UploadId: uploadId }),
        );
        const uploaded = (listed.Parts ?? []).map((p) => ({ PartNumber: p.PartNumber!, ETag: p.ETag! }));
        if (uploaded.length === 0)
          throw new Error(`memory capture command ${commandId} reported success but uploaded no part`);
        const done = await ctx.clients.s3.send(
          new CompleteMultipartUploadCommand({
            Bucket: bucket,
            Key: key,
            UploadId: uploadId,
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
            commandId,
            parts: uploaded.length,
            hostReportedSha256: reported ?? null,
            hostHashMatches: reported ? reported === sha256 : null,
          } as Json,
        };
      } catch (err) {
        await abort();
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
