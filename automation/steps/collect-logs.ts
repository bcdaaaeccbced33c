/**
 * collect-logs: the host's logs and volatile state (see automation/ssm-documents/collect-logs.ts) over
 * SSM Run Command, after isolation and after the memory capture (memory is more volatile, and the two
 * would compete on the host). The host gets one presigned PUT URL per artefact, never AWS credentials.
 * The responder then hashes what S3 holds (the host's own sha256sum may be trojaned: its numbers are
 * recorded and compared, never trusted) and makes sure each object is under the compliance lock.
 * The host is asked once: an attempt run again after a transient error, or a resumed case, uses the
 * collection an earlier attempt sent (found by its command comment) before sending another.
 * Never blocks containment; skipped with the reason when the agent did not answer ssm-reach's probe.
 */
import { HeadObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { SendCommandCommand } from "@aws-sdk/client-ssm";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { EVIDENCE_LOCK_MODE } from "../../facts/names";
import type { CaseContext } from "../case/context";
import type { Json, RunAttempt, Step } from "../engine/types";
import { type Artefact, caseKey, ensureLocked, evidenceBucket, hashObject } from "../evidence/store";
import { COLLECTION_ARTEFACTS, type CollectedArtefact, parseCollectionOutput } from "../ssm-documents";
import { collectLogsScript } from "../ssm-documents/collect-logs";
import { openForensicEgress } from "./forensic-egress";
import { plannedCommand } from "./ssm-check";
import { findCommand, SHELL_DOCUMENT, unlessDenied, waitForCommand } from "./ssm-command";
import { reachOf } from "./ssm-reach";
import { errorName, mayHaveRun } from "./util";

export interface CollectLogsOptions {
  /** Bound of the whole collection, ms (also the lifetime of the presigned URLs). @default 20 minutes */
  timeoutMs: number;
  /** Poll interval of the command's status, ms. @default 5000 */
  pollMs: number;
  /** Journal and modified files from this long before the case opened, ms. @default 72 hours */
  lookbackMs: number;
  /**
   * Bound of verification (nine HEADs, retried): what the host did not upload will not appear later,
   * so there is no point in waiting long. @default 15000
   */
  verifyTimeoutMs?: number;
}

export const DEFAULT_COLLECT_LOGS: CollectLogsOptions = {
  timeoutMs: 20 * 60_000,
  pollMs: 5000,
  lookbackMs: 72 * 3_600_000,
};

/** One collected artefact: what S3 holds (hashed by the responder) beside what the host reported. */
export interface LogArtefact extends Artefact {
  hostSha256: string | null;
  hostHashMatches: boolean | null;
}

export interface CollectLogsRecord {
  commandId: string;
  since: string;
  artefacts: LogArtefact[];
  /** Artefacts the host could not upload (named with the host's status). */
  missing: { name: string; reason: string }[];
  /** Artefacts whose S3 hash differs from the host's: its tools or the upload were tampered with. */
  hashMismatches: string[];
}

const logKey = (caseId: string, name: string) => caseKey(caseId, `logs/${name}`);

/** The collection's command comment: how a later attempt finds it (SSM keeps at most 100 characters). */
const collectionComment = (caseId: string) => `ir ${caseId} log collection`.slice(0, 100);

/**
 * Command states of a collection whose result a later attempt can use: still running, or ended with
 * its output (the script exits non-zero, so "Failed", when an upload failed; its output says which).
 */
const USABLE = new Set(["Pending", "InProgress", "Success", "Failed"]);

interface Collection {
  commandId: string;
  /** When waiting for it stops (its presigned URLs expire then). */
  deadline: number;
}

/** Mints one presigned PUT URL per artefact and sends the collection script with them. */
async function sendCollection(ctx: CaseContext, since: Date, opts: CollectLogsOptions): Promise<Collection> {
  const bucket = evidenceBucket(ctx);
  const expiresIn = Math.ceil(opts.timeoutMs / 1000);
  const urls: Record<string, string> = {};
  await Promise.all(
    COLLECTION_ARTEFACTS.map(async (a) => {
      urls[a.name] = await getSignedUrl(
        ctx.clients.s3Presigner,
        new PutObjectCommand({ Bucket: bucket, Key: logKey(ctx.caseId, a.name) }),
        { expiresIn },
      );
    }),
  );
  const sent = await ctx.clients.ssm.send(
    new SendCommandCommand({
      InstanceIds: [ctx.instanceId],
      DocumentName: SHELL_DOCUMENT,
      Comment: collectionComment(ctx.caseId),
      TimeoutSeconds: 600,
      Parameters: {
        commands: [collectLogsScript({ urls, since })],
        executionTimeout: [String(expiresIn)],
      },
    }),
  );
  const commandId = sent.Command?.CommandId;
  if (!commandId) throw new Error("SSM accepted the log collection command but returned no command id");
  return { commandId, deadline: Date.now() + opts.timeoutMs };
}

/**
 * The collection an earlier attempt of the case sent (its answer lost to a reset or a 5xx), if any. A
 * collection a run already recorded is never the one: a rerun of a case whose collection missed uploads
 * (or whose objects changed) must ask the host again, not read the same result back.
 */
function earlierCollection(
  ctx: CaseContext,
  opts: CollectLogsOptions,
  attempt: RunAttempt | undefined,
): Promise<Collection | undefined> {
  const recorded = (attempt?.unverifiedRecord as CollectLogsRecord | undefined)?.commandId;
  return findCommand(
    ctx,
    { comment: collectionComment(ctx.caseId), maxAgeMs: opts.timeoutMs, statuses: USABLE },
    (c) =>
      c.CommandId && c.CommandId !== recorded
        ? {
            commandId: c.CommandId,
            deadline: (c.RequestedDateTime?.getTime() ?? Date.now()) + opts.timeoutMs,
          }
        : undefined,
  );
}

/** Hashes one uploaded object as S3 holds it and makes sure it is under the compliance lock. */
async function secure(ctx: CaseContext, name: string, host?: CollectedArtefact): Promise<LogArtefact> {
  const key = logKey(ctx.caseId, name);
  const head = await ensureLocked(ctx, key);
  const { sha256, size } = await hashObject(ctx, key, head.VersionId);
  return {
    name: `logs/${name}`,
    key,
    sha256,
    size,
    ...(head.VersionId ? { versionId: head.VersionId } : {}),
    collectedAt: new Date().toISOString(),
    hostSha256: host?.sha256 ?? null,
    hostHashMatches: host ? host.sha256 === sha256 : null,
  };
}

export function collectLogsStep(opts: CollectLogsOptions = DEFAULT_COLLECT_LOGS): Step<CaseContext> {
  return {
    id: "collect-logs",
    title: "Collect logs and volatile state over SSM (presigned uploads)",
    after: ["isolate", "ssm-check", "ssm-reach", "evidence-bucket", "memory"],
    // After the memory capture whatever its outcome: a failed capture must not cost the logs too.
    purpose: "evidence",
    timeoutMs: opts.timeoutMs + 120_000,
    verifyTimeoutMs: opts.verifyTimeoutMs ?? 15_000,
    async plan(ctx) {
      return plannedCommand(
        ctx,
        `collect logs and volatile state; ${COLLECTION_ARTEFACTS.length} uploads through presigned URLs (when SSM manages the instance)`,
      );
    },
    async run(ctx, attempt) {
      const reach = reachOf(ctx);
      if (!reach.reachable) return { status: "skipped", reason: `logs not collected: ${reach.reason}` };
      if (!ctx.records.get("evidence-bucket"))
        throw new Error("no evidence bucket: logs cannot be collected (see the evidence-bucket step)");
      await openForensicEgress(ctx);
      const since = new Date(Date.parse(ctx.caseStartedAt) - opts.lookbackMs);
      // An attempt run again after a transient error (or a resumed case) waits for the collection an
      // earlier attempt sent rather than asking the host twice (the same keys, written twice over).
      const earlier = mayHaveRun(ctx, attempt)
        ? await unlessDenied(earlierCollection(ctx, opts, attempt))
        : undefined;
      const { commandId, deadline } = earlier ?? (await sendCollection(ctx, since, opts));
      const end = await waitForCommand(ctx, {
        commandId,
        deadline,
        pollMs: opts.pollMs,
        what: "log collection",
      });
      // The script exits non-zero when an upload failed; its output still says which ones arrived.
      if (end.status !== "Success" && end.status !== "Failed")
        throw new Error(`log collection command ${commandId} ended ${end.status}: ${end.stderr.slice(-300)}`);
      const stdout = end.stdout;
      const reported = new Map(parseCollectionOutput(stdout).map((r) => [r.name, r]));
      const artefacts: LogArtefact[] = [];
      const missing: CollectLogsRecord["missing"] = [];
      for (const a of COLLECTION_ARTEFACTS) {
        const host = reported.get(a.name);
        try {
          artefacts.push(await secure(ctx, a.name, host));
        } catch (err) {
          missing.push({
            name: a.name,
            reason: host
              ? `the host reported the upload ${host.status}; S3 has no object (${errorName(err)})`
              : `the host did not report it; S3 has no object (${errorName(err)})`,
          });
        }
      }
      if (artefacts.length === 0) {
        throw new Error(
          `log collection command ${commandId} uploaded nothing: ${missing.map((m) => `${m.name}: ${m.reason}`).join("; ")}`,
        );
      }
      const record: CollectLogsRecord = {
        commandId,
        since: since.toISOString(),
        artefacts,
        missing,
        hashMismatches: artefacts.filter((a) => a.hostHashMatches === false).map((a) => a.name),
      };
      return { status: "done", record: record as unknown as Json };
    },
    async verify(ctx, record) {
      const r = record as unknown as CollectLogsRecord | undefined;
      if (!r?.artefacts) return { ok: false, detail: "no collection recorded" };
      const note = r.hashMismatches.length
        ? `; host hashes differ from S3 (host tools or upload tampered): ${r.hashMismatches.join(", ")}`
        : "";
      // Decided from the record alone (no S3 call), so every retry of the engine answers at once.
      if (r.missing.length)
        return { ok: false, detail: `not collected: ${r.missing.map((m) => m.name).join(", ")}${note}` };
      const bucket = evidenceBucket(ctx);
      const heads = await Promise.all(
        r.artefacts.map((a) =>
          ctx.clients.s3.send(
            new HeadObjectCommand({
              Bucket: bucket,
              Key: a.key,
              ...(a.versionId ? { VersionId: a.versionId } : {}),
            }),
          ),
        ),
      );
      const bad = r.artefacts.filter((a, i) => heads[i]!.ContentLength !== a.size).map((a) => a.name);
      return bad.length
        ? { ok: false, detail: `size differs from the record: ${bad.join(", ")}${note}` }
        : { ok: true, detail: `${r.artefacts.length} artefact(s) under ${EVIDENCE_LOCK_MODE} lock${note}` };
    },
  };
}
