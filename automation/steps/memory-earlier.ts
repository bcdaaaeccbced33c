/**
 * Finds the memory capture an earlier attempt of the case started: its multipart upload still open in
 * the evidence bucket, and a capture command (found by its comment) that carries that upload's part URLs
 * and is still running or done. A step run again after a transient error, or a resumed case, waits for
 * that capture instead of starting a second one: a capture takes minutes and memory changes under it.
 */
import { ListMultipartUploadsCommand } from "@aws-sdk/client-s3";
import type { Command } from "@aws-sdk/client-ssm";
import type { CaseContext } from "../case/context";
import { findCommand } from "./ssm-command";

/** A capture command and the upload its part URLs write to. */
export interface RunningCapture {
  uploadId: string;
  commandId: string;
  /** When waiting for it stops (its part URLs expire then). */
  deadline: number;
}

/** Command states in which the capture may still deliver (SSM's command-level statuses). */
const LIVE = new Set(["Pending", "InProgress", "Success"]);

/**
 * Upload ids a capture command writes to: its `# ir-upload-id=` line (the part URLs are in batch files),
 * or the presigned UploadPart URLs it carried itself (commands of earlier versions).
 */
export function uploadIdsOf(command: Pick<Command, "Parameters">): Set<string> {
  const ids = new Set<string>();
  for (const script of command.Parameters?.commands ?? []) {
    for (const m of script.matchAll(/^# ir-upload-id=(\S+)$/gm)) ids.add(m[1]!);
    for (const m of script.matchAll(/[?&]uploadId=([^&\s'"]+)/g)) {
      try {
        ids.add(decodeURIComponent(m[1]!));
      } catch {
        // Not a URL we minted: ignore.
      }
    }
  }
  return ids;
}

export async function earlierCapture(
  ctx: CaseContext,
  at: { bucket: string; key: string; comment: string; maxAgeMs: number },
): Promise<RunningCapture | undefined> {
  const uploads = await ctx.clients.s3.send(
    new ListMultipartUploadsCommand({ Bucket: at.bucket, Prefix: at.key }),
  );
  const open = new Set(
    (uploads.Uploads ?? []).filter((u) => u.Key === at.key && u.UploadId).map((u) => u.UploadId!),
  );
  if (open.size === 0) return undefined;
  return findCommand(ctx, { comment: at.comment, maxAgeMs: at.maxAgeMs, statuses: LIVE }, (c) => {
    const uploadId = [...uploadIdsOf(c)].find((id) => open.has(id));
    return uploadId && c.CommandId
      ? {
          uploadId,
          commandId: c.CommandId,
          deadline: (c.RequestedDateTime?.getTime() ?? Date.now()) + at.maxAgeMs,
        }
      : undefined;
  });
}
