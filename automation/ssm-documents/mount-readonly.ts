/**
 * The mount script for the forensic workstation: evidence volumes (made from the case snapshots) are
 * set read-only at the block layer BEFORE anything touches them, checked, and only then mounted with
 * the options that stop the filesystem from writing on mount: ext* replays its journal unless `noload`,
 * XFS replays its log unless `norecovery` (and refuses a second filesystem with the workstation's UUID
 * unless `nouuid`), btrfs replays its log tree unless `nologreplay`. No fsck, no repair, nothing
 * executed from the evidence (noexec, nodev, nosuid). LVM and LUKS are reported, not activated.
 *
 * Volumes are found by id: on Nitro instances EBS volumes appear as NVMe devices whose by-id link
 * carries the volume id, whatever device name the attachment asked for; the requested name is the
 * fallback on Xen instances.
 */
import { ScriptInputError, shellQuote } from "./shell";

export interface EvidenceVolume {
  volumeId: string;
  /** Device name given to AttachVolume (e.g. /dev/sdf); used only when the NVMe link is absent. */
  attachedAs?: string;
}

export interface MountInput {
  volumes: EvidenceVolume[];
  /** Each volume mounts under <mountRoot>/<volume-id>[/<partition>]. @default "/mnt/evidence" */
  mountRoot?: string;
  /** Where the by-id links are (a test seam). @default "/dev/disk/by-id" */
  deviceDirectory?: string;
}

/** Mount options by filesystem type; every set starts with `ro` and blocks journal/log replay. */
export const READ_ONLY_MOUNT_OPTIONS: Record<string, string> = {
  ext2: "ro,noload,noexec,nodev,nosuid",
  ext3: "ro,noload,noexec,nodev,nosuid",
  ext4: "ro,noload,noexec,nodev,nosuid",
  xfs: "ro,norecovery,nouuid,noexec,nodev,nosuid",
  btrfs: "ro,nologreplay,noexec,nodev,nosuid",
  vfat: "ro,noexec,nodev,nosuid",
};

const SAFE_PATH = /^\/(?:[A-Za-z0-9._-]+\/?)*$/;

function checkPath(value: string, what: string): string {
  if (!SAFE_PATH.test(value) || value.split("/").includes("..")) {
    throw new ScriptInputError(
      `${what} "${value}" is not a plain absolute path: use letters, digits, ".", "_", "-" and "/" only`,
    );
  }
  return value.replace(/\/+$/, "") || "/";
}

export function mountReadOnlyScript(input: MountInput): string {
  if (input.volumes.length === 0)
    throw new ScriptInputError(
      "no evidence volumes to mount: create volumes from the case snapshots and attach them first",
    );
  const rows = input.volumes.map((v) => {
    if (!/^vol-(?:[0-9a-f]{8}|[0-9a-f]{17})$/.test(v.volumeId)) {
      throw new ScriptInputError(
        `volume id "${v.volumeId}" is not valid: expected vol- followed by 8 or 17 hex digits`,
      );
    }
    const attached = v.attachedAs ? checkPath(v.attachedAs, `device name of ${v.volumeId}`) : "";
    return `mount_volume ${shellQuote(v.volumeId)} ${shellQuote(attached)}`;
  });
  const root = checkPath(input.mountRoot ?? "/mnt/evidence", "mount root");
  if (root === "/")
    throw new ScriptInputError(
      'mount root "/" would mount evidence over the system: pass a directory such as /mnt/evidence',
    );
  const byId = checkPath(input.deviceDirectory ?? "/dev/disk/by-id", "device directory");
  const cases = Object.entries(READ_ONLY_MOUNT_OPTIONS)
    .map(([fs, opts]) => `    ${fs}) opts=${shellQuote(opts)} ;;`)
    .join("\n");
  return `#!/bin/bash
# ec2-incident-ready: mount evidence volumes read-only. Block devices are set read-only first.
set -uo pipefail
export LC_ALL=C
[ "$(id -u)" = 0 ] || { echo "error: must run as root (SSM Run Command does)" >&2; exit 2; }
ROOT=${shellQuote(root)}
BYID=${shellQuote(byId)}
failed=0

resolve() {
  local vid="$1" attached="$2" link="$BYID/nvme-Amazon_Elastic_Block_Store_${"${1/-/}"}"
  if [ -e "$link" ]; then readlink -f -- "$link"; return 0; fi
  if [ -n "$attached" ] && [ -b "$attached" ]; then readlink -f -- "$attached"; return 0; fi
  if [ -n "$attached" ] && [ -b "/dev/xvd${"${attached#/dev/sd}"}" ]; then echo "/dev/xvd${"${attached#/dev/sd}"}"; return 0; fi
  return 1
}

# Read-only at the block layer for the disk and every partition, verified before any mount.
# The disk itself must be among the devices protected, or nothing is mounted (lsblk could print nothing).
protect() {
  local dev n=0
  while IFS= read -r dev; do
    blockdev --setro "$dev" || return 1
    [ "$(blockdev --getro "$dev")" = 1 ] || return 1
    n=$((n + 1))
  done < <(lsblk -lnpo NAME -- "$1")
  [ "$n" -gt 0 ] && [ "$(blockdev --getro "$1")" = 1 ]
}

mount_fs() {
  local vid="$1" dev="$2" dir="$3" fstype opts
  fstype="$(blkid -o value -s TYPE -- "$dev" 2>/dev/null)"
  case "$fstype" in
${cases}
    "") echo "volume=$vid device=$dev status=skipped reason=no-filesystem"; return 0 ;;
    *) echo "volume=$vid device=$dev fstype=$fstype status=skipped reason=unsupported-type-mount-by-hand-read-only"; return 0 ;;
  esac
  # Checked again right before mounting: a device that is not read-only is never mounted.
  [ "$(blockdev --getro "$dev")" = 1 ] || { echo "volume=$vid device=$dev status=failed reason=not-read-only"; failed=1; return 0; }
  mkdir -p -- "$dir" || { echo "volume=$vid device=$dev status=failed reason=mkdir"; failed=1; return 0; }
  if mountpoint -q -- "$dir"; then
    if findmnt -no OPTIONS -- "$dir" | grep -qE '^ro(,|$)'; then echo "volume=$vid device=$dev fstype=$fstype mount=$dir status=already-mounted-ro"; return 0; fi
    echo "volume=$vid device=$dev mount=$dir status=failed reason=mounted-read-write-by-someone-else"; failed=1; return 0
  fi
  if mount -t "$fstype" -o "$opts" -- "$dev" "$dir" && findmnt -no OPTIONS -- "$dir" | grep -qE '^ro(,|$)'; then
    echo "volume=$vid device=$dev fstype=$fstype mount=$dir options=$opts status=mounted"
  else
    echo "volume=$vid device=$dev fstype=$fstype status=failed reason=mount"; failed=1
  fi
}

mount_volume() {
  local vid="$1" disk parts=0 part
  if ! disk="$(resolve "$1" "$2")"; then echo "volume=$vid status=failed reason=device-not-found"; failed=1; return 0; fi
  if ! protect "$disk"; then echo "volume=$vid device=$disk status=failed reason=cannot-set-read-only"; failed=1; return 0; fi
  while IFS=' ' read -r part type; do
    [ "$type" = part ] || continue
    parts=$((parts + 1))
    mount_fs "$vid" "$part" "$ROOT/$vid/${"${part##*/}"}"
  done < <(lsblk -lnpo NAME,TYPE -- "$disk")
  [ "$parts" -gt 0 ] || mount_fs "$vid" "$disk" "$ROOT/$vid"
}

${rows.join("\n")}
exit "$failed"
`;
}
