/**
 * Finds the memory capture an earlier attempt of the case started: its multipart upload still open in
 * the evidence bucket, and a capture command (found by its comment) that carries that upload's part URLs
 * and is still running or done. A step run again after a transient error, or a resumed case, waits for
 * that capture instead of starting a second one: a capture takes minutes and memory changes under it.
 */
import { ListMultipartUploadsCommand } from "@aws-sdk/client-s3";
import { type Command, ListCommandsCommand } from "@aws-sdk/client-ssm";
import type { RespondContext } from "../respond/context";

export const CAPTURE_DOCUMENT = "AWS-RunShellScript";

/** A capture command and the upload its part URLs write to. */
export interface RunningCapture {
  uploadId: string;
  commandId: string;
  /** When waiting for it stops (its part URLs expire then). */
  deadline: number;
}

/** Command states in which the capture may still deliver (SSM's command-level statuses). */
const LIVE = new Set(["Pending", "InProgress", "Success"]);
/** ListCommands pages to read at most (50 commands each, newest window only). */
const MAX_PAGES = 5;

/** Upload ids the part URLs of a capture command write to (presigned UploadPart URLs). */
export function uploadIdsOf(command: Pick<Command, "Parameters">): Set<string> {
  const ids = new Set<string>();
  for (const script of command.Parameters?.commands ?? []) {
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
  ctx: RespondContext,
  at: { bucket: string; key: string; comment: string; maxAgeMs: number },
): Promise<RunningCapture | undefined> {
  const uploads = await ctx.clients.s3.send(
    new ListMultipartUploadsCommand({ Bucket: at.bucket, Prefix: at.key }),
  );
  const open = new Set(
    (uploads.Uploads ?? []).filter((u) => u.Key === at.key && u.UploadId).map((u) => u.UploadId!),
  );
  if (open.size === 0) return undefined;
  // Older commands' part URLs have expired: only the capture window is worth reading.
  const since = new Date(Date.now() - at.maxAgeMs).toISOString();
  let nextToken: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const res = await ctx.clients.ssm.send(
      new ListCommandsCommand({
        InstanceId: ctx.instanceId,
        Filters: [{ key: "InvokedAfter", value: since }],
        ...(nextToken ? { NextToken: nextToken } : {}),
      }),
    );
    const newestFirst = [...(res.Commands ?? [])].sort(
      (a, b) => (b.RequestedDateTime?.getTime() ?? 0) - (a.RequestedDateTime?.getTime() ?? 0),
    );
    for (const c of newestFirst) {
      if (c.Comment !== at.comment || c.DocumentName !== CAPTURE_DOCUMENT || !LIVE.has(c.Status ?? ""))
        continue;
      const uploadId = [...uploadIdsOf(c)].find((id) => open.has(id));
      if (uploadId && c.CommandId) {
        return {
          uploadId,
          commandId: c.CommandId,
          deadline: (c.RequestedDateTime?.getTime() ?? Date.now()) + at.maxAgeMs,
        };
      }
    }
    nextToken = res.NextToken;
    if (!nextToken) break;
  }
  return undefined;
}
