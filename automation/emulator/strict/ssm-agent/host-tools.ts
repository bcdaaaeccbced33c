/**
 * The emulated host's block-device tools: bash scripts put first on a delivered script's PATH, standing
 * for blockdev, lsblk, blkid, mount, umount, findmnt and mountpoint. They read and write the host's state
 * files only (the device table, read-only markers, the mount table, all under the sandbox's state
 * directory) and never run the real tools: a script's `mount` records a mount, it mounts nothing. They
 * behave like util-linux where the scripts look (options, output, exit codes: mount/umount/mountpoint
 * fail with 32, blkid finds nothing with 2) and say so when asked for something they do not emulate.
 *
 * State (`<state>`): `devices` (one device a line, tab-separated: path, disk|part, filesystem type or
 * empty, parent path or -, size in bytes, volume id), `ro/<path with / as _>` (the device's read-only
 * flag, blockdev --setro), `mounts` (source, target, type, options).
 *
 * Stricter than Linux on purpose: mount refuses a device that is not read-only or options without `ro`
 * (Linux would mount a read-only device read-only with a warning), and mounts only under /mnt.
 */
import { shellQuote } from "../../../ssm-documents/shell";

export const HOST_TOOLS = ["blockdev", "lsblk", "blkid", "mount", "umount", "findmnt", "mountpoint"] as const;
export type HostTool = (typeof HOST_TOOLS)[number];

const prelude = (state: string, me: string) => `#!/bin/bash
# ${me} on the strict layer's emulated host (automation/emulator/strict/ssm-agent/host-tools.ts):
# reads and writes the host's state files only, never a real device or mount.
set -uo pipefail
STATE=${shellQuote(state)}
me=${me}
unsupported() { echo "$me (emulated host): $* is not emulated" >&2; exit 1; }
# The device table's row for a path (followed through links), or nothing.
devrow() {
  local p
  p="$(readlink -f -- "$1" 2>/dev/null)" || return 1
  awk -F'\\t' -v p="$p" '$1 == p { print; exit }' "$STATE/devices"
}
field() { cut -f"$2" <<<"$1"; }
rokey() { local k="$1"; echo "$STATE/ro/\${k//\\//_}"; }
isro() { [ -e "$(rokey "$1")" ]; }
`;

const BLOCKDEV = `
[ $# -eq 2 ] || unsupported "blockdev $*"
row="$(devrow "$2")"
[ -n "$row" ] || { echo "blockdev: cannot open $2: No such file or directory" >&2; exit 1; }
dev="$(field "$row" 1)"
case "$1" in
  --setro) : >"$(rokey "$dev")" ;;
  --setrw) rm -f -- "$(rokey "$dev")" ;;
  --getro) if isro "$dev"; then echo 1; else echo 0; fi ;;
  --getsize64) field "$row" 5 ;;
  *) unsupported "option $1" ;;
esac
`;

/** Option parsing shared by lsblk and findmnt: clustered short flags, -o COLS / -oCOLS, --, operands. */
const parse = (flags: string) => `
heads=1 paths=0 cols="$DEFAULT_COLS" args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --) shift; args+=("$@"); break ;;
    --output=*) cols="\${1#--output=}" ;;
    -o | --output) cols="$2"; shift ;;
    --noheadings) heads=0 ;;
    -?*)
      f="\${1#-}" take=0
      while [ -n "$f" ]; do
        c="\${f:0:1}" f="\${f:1}"
        case "$c" in
          n) heads=0 ;;
          p) paths=1 ;;
          ${flags}) ;;
          o) if [ -n "$f" ]; then cols="$f" f=""; else take=1; fi ;;
          *) unsupported "option -$c" ;;
        esac
      done
      if [ "$take" = 1 ]; then cols="$2"; shift; fi ;;
    *) args+=("$1") ;;
  esac
  shift
done
`;

const LSBLK = `
DEFAULT_COLS=NAME,SIZE,RO,TYPE,MOUNTPOINTS
${parse("l | r | a")}
value() { # row column
  local dev; dev="$(field "$1" 1)"
  case "$2" in
    NAME | KNAME) if [ "$paths" = 1 ]; then echo "$dev"; else echo "\${dev##*/}"; fi ;;
    PATH) echo "$dev" ;;
    TYPE) field "$1" 2 ;;
    FSTYPE) field "$1" 3 ;;
    PKNAME) local p; p="$(field "$1" 4)"; [ "$p" = - ] || if [ "$paths" = 1 ]; then echo "$p"; else echo "\${p##*/}"; fi ;;
    SIZE) echo "$(( $(field "$1" 5) / 1073741824 ))G" ;;
    RO) if isro "$dev"; then echo 1; else echo 0; fi ;;
    MOUNTPOINT | MOUNTPOINTS) awk -F'\\t' -v d="$dev" '$1 == d { print $2; exit }' "$STATE/mounts" ;;
    *) unsupported "column $2" ;;
  esac
}
IFS=, read -r -a want <<<"$cols"
[ "$heads" = 0 ] || { IFS=' '; echo "\${want[*]}"; }
line() { local out=() c; for c in "\${want[@]}"; do out+=("$(value "$1" "\${c^^}")"); done; IFS=' '; echo "\${out[*]}"; }
rows=()
if [ \${#args[@]} -eq 0 ]; then
  while IFS= read -r r; do rows+=("$r"); done < <(awk -F'\\t' '$2 == "disk"' "$STATE/devices")
else
  for a in "\${args[@]}"; do
    r="$(devrow "$a")"
    [ -n "$r" ] || { echo "lsblk: $a: not a block device" >&2; exit 32; }
    rows+=("$r")
  done
fi
for r in "\${rows[@]}"; do
  line "$r"
  while IFS= read -r k; do line "$k"; done < <(awk -F'\\t' -v d="$(field "$r" 1)" '$4 == d' "$STATE/devices")
done
`;

const BLKID = `
fmt=full tag="" args=()
while [ $# -gt 0 ]; do
  case "$1" in
    -o) fmt="$2"; shift ;;
    -s) tag="$2"; shift ;;
    --) shift; args+=("$@"); break ;;
    -*) unsupported "option $1" ;;
    *) args+=("$1") ;;
  esac
  shift
done
[ -z "$tag" ] || [ "$tag" = TYPE ] || exit 2
found=0
for a in "\${args[@]}"; do
  r="$(devrow "$a")"
  [ -n "$r" ] || continue
  t="$(field "$r" 3)"
  [ -n "$t" ] || continue
  found=1
  case "$fmt" in
    value) echo "$t" ;;
    full) echo "$a: TYPE=\\"$t\\"" ;;
    *) unsupported "output format $fmt" ;;
  esac
done
[ "$found" = 1 ] || exit 2
`;

const MOUNT = `
type="" opts="" pos=()
while [ $# -gt 0 ]; do
  case "$1" in
    -t) type="$2"; shift ;;
    -o) opts="$2"; shift ;;
    -r) opts="ro\${opts:+,$opts}" ;;
    --) shift; pos+=("$@"); break ;;
    -*) unsupported "option $1" ;;
    *) pos+=("$1") ;;
  esac
  shift
done
if [ \${#pos[@]} -eq 0 ]; then
  awk -F'\\t' '{ printf "%s on %s type %s (%s)\\n", $1, $2, $3, $4 }' "$STATE/mounts"
  exit 0
fi
[ \${#pos[@]} -eq 2 ] || unsupported "mount $*"
src="\${pos[0]}" dir="\${pos[1]}"
row="$(devrow "$src")"
[ -n "$row" ] || { echo "mount: $dir: special device $src does not exist." >&2; exit 32; }
dev="$(field "$row" 1)" fs="$(field "$row" 3)"
target="$(readlink -f -- "$dir" 2>/dev/null)"
[ -n "$target" ] && [ -d "$target" ] || { echo "mount: $dir: mount point does not exist." >&2; exit 32; }
case "$target" in /mnt/*) ;; *) echo "mount (emulated host): mounts only under /mnt, not $target" >&2; exit 32 ;; esac
if [ -z "$fs" ] || { [ -n "$type" ] && [ "$type" != "$fs" ]; }; then
  echo "mount: $target: wrong fs type, bad option, bad superblock on $dev, missing codepage or helper program, or other error." >&2
  exit 32
fi
IFS=, read -r -a o <<<"$opts"
rest=() ro=0
for x in "\${o[@]}"; do if [ "$x" = ro ]; then ro=1; elif [ -n "$x" ]; then rest+=("$x"); fi; done
[ "$ro" = 1 ] || { echo "mount (emulated host): $dev would be mounted read-write (no ro in '$opts'): refused" >&2; exit 32; }
isro "$dev" || { echo "mount (emulated host): $dev is not read-only at the block layer (blockdev --setro): refused" >&2; exit 32; }
if awk -F'\\t' -v t="$target" '$2 == t { f = 1 } END { exit !f }' "$STATE/mounts"; then
  echo "mount: $target: $dev already mounted or mount point busy." >&2
  exit 32
fi
IFS=,
printf '%s\\t%s\\t%s\\t%s\\n' "$dev" "$target" "$fs" "ro\${rest[*]:+,\${rest[*]}}" >>"$STATE/mounts"
`;

const UMOUNT = `
[ $# -eq 1 ] || unsupported "umount $*"
p="$(readlink -f -- "$1" 2>/dev/null || echo "$1")"
awk -F'\\t' -v p="$p" '$1 == p || $2 == p { f = 1 } END { exit !f }' "$STATE/mounts" ||
  { echo "umount: $1: not mounted." >&2; exit 32; }
awk -F'\\t' -v p="$p" '!done && ($1 == p || $2 == p) { done = 1; next } { print }' "$STATE/mounts" >"$STATE/mounts.new"
mv -f -- "$STATE/mounts.new" "$STATE/mounts"
`;

const FINDMNT = `
DEFAULT_COLS=TARGET,SOURCE,FSTYPE,OPTIONS
${parse("l | r | k")}
IFS=, read -r -a want <<<"$cols"
idx=()
for c in "\${want[@]}"; do
  case "\${c^^}" in
    SOURCE) idx+=(1) ;; TARGET) idx+=(2) ;; FSTYPE) idx+=(3) ;; OPTIONS) idx+=(4) ;;
    *) unsupported "column $c" ;;
  esac
done
p=""
if [ \${#args[@]} -gt 0 ]; then p="$(readlink -f -- "\${args[0]}" 2>/dev/null || echo "\${args[0]}")"; fi
out="$(awk -F'\\t' -v p="$p" -v cols="\${idx[*]}" '
  p == "" || $1 == p || $2 == p { n = split(cols, c, " "); s = ""; for (i = 1; i <= n; i++) s = s (i > 1 ? " " : "") $c[i]; print s }' "$STATE/mounts")"
[ -n "$out" ] || exit 1
[ "$heads" = 0 ] || { IFS=' '; echo "\${want[*]}"; }
echo "$out"
`;

const MOUNTPOINT = `
quiet=0
[ "\${1:-}" = -q ] && { quiet=1; shift; }
[ "\${1:-}" = -- ] && shift
[ $# -eq 1 ] || unsupported "mountpoint $*"
p="$(readlink -f -- "$1" 2>/dev/null)"
[ -n "$p" ] && [ -e "$p" ] || { [ "$quiet" = 1 ] || echo "mountpoint: $1: No such file or directory" >&2; exit 32; }
if awk -F'\\t' -v p="$p" '$2 == p { f = 1 } END { exit !f }' "$STATE/mounts"; then
  [ "$quiet" = 1 ] || echo "$1 is a mountpoint"
  exit 0
fi
[ "$quiet" = 1 ] || echo "$1 is not a mountpoint"
exit 32
`;

const BODIES: Record<HostTool, string> = {
  blockdev: BLOCKDEV,
  lsblk: LSBLK,
  blkid: BLKID,
  mount: MOUNT,
  umount: UMOUNT,
  findmnt: FINDMNT,
  mountpoint: MOUNTPOINT,
};

/** Each tool's script, bound to the host's state directory. */
export function hostTools(state: string): Record<HostTool, string> {
  return Object.fromEntries(HOST_TOOLS.map((t) => [t, prelude(state, t) + BODIES[t]])) as Record<
    HostTool,
    string
  >;
}

/** Real util-linux, for the namespace's own bind mounts (never on a script's PATH first). */
export const SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/** Harmless character devices of the real /dev the host keeps (bound read/write into its own /dev). */
export const PASS_THROUGH_DEVICES = ["null", "zero", "random", "urandom", "full"] as const;

/**
 * Run inside the new user and mount namespaces, as the namespace's root (an unprivileged user outside):
 * binds the sandbox's dev and mnt over /dev and /mnt (mounts private to the namespace), then runs the
 * script. The real /dev is hidden from the script and everything it starts.
 */
export function enterScript(sandbox: string): string {
  const binds = PASS_THROUGH_DEVICES.map(
    (d) => `sysmount --bind /dev/${d} "$S/dev/${d}" || fail "cannot bind /dev/${d}"`,
  ).join("\n");
  return `#!/bin/bash
# Entered by the strict layer's SSM agent in a new user+mount namespace (automation/emulator/strict/ssm-agent/emulated-host.ts).
set -u
S=${shellQuote(sandbox)}
fail() { echo "emulated host: $*: the script was not run" >&2; exit 125; }
sysmount() { PATH=${shellQuote(SYSTEM_PATH)} command mount "$@"; }
sysmount --make-rprivate / || fail "cannot make the namespace's mounts private"
${binds}
sysmount --rbind "$S/dev" /dev || fail "cannot bind the host's /dev"
sysmount --bind "$S/mnt" /mnt || fail "cannot bind the host's /mnt"
[ -e /dev/.emulated-host ] || fail "/dev is not the emulated host's"
exec bash "$1"
`;
}
