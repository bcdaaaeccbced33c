/**
 * How a memory image is cut into multipart-upload parts. S3 takes at most 10,000 parts of 5 MiB to
 * 5 GiB each (https://docs.aws.amazon.com/AmazonS3/latest/userguide/qfacts.html); the host streams the
 * image and keeps one part on its own disk at a time, so the part is as small as the 10,000-part limit
 * allows, never below `minPartBytes` (fewer round trips for small hosts).
 */

export const MIB = 1024 * 1024;
export const GIB = 1024 * MIB;
/** S3's limits on one multipart upload. */
export const MAX_PARTS = 10_000;
export const MAX_PART_BYTES = 5 * GIB;
export const MIN_PART_BYTES = 5 * MIB;
/** Part size for small hosts: 64 MiB (a 16 GiB host: about 270 parts). */
export const DEFAULT_MIN_PART_BYTES = 64 * MIB;
/** Room on the host's disk beside one part: the capture tool and the script's work files. */
export const SCRATCH_MARGIN_BYTES = 64 * MIB;

export interface PartPlan {
  /** Bytes of every part but the last (a whole number of MiB: the host cuts parts with dd bs=1M). */
  partSize: number;
  /** Parts the estimated image needs (the host may use more, up to MAX_PARTS, if it is larger). */
  parts: number;
  /** The image's estimated size: memory, LiME headers, slack. */
  estimatedBytes: number;
  /** Free space the host needs where the script works: one part and the margin. */
  scratchBytes: number;
}

/**
 * The plan for a host with `memoryMiB` of memory. Throws when no part size within S3's limits covers
 * it (beyond 48 TiB: no EC2 instance has that much).
 */
export function partPlan(memoryMiB: number, minPartBytes = DEFAULT_MIN_PART_BYTES): PartPlan {
  if (!Number.isFinite(memoryMiB) || memoryMiB <= 0)
    throw new Error(`memory size must be a positive number of MiB, got ${memoryMiB}`);
  if (minPartBytes < MIN_PART_BYTES || minPartBytes % MIB !== 0)
    throw new Error(`minimum part size must be a whole number of MiB of at least 5 MiB, got ${minPartBytes}`);
  // LiME adds a 32-byte header per memory range; 5% and 64 MiB of slack cover them and a growing guest.
  const estimatedBytes = Math.ceil(memoryMiB * 1.05 * MIB) + 64 * MIB;
  // Leave 5% of the parts unplanned: an image larger than estimated still fits.
  const byLimit = Math.ceil(estimatedBytes / (MAX_PARTS * 0.95) / MIB) * MIB;
  const partSize = Math.max(minPartBytes, byLimit);
  if (partSize > MAX_PART_BYTES)
    throw new Error(
      `a ${memoryMiB} MiB memory image needs parts of ${Math.round(partSize / MIB)} MiB, over S3's 5 GiB part limit`,
    );
  return {
    partSize,
    parts: Math.ceil(estimatedBytes / partSize),
    estimatedBytes,
    scratchBytes: partSize + SCRATCH_MARGIN_BYTES,
  };
}
