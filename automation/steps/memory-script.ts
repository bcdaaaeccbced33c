/**
 * The shell script the memory step runs on the host. It holds no credentials: presigned URLs only. It
 * - checks there is room for one part (the image is never written whole to the host's disk);
 * - downloads the pinned capture tool and checks it against the pin the responder passed (from its
 *   settings, never from the tools bucket: whoever can replace the binary there could replace a pin
 *   kept beside it), and refuses to run anything else;
 * - runs the tool into a FIFO (AVML, like LiME, writes its image sequentially) and cuts the stream
 *   into parts of exactly `partSizeBytes` with dd, each uploaded with its Content-MD5 (Object Lock
 *   requires an integrity header on every UploadPart) through the URLs of the batch files it fetches
 *   one after the other (memory-urls.ts), waiting a bounded time for a batch not yet written;
 * - prints the image's hash as read from the stream, its size and the part count.
 * Exit codes the step maps to reasons: 75 too little disk, 76 tool hash mismatch, 77 no URLs for the
 * next part in time, 78 a part refused by S3.
 */
import { checkPresignedUrl, shellQuote as q } from "../ssm-documents/shell";

export interface CaptureScriptInput {
  toolUrl: string;
  toolSha256: string;
  /** Presigned GET of the first batch file of part URLs. */
  firstBatchUrl: string;
  partSizeBytes: number;
  /** Free bytes needed where the script works (one part and the tool). */
  scratchBytes: number;
  /** How long the host waits for a batch file the responder has not written yet, seconds. @default 600 */
  batchWaitSeconds?: number;
  /** Where the script works (its part file and the FIFO). @default /var/tmp */
  workRoot?: string;
}

export const CAPTURE_EXIT = { noSpace: 75, toolMismatch: 76, noUrls: 77, partRefused: 78 } as const;

export function captureScript(input: CaptureScriptInput): string {
  const partMiB = input.partSizeBytes / (1024 * 1024);
  if (!Number.isInteger(partMiB) || partMiB < 5)
    throw new Error(
      `part size must be a whole number of MiB of at least 5, got ${input.partSizeBytes} bytes`,
    );
  checkPresignedUrl(input.toolUrl, "capture tool URL");
  checkPresignedUrl(input.firstBatchUrl, "first batch URL");
  if (!/^[0-9a-f]{64}$/.test(input.toolSha256))
    throw new Error(`capture tool pin must be 64 lower-case hex digits, got "${input.toolSha256}"`);
  const wait = input.batchWaitSeconds ?? 600;
  const root = input.workRoot ?? "/var/tmp";
  return [
    "#!/bin/bash",
    "set -uo pipefail",
    "umask 077",
    `ROOT=${q(root)}`,
    `NEED=${input.scratchBytes}`,
    `PART_MIB=${partMiB}`,
    `WAIT=${wait}`,
    `E_SPACE=${CAPTURE_EXIT.noSpace} E_TOOL=${CAPTURE_EXIT.toolMismatch} E_URLS=${CAPTURE_EXIT.noUrls} E_PART=${CAPTURE_EXIT.partRefused}`,
    'die() { echo "ir-capture: $2" >&2; exit "$1"; }',
    "FREE=$(( $(df -Pk \"$ROOT\" | awk 'NR==2 {print $4}') * 1024 ))",
    '[ "$FREE" -ge "$NEED" ] || die $E_SPACE "not enough free space in $ROOT: $FREE bytes free, $NEED needed (one part and the tool)"',
    'WORK="$(mktemp -d "$ROOT/ir-capture.XXXXXX")" || die 1 "cannot create a work directory in $ROOT"',
    'TOOL_PID=""',
    'cleanup() { [ -n "$TOOL_PID" ] && kill "$TOOL_PID" 2>/dev/null; rm -rf "$WORK"; }',
    "trap cleanup EXIT",
    `curl -fsS --retry 3 -o "$WORK/avml" ${q(input.toolUrl)} || die 1 "cannot download the capture tool"`,
    `echo ${q(`${input.toolSha256}  `)}"$WORK/avml" | sha256sum -c --quiet - >/dev/null 2>&1 || die $E_TOOL "the capture tool's SHA-256 is $(sha256sum "$WORK/avml" | cut -d' ' -f1), not the pinned ${input.toolSha256}: refusing to run it"`,
    'chmod 700 "$WORK/avml"',
    'mkfifo "$WORK/image" || die 1 "cannot create a FIFO in $WORK"',
    '"$WORK/avml" "$WORK/image" 2>"$WORK/tool.err" &',
    "TOOL_PID=$!",
    // The stream is hashed as it is read: what the host produced, to compare with what S3 holds.
    'exec 3< <(tee >(sha256sum | cut -d" " -f1 > "$WORK/sha256") < "$WORK/image")',
    // Fetches a batch file, waiting for the responder to write it.
    "fetch() {",
    "  local t=0",
    '  until curl -fsS -o "$2" "$1" 2>/dev/null; do',
    '    t=$(( t + 2 )); [ "$t" -ge "$WAIT" ] && return 1; sleep 2',
    "  done",
    "}",
    `BATCH_URL=${q(input.firstBatchUrl)}`,
    "PARTS=0 SIZE=0 EOF=0",
    'while [ "$EOF" = 0 ]; do',
    '  fetch "$BATCH_URL" "$WORK/batch" || die $E_URLS "no upload URLs for part $(( PARTS + 1 )) after ${WAIT} s: the responder stopped minting them (its session expired, or ir stopped); resume the case"',
    '  BATCH_URL=""',
    "  while read -r kind n url; do",
    '    if [ "$kind" = next ]; then BATCH_URL="$n"; continue; fi',
    '    [ "$kind" = part ] || continue',
    '    dd bs=1M count=$PART_MIB iflag=fullblock of="$WORK/part" status=none <&3',
    '    BYTES=$(stat -c %s "$WORK/part")',
    '    if [ "$BYTES" -eq 0 ]; then EOF=1; break; fi',
    // coreutils only (no openssl on minimal hosts): the hex digest turned into bytes, then base64.
    `    MD5="$(printf '%b' "$(md5sum < "$WORK/part" | cut -d' ' -f1 | sed 's/../\\\\x&/g')" | base64)"`,
    '    curl -fsS --retry 3 -X PUT -H "Content-MD5: $MD5" --upload-file "$WORK/part" -o /dev/null "$url" || die $E_PART "part $n ($BYTES bytes) was refused by S3"',
    "    PARTS=$(( PARTS + 1 )) SIZE=$(( SIZE + BYTES ))",
    '    if [ "$BYTES" -lt $(( PART_MIB * 1048576 )) ]; then EOF=1; break; fi',
    '  done < "$WORK/batch"',
    '  [ "$EOF" = 1 ] || [ -n "$BATCH_URL" ] || die $E_URLS "the image is larger than 10,000 parts of ${PART_MIB} MiB"',
    "done",
    "exec 3<&-",
    'wait "$TOOL_PID"; TOOL_RC=$?; TOOL_PID=""',
    '[ "$TOOL_RC" -eq 0 ] || die 1 "the capture tool failed ($TOOL_RC): $(tail -c 300 "$WORK/tool.err")"',
    'for _ in $(seq 1 50); do [ -s "$WORK/sha256" ] && break; sleep 0.1; done',
    'echo "sha256=$(cat "$WORK/sha256") size=$SIZE parts=$PARTS"',
  ].join("\n");
}
