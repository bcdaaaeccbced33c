/**
 * A stand-in for the pinned memory-capture tool, for the tests and the game day: a bash script that
 * writes `mib` MiB of deterministic bytes to the path it is given (what `avml <path>` does with the
 * host's memory), and its SHA-256. The memory step (automation/steps/memory.ts) runs the tool named by
 * the responder settings' `captureTool` {key, sha256}: the capture script downloads it through a
 * presigned GET and checks that pin before running it. Seed it with
 * `seedFakeCaptureTool(clients.s3, toolsBucket)` after creating the bucket and put the returned pin in
 * the settings.
 */
import { createHash } from "node:crypto";
import { PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { CAPTURE_TOOL_KEY } from "../../../steps/memory";

export interface FakeCaptureTool {
  body: Buffer;
  sha256: string;
  /** Bytes the tool writes. */
  size: number;
}

/** The tool writing `mib` MiB (a repeated line, so the capture's hash is known in advance). */
export function fakeCaptureTool(mib = 1): FakeCaptureTool {
  if (!Number.isInteger(mib) || mib < 0) throw new Error(`capture size must be whole MiB, got ${mib}`);
  const size = mib * 1024 * 1024;
  const body = Buffer.from(
    [
      "#!/bin/bash",
      "# Fake capture tool (ir strict layer): deterministic bytes instead of the host's memory.",
      // No pipefail: `yes` ends on SIGPIPE once `head` has its bytes.
      "set -eu",
      '[ $# -eq 1 ] || { echo "usage: $0 <output>" >&2; exit 2; }',
      `yes "ir-fake-memory-page" | head -c ${size} > "$1"`,
      "",
    ].join("\n"),
  );
  return { body, sha256: createHash("sha256").update(body).digest("hex"), size };
}

/** What the fake tool writes, for a test to compare with the uploaded capture. */
export function fakeCaptureBytes(mib = 1): Buffer {
  const line = Buffer.from("ir-fake-memory-page\n");
  const size = mib * 1024 * 1024;
  const out = Buffer.alloc(size);
  for (let at = 0; at < size; at += line.length) line.copy(out, at, 0, Math.min(line.length, size - at));
  return out;
}

/** Publishes the fake tool at `key`; the pin for the settings is `{ key, sha256: tool.sha256 }`. */
export async function seedFakeCaptureTool(
  s3: S3Client,
  bucket: string,
  mib = 1,
  key = CAPTURE_TOOL_KEY,
): Promise<FakeCaptureTool & { key: string }> {
  const tool = fakeCaptureTool(mib);
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: tool.body }));
  return { ...tool, key };
}
