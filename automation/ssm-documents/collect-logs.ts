/**
 * The log and volatile-state collection that runs on the compromised host over SSM Run Command.
 *
 * - No AWS credentials and no AWS CLI: each artefact goes to S3 through the presigned PUT URL minted
 *   for it (the instance profile is already deny-all; IMDS is never queried).
 * - Reads only. Works in a private temp directory removed on exit; nothing is installed.
 * - File names on the host are attacker-controlled: they travel NUL-separated (find -print0,
 *   tar --null) and are never word-split or evaluated.
 * - Each artefact is hashed with sha256sum before upload and the hash printed, one line per artefact
 *   (see parseCollectionOutput). The host's tools may be trojaned: the disk snapshot stays the
 *   authoritative evidence, this is the fast look.
 *
 * Two forms from one template: `collectLogsScript` inlines the URLs (AWS-RunShellScript), and
 * `collectLogsDocument` is an SSM Command document whose parameters are the URLs, each constrained by
 * an allowedPattern that excludes every character that could leave its single quotes.
 */
import { COLLECTION_ARTEFACTS } from "./collect-artefacts";
import { checkPresignedUrl, PRESIGNED_URL_PATTERN, ScriptInputError, shellQuote } from "./shell";

export interface CollectLogsInput {
  /** Presigned PUT URL per artefact name (see COLLECTION_ARTEFACTS), e.g. { "volatile.txt.gz": "https://..." }. */
  urls: Record<string, string>;
  /** Journal and recently-modified files from this time (the incident window start). */
  since: Date;
  /** Per-command timeout in seconds for each upload. @default 600 */
  uploadTimeoutSeconds?: number;
}

interface Words {
  url: (parameter: string) => string;
  since: string;
  uploadTimeout: string;
}

/** The script, given each value as one already-quoted shell word. */
function template(w: Words): string {
  const uploads = COLLECTION_ARTEFACTS.map((a) => `upload ${shellQuote(a.name)} ${w.url(a.parameter)}`);
  return String.raw`#!/bin/bash
# ec2-incident-ready: collect logs and volatile state. Read-only; uploads only to presigned URLs.
set -uo pipefail
umask 077
shopt -s nullglob
export LC_ALL=C PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
SINCE=${w.since}
# As seconds since the epoch: find and journalctl both read "@<seconds>", whatever their version.
SINCE_EPOCH="$(date -u -d "$SINCE" +%s)" || { echo "error: cannot read the start time" >&2; exit 2; }
UPLOAD_TIMEOUT=${w.uploadTimeout}
WORK="$(mktemp -d /var/tmp/ir-collect.XXXXXX)" || { echo "error: cannot create a work directory" >&2; exit 2; }
trap 'rm -rf -- "$WORK"' EXIT

# Existing paths among the arguments, NUL-separated (names may hold spaces, newlines, quotes).
paths() { local p; for p in "$@"; do [ -e "$p" ] && printf '%s\0' "$p"; done; }
# Home directories from the passwd database, plus /root and /home/*, one per NUL.
homes() { { getent passwd 2>/dev/null | cut -d: -f6; printf '%s\n' /root /home/*; } | sort -u | while IFS= read -r h; do [ -d "$h" ] && printf '%s\0' "$h"; done; }
# A gzip tar of the NUL-separated paths on stdin; unreadable or vanished files are skipped.
pack() { tar --create --gzip --file "$1" --null --files-from - --ignore-failed-read --warning=none 2>/dev/null; return 0; }
section() { printf '\n===== %s =====\n' "$1"; shift; "$@" 2>&1; }
# S3 refuses a PUT into a bucket with default Object Lock retention (the evidence bucket) without
# Content-MD5; the header is not signed, so the presigned URL stays valid with it.
upload() {
  local name="$1" url="$2" file="$WORK/$1" hash size md5 status=failed
  [ -f "$file" ] || : > "$file"
  hash="$(sha256sum < "$file" | cut -d' ' -f1)"
  size="$(stat -c %s -- "$file")"
  md5="$(printf '%b' "$(md5sum < "$file" | cut -d' ' -f1 | sed 's/../\\x&/g')" | base64)"
  if curl -fsS --retry 3 --max-time "$UPLOAD_TIMEOUT" -X PUT -H "Content-MD5: $md5" --upload-file "$file" -o /dev/null "$url"; then status=uploaded; fi
  printf 'artefact=%s sha256=%s size=%s status=%s\n' "$name" "$hash" "$size" "$status"
}

{
  section "date (UTC)" date -u +%Y-%m-%dT%H:%M:%SZ
  section "uptime" uptime
  section "listening sockets" ss -lntupw
  section "all sockets" ss -tanupe
  section "processes" ps -eo pid,ppid,user,lstart,etime,args --forest
  section "running deleted executables" find /proc -mindepth 2 -maxdepth 2 -name exe -lname '* (deleted)' -printf '%p -> %l\n'
  section "loaded modules" lsmod
  section "logged in" who -a
  section "last logins" last -Faiwx
  section "addresses" ip addr
  section "routes" ip route
  section "firewall" iptables-save
  section "mounts" cat /proc/mounts
} | gzip > "$WORK/volatile.txt.gz"

{
  echo "# files modified since $SINCE: mtime size mode owner name (quoted), then sha256"
  find /bin /sbin /usr/bin /usr/sbin /usr/local/bin /usr/local/sbin /lib /lib64 /usr/lib /usr/local/lib /etc /tmp /var/tmp /dev/shm -xdev -type f -newermt "@$SINCE_EPOCH" -print0 2>/dev/null | head -z -n 5000 > "$WORK/recent.list"
  xargs -0 -r stat -c '%y %s %a %U %N' -- < "$WORK/recent.list" 2>/dev/null
  xargs -0 -r sha256sum -- < "$WORK/recent.list" 2>/dev/null
} | gzip > "$WORK/recent-binaries.txt.gz"

paths /var/log/auth.log* /var/log/secure* /var/log/wtmp* /var/log/btmp* /var/log/lastlog /var/log/faillog /var/log/audit | pack "$WORK/auth-logs.tar.gz"
paths /var/log/syslog* /var/log/messages* /var/log/kern.log* /var/log/cloud-init.log /var/log/cloud-init-output.log /var/log/dpkg.log* /var/log/yum.log* /var/log/dnf.log* | pack "$WORK/system-logs.tar.gz"
if command -v journalctl > /dev/null; then journalctl --no-pager --utc -o export --since "@$SINCE_EPOCH" 2>/dev/null | gzip > "$WORK/journal.export.gz"; fi
homes | while IFS= read -r -d '' h; do paths "$h"/.*history "$h"/.*_history "$h"/.local/share/fish/fish_history; done | pack "$WORK/shell-histories.tar.gz"
{ paths /etc/crontab /etc/cron.d /etc/cron.hourly /etc/cron.daily /etc/cron.weekly /etc/cron.monthly /var/spool/cron /etc/anacrontab /etc/systemd /run/systemd/system /usr/lib/systemd/system /lib/systemd/system /etc/rc.local /etc/init.d /etc/ld.so.preload /etc/ld.so.conf.d /etc/profile /etc/profile.d /etc/bash.bashrc /etc/environment /etc/modules-load.d /etc/udev/rules.d; homes | while IFS= read -r -d '' h; do paths "$h"/.bashrc "$h"/.profile "$h"/.bash_profile "$h"/.config/systemd "$h"/.config/autostart; done; } | pack "$WORK/persistence.tar.gz"
{ paths /etc/ssh/sshd_config /etc/ssh/sshd_config.d /etc/ssh/ssh_known_hosts; homes | while IFS= read -r -d '' h; do paths "$h"/.ssh; done; } | pack "$WORK/ssh.tar.gz"
paths /etc/passwd /etc/group /etc/shadow /etc/gshadow /etc/sudoers /etc/sudoers.d | pack "$WORK/accounts.tar.gz"

${uploads.join("\n")}
`;
}

export function collectLogsScript(input: CollectLogsInput): string {
  const expected = COLLECTION_ARTEFACTS.map((a) => a.name as string);
  const extra = Object.keys(input.urls).filter((k) => !expected.includes(k));
  if (extra.length)
    throw new ScriptInputError(
      `no artefact is named ${extra.map((e) => `"${e}"`).join(", ")}: expected ${expected.join(", ")}`,
    );
  const byParameter = new Map<string, string>();
  for (const a of COLLECTION_ARTEFACTS) {
    const url = input.urls[a.name];
    if (!url)
      throw new ScriptInputError(
        `no presigned URL for artefact "${a.name}": mint one PUT URL per artefact in COLLECTION_ARTEFACTS`,
      );
    byParameter.set(a.parameter, shellQuote(checkPresignedUrl(url, `URL for "${a.name}"`)));
  }
  if (Number.isNaN(input.since.getTime()))
    throw new ScriptInputError(
      `collection start "${String(input.since)}" is not a date: pass the incident window start`,
    );
  const timeout = input.uploadTimeoutSeconds ?? 600;
  if (!Number.isInteger(timeout) || timeout < 1 || timeout > 86_400) {
    throw new ScriptInputError(
      `upload timeout ${timeout} is not a whole number of seconds between 1 and 86400`,
    );
  }
  return template({
    url: (p) => byParameter.get(p)!,
    since: shellQuote(input.since.toISOString().replace(/\.\d{3}Z$/, "Z")),
    uploadTimeout: String(timeout),
  });
}

/** An SSM Command document (schema 2.2) whose parameters are the presigned URLs and the start time. */
export function collectLogsDocument(): Record<string, unknown> {
  const parameters: Record<string, unknown> = {
    since: {
      type: "String",
      description: "Collect journal entries and modified files from this UTC time (ISO 8601).",
      allowedPattern: "^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}Z$",
    },
    uploadTimeoutSeconds: {
      type: "String",
      default: "600",
      description: "Upload timeout per artefact.",
      allowedPattern: "^\\d{1,5}$",
    },
  };
  for (const a of COLLECTION_ARTEFACTS) {
    parameters[a.parameter] = {
      type: "String",
      description: `Presigned S3 PUT URL for ${a.name}: ${a.what}.`,
      allowedPattern: PRESIGNED_URL_PATTERN,
    };
  }
  const script = template({
    url: (p) => `'{{ ${p} }}'`,
    since: "'{{ since }}'",
    uploadTimeout: "'{{ uploadTimeoutSeconds }}'",
  });
  return {
    schemaVersion: "2.2",
    description:
      "ec2-incident-ready: collect logs and volatile state from a contained instance; uploads only to the presigned URLs given.",
    parameters,
    mainSteps: [
      {
        action: "aws:runShellScript",
        name: "collect",
        precondition: { StringEquals: ["platformType", "Linux"] },
        inputs: { timeoutSeconds: "3600", runCommand: script.split("\n") },
      },
    ],
  };
}
