/**
 * The shell script the memory step runs on the host. It receives presigned URLs only (no credentials),
 * checks the pinned tool's hash before running it, uploads the capture part by part, prints only its
 * hash, and removes its work files.
 */
export interface CaptureScriptInput {
  toolUrl: string;
  toolSha256: string;
  partUrls: string[];
  partSizeBytes: number;
}

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

export function captureScript(input: CaptureScriptInput): string {
  const partMiB = Math.round(input.partSizeBytes / (1024 * 1024));
  return [
    "#!/bin/bash",
    "set -euo pipefail",
    "umask 077",
    'WORK="$(mktemp -d /var/tmp/ir-capture.XXXXXX)"',
    "trap 'rm -rf \"$WORK\"' EXIT",
    `curl -fsS --retry 3 -o "$WORK/avml" ${q(input.toolUrl)}`,
    `echo ${q(`${input.toolSha256}  `)}"$WORK/avml" | sha256sum -c --quiet -`,
    'chmod 700 "$WORK/avml"',
    '"$WORK/avml" "$WORK/memory.lime"',
    `PARTS=(${input.partUrls.map(q).join(" ")})`,
    'SIZE=$(stat -c %s "$WORK/memory.lime")',
    `PART_MIB=${partMiB}`,
    "i=0",
    'for url in "${PARTS[@]}"; do',
    "  OFFSET=$(( i * PART_MIB ))",
    '  [ $(( OFFSET * 1048576 )) -ge "$SIZE" ] && break',
    '  dd if="$WORK/memory.lime" of="$WORK/part" bs=1M skip=$OFFSET count=$PART_MIB status=none',
    '  curl -fsS --retry 3 -X PUT --upload-file "$WORK/part" -o /dev/null "$url"',
    "  i=$(( i + 1 ))",
    "done",
    '[ $(( i * PART_MIB * 1048576 )) -ge "$SIZE" ] || { echo "capture larger than the presigned parts" >&2; exit 3; }',
    'echo "sha256=$(sha256sum "$WORK/memory.lime" | cut -d" " -f1) size=$SIZE parts=$i"',
  ].join("\n");
}
