/**
 * The upload URLs of a memory capture, minted batch by batch while the host streams. An SSM command
 * carries only a few kilobytes, while a 256 GiB host needs thousands of part URLs; and a presigned URL
 * dies with the credentials that signed it, so URLs minted at the start by an operator whose session
 * ends in 20 minutes would fail half-way through a long capture. So:
 * - the command carries one presigned GET: the URL list of batch 0;
 * - batch file k (an evidence object, `<image key>.urls/<k>`) holds the UploadPart URLs of parts
 *   k*B+1 .. (k+1)*B and a presigned GET for batch file k+1;
 * - while the capture runs, the responder keeps one batch ahead of the host (ListParts says how far it
 *   got), minting each batch with the signer's credentials as they are then, for no longer than they
 *   live; the host waits a bounded time for a batch that is not there yet.
 * The batch files stay in the locked bucket: the record of what the host was given.
 * https://docs.aws.amazon.com/AmazonS3/latest/userguide/using-presigned-url.html
 */
import { GetObjectCommand, ListPartsCommand, type Part, UploadPartCommand } from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import type { CaseContext } from "../case/context";
import { putArtefact } from "../evidence/store";
import { MAX_PARTS } from "./memory-plan";

/** Longest lifetime SigV4 allows a presigned URL. */
const SIGV4_MAX_MS = 7 * 86_400_000;
/** A URL is minted to live at least this long, else the signer is refused: a part must be able to land. */
export const MIN_URL_LIFE_MS = 5 * 60_000;
/** Margin kept before the signer's credentials expire. */
const EXPIRY_MARGIN_MS = 60_000;

export interface UrlBatchOptions {
  /** Parts per batch file. @default 50 */
  partsPerBatch: number;
  /** Lifetime of the URLs of one batch when the signer's credentials allow it, ms. @default 1 hour */
  urlTtlMs: number;
}

export const DEFAULT_URL_BATCHES: UrlBatchOptions = { partsPerBatch: 50, urlTtlMs: 3_600_000 };

export class SignerExpiringError extends Error {
  override name = "SignerExpiringError";
}

/** How long the credentials that sign the URLs still live, ms (Infinity: long-term keys). */
export async function signerLifetimeMs(ctx: Pick<CaseContext, "clients">): Promise<number> {
  const provider = ctx.clients.s3Presigner.config.credentials;
  const creds = await provider();
  return creds.expiration ? creds.expiration.getTime() - Date.now() : Number.POSITIVE_INFINITY;
}

/**
 * Refuses a signer whose credentials end within `needMs`: its URLs would die before the host used
 * them. The message says when they end and what to do.
 */
export async function checkSigner(ctx: Pick<CaseContext, "clients">, needMs: number): Promise<number> {
  const left = await signerLifetimeMs(ctx);
  if (left - EXPIRY_MARGIN_MS < needMs) {
    const minutes = Math.max(0, Math.floor(left / 60_000));
    throw new SignerExpiringError(
      `the credentials that sign the capture's upload URLs expire in ${minutes} min (${new Date(Date.now() + left).toISOString()}), and presigned URLs die with them; the capture needs URLs valid for ${Math.ceil(needMs / 60_000)} min: refresh the session (aws sso login, or assume the responder role again) and resume the case`,
    );
  }
  return left;
}

export class PartUrlBatches {
  /** Batch files already written by this run. */
  private readonly written = new Set<number>();

  constructor(
    private readonly ctx: CaseContext,
    private readonly at: { bucket: string; key: string; uploadId: string },
    private readonly opts: UrlBatchOptions,
  ) {}

  /** Evidence name (under the case) of batch file k. */
  batchName(k: number): string {
    const rel = this.at.key.split("/").slice(2).join("/");
    return `${rel}.urls/${String(k).padStart(5, "0")}`;
  }

  private get lastBatch(): number {
    return Math.ceil(MAX_PARTS / this.opts.partsPerBatch) - 1;
  }

  /** Lifetime of URLs minted now: the batch lifetime, cut to what the signer has left. */
  private async ttlSeconds(): Promise<number> {
    const left = await checkSigner(this.ctx, MIN_URL_LIFE_MS);
    const ms = Math.min(this.opts.urlTtlMs, left - EXPIRY_MARGIN_MS, SIGV4_MAX_MS);
    return Math.floor(ms / 1000);
  }

  /** Presigned GET of batch file k. */
  async batchUrl(k: number, expiresIn?: number): Promise<string> {
    return getSignedUrl(
      this.ctx.clients.s3Presigner,
      new GetObjectCommand({ Bucket: this.at.bucket, Key: `cases/${this.ctx.caseId}/${this.batchName(k)}` }),
      { expiresIn: expiresIn ?? (await this.ttlSeconds()) },
    );
  }

  /** Mints batch k (part URLs, the next batch's GET) and writes it to the evidence bucket. */
  async write(k: number): Promise<void> {
    if (k > this.lastBatch || this.written.has(k)) return;
    const expiresIn = await this.ttlSeconds();
    const first = k * this.opts.partsPerBatch + 1;
    const last = Math.min(MAX_PARTS, first + this.opts.partsPerBatch - 1);
    const lines = await Promise.all(
      Array.from({ length: last - first + 1 }, async (_, i) => {
        const url = await getSignedUrl(
          this.ctx.clients.s3Presigner,
          new UploadPartCommand({
            Bucket: this.at.bucket,
            Key: this.at.key,
            UploadId: this.at.uploadId,
            PartNumber: first + i,
          }),
          { expiresIn },
        );
        return `part ${first + i} ${url}`;
      }),
    );
    if (k < this.lastBatch) lines.push(`next ${await this.batchUrl(k + 1, expiresIn)}`);
    await putArtefact(this.ctx, this.batchName(k), `${lines.join("\n")}\n`, "text/plain", "latest");
    this.written.add(k);
  }

  /** Highest part number the host has uploaded (0: none yet). */
  async progress(): Promise<number> {
    // From the batch before the newest written: earlier parts do not move the host's position.
    const newest = Math.max(-1, ...this.written);
    const from = Math.max(0, (newest - 1) * this.opts.partsPerBatch);
    const parts = await listParts(this.ctx, this.at, from);
    return Math.max(0, ...parts.map((p) => p.PartNumber ?? 0));
  }

  /** Keeps one batch ahead of the host: the batch of its next part and the one after exist. */
  async keepAhead(): Promise<void> {
    const done = await this.progress();
    const current = Math.floor(done / this.opts.partsPerBatch);
    await this.write(current);
    await this.write(current + 1);
  }
}

/** The upload's parts after part number `after` (every part by default), through all of ListParts' pages. */
export async function listParts(
  ctx: Pick<CaseContext, "clients">,
  at: { bucket: string; key: string; uploadId: string },
  after = 0,
): Promise<Part[]> {
  const parts: Part[] = [];
  let marker = after > 0 ? String(after) : undefined;
  for (;;) {
    const res = await ctx.clients.s3.send(
      new ListPartsCommand({
        Bucket: at.bucket,
        Key: at.key,
        UploadId: at.uploadId,
        ...(marker ? { PartNumberMarker: marker } : {}),
      }),
    );
    parts.push(...(res.Parts ?? []));
    if (!res.IsTruncated || !res.NextPartNumberMarker) return parts;
    marker = res.NextPartNumberMarker;
  }
}
