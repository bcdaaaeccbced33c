/**
 * The artefacts log collection produces on the compromised host, in collection order: volatile state
 * first (RFC 3227 order of volatility: sockets and processes change by the second, files do not).
 * The responder mints one presigned PUT URL per artefact and records each in the manifest.
 */
export const COLLECTION_ARTEFACTS = [
  {
    name: "volatile.txt.gz",
    parameter: "volatileUrl",
    what: "listening and established sockets, processes (tree, start times), deleted executables still running, modules, logins, routes, firewall, mounts",
  },
  {
    name: "recent-binaries.txt.gz",
    parameter: "recentBinariesUrl",
    what: "files modified within the window in binary, library and temp directories, with sha256 and owner",
  },
  {
    name: "auth-logs.tar.gz",
    parameter: "authLogsUrl",
    what: "auth.log / secure, wtmp, btmp, lastlog, audit logs",
  },
  {
    name: "system-logs.tar.gz",
    parameter: "systemLogsUrl",
    what: "syslog / messages, kern.log, cloud-init logs",
  },
  {
    name: "journal.export.gz",
    parameter: "journalUrl",
    what: "journald since the window start, in journalctl export format",
  },
  {
    name: "shell-histories.tar.gz",
    parameter: "shellHistoriesUrl",
    what: "shell histories of root and every home directory in the passwd database",
  },
  {
    name: "persistence.tar.gz",
    parameter: "persistenceUrl",
    what: "cron tables, systemd units and timers, rc.local, ld.so.preload, profile scripts, modules-load",
  },
  { name: "ssh.tar.gz", parameter: "sshUrl", what: "authorized_keys of every home, sshd configuration" },
  { name: "accounts.tar.gz", parameter: "accountsUrl", what: "passwd, group, shadow, gshadow, sudoers" },
] as const;

export type ArtefactName = (typeof COLLECTION_ARTEFACTS)[number]["name"];

/** One line of the command's output: `artefact=<name> sha256=<hex> size=<bytes> status=uploaded|failed`. */
export interface CollectedArtefact {
  name: string;
  sha256: string;
  size: number;
  status: "uploaded" | "failed";
}

/**
 * Reads the artefact lines from the command's standard output. The responder compares each hash with
 * the object it finds in the bucket; the host's own sha256sum could be trojaned, so a mismatch is
 * evidence of tampering, not a reason to trust the host's number.
 */
export function parseCollectionOutput(stdout: string): CollectedArtefact[] {
  const out: CollectedArtefact[] = [];
  const names = new Set<string>(COLLECTION_ARTEFACTS.map((a) => a.name));
  for (const line of stdout.split("\n")) {
    const m = /^artefact=(\S+) sha256=([0-9a-f]{64}) size=(\d+) status=(uploaded|failed)$/.exec(line.trim());
    if (m && names.has(m[1]!))
      out.push({ name: m[1]!, sha256: m[2]!, size: Number(m[3]), status: m[4] as "uploaded" | "failed" });
  }
  return out;
}
