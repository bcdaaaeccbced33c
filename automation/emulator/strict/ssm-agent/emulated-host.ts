/**
 * The host a delivered script runs on, as far as block devices and mounts go. At each delivery the agent
 * lays out the instance's block devices in its sandbox from moto's truth (the EBS volumes attached to
 * it, DescribeVolumes): `<sandbox>/dev/nvme<N>n1` (a regular file standing for the device; partitions
 * `nvme<N>n1p<k>`), the udev links a Nitro host has (`dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_
 * vol<hex>`, `-part<k>`, and the attachment's device name, e.g. `dev/sdf`), and the device table the
 * stub tools read (host-tools.ts). Each volume carries ext4 unless a test chose otherwise
 * (`setVolumeFilesystem`).
 *
 * The script then runs in a new user and mount namespace (util-linux `unshare`, no privileges needed):
 * the sandbox's dev and mnt are bind-mounted over /dev and /mnt there, so the script's own paths
 * (/dev/disk/by-id/..., /mnt/evidence/...) are the sandbox's, with no rewriting of its text; the stub
 * tools come first on PATH. Outside the namespace the script is an unprivileged user: when this process
 * is root (CI), scripts run as nobody (65534), whose namespace root is nobody to the kernel. So even a
 * script that found a way around the binds could neither open the real block devices (root:disk 0660)
 * nor mount anything outside its own namespace. Without user namespaces (`namespacesAvailable()` false)
 * the script runs as that same unprivileged user with the real /dev: device scripts fail (the mount
 * script stops at its root check), nothing is touched.
 */
import { spawnSync } from "node:child_process";
import {
  chownSync,
  existsSync,
  lchownSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { dirname, join } from "node:path";
import { DescribeVolumesCommand } from "@aws-sdk/client-ec2";
import type { RuleContext } from "../types";
import { enterScript, HOST_TOOLS, hostTools, PASS_THROUGH_DEVICES, SYSTEM_PATH } from "./host-tools";

export const DEFAULT_FILESYSTEM = "ext4";
/** nobody: who scripts run as when this process is root. */
const UNPRIVILEGED = 65534;
const UNSHARE = ["--user", "--map-root-user", "--mount", "--propagation", "private"];

/** A filesystem type ("" for none), or one per partition of a partitioned disk. */
export type VolumeFilesystem = string | readonly string[];

const filesystemsOf = (ctx: RuleContext) =>
  ctx.state.of("ssm-agent/filesystems", () => new Map<string, VolumeFilesystem>());

/** What the volume holds when an instance's agent next lays out its devices (tests). */
export function setVolumeFilesystem(ctx: RuleContext, volumeId: string, fs: VolumeFilesystem): void {
  for (const t of typeof fs === "string" ? [fs] : fs)
    if (!/^[a-z0-9]*$/.test(t)) throw new Error(`not a filesystem type: "${t}"`);
  if (typeof fs !== "string" && fs.length === 0) throw new Error("a partitioned disk needs a partition");
  filesystemsOf(ctx).set(volumeId, typeof fs === "string" ? fs : [...fs]);
}

/** The uid/gid scripts run as: nobody when this process is root, else this process's own. */
export function scriptUser(): { uid: number; gid: number } | undefined {
  return process.getuid?.() === 0 ? { uid: UNPRIVILEGED, gid: UNPRIVILEGED } : undefined;
}

function own(path: string, link = false): void {
  const u = scriptUser();
  if (u) (link ? lchownSync : chownSync)(path, u.uid, u.gid);
}

/** Creates `rel` under `base` (and `base`), each new directory owned by the script user. */
export function mkdirOwned(base: string, rel = ""): string {
  let at = base;
  const fresh: string[] = [];
  if (!existsSync(base)) {
    mkdirSync(dirname(base), { recursive: true });
    mkdirSync(base);
    fresh.push(base);
  }
  for (const part of rel.split("/").filter(Boolean)) {
    at = join(at, part);
    if (!existsSync(at)) {
      mkdirSync(at);
      fresh.push(at);
    }
  }
  for (const d of fresh) own(d);
  return at;
}

export function writeOwned(path: string, text: string, mode: number): void {
  writeFileSync(path, text, { mode });
  own(path);
}

/**
 * A mount point for one of the real devices the namespace binds (/dev/null, /dev/full...). A FIFO, not a
 * regular file: the sandbox lives under this machine's /tmp, and a script that scans /tmp for regular
 * files (the log collection's recently changed files) would otherwise take the bound /dev/full for one
 * (find -type f trusts the directory entry's type) and hash it forever.
 */
function bindTarget(path: string): void {
  const made = spawnSync("mkfifo", ["-m", "666", path]);
  if (made.status !== 0) throw new Error(`cannot create ${path}: ${made.stderr?.toString().trim()}`);
  own(path);
}

let unshare: string | null | undefined;

/** util-linux unshare, when the script user may create user+mount namespaces with it (probed once). */
function unshareCommand(): string | null {
  if (unshare === undefined) {
    const found = SYSTEM_PATH.split(":")
      .map((d) => join(d, "unshare"))
      .find((f) => existsSync(f));
    const r = found
      ? spawnSync(found, [...UNSHARE, "--", "true"], {
          stdio: "ignore",
          timeout: 10_000,
          ...(scriptUser() ?? {}),
        })
      : undefined;
    unshare = found && r?.status === 0 ? found : null;
  }
  return unshare;
}

/** Whether scripts run on the emulated host (user namespaces available here). */
export const namespacesAvailable = (): boolean => unshareCommand() !== null;

export const stateDirOf = (sandbox: string) => join(sandbox, ".emulated-host");
export const toolsDirOf = (sandbox: string) => join(stateDirOf(sandbox), "bin");

/** How to start the script: in the emulated host's namespaces when the machine allows them. */
export function hostCommand(
  sandbox: string,
  script: string,
): { file: string; args: string[]; emulated: boolean } {
  const file = unshareCommand();
  if (!file) return { file: "bash", args: [script], emulated: false };
  return {
    file,
    args: [...UNSHARE, "--", "bash", join(stateDirOf(sandbox), "enter.sh"), script],
    emulated: true,
  };
}

export interface AttachedVolume {
  volumeId: string;
  /** The attachment's device name, e.g. /dev/sdf. */
  device: string;
  sizeGiB: number;
  attachedAt: number;
}

/** The EBS volumes attached to the instance, per moto. */
export async function attachedVolumes(
  ctx: RuleContext,
  accountId: string,
  region: string,
  instanceId: string,
): Promise<AttachedVolume[]> {
  const out: AttachedVolume[] = [];
  let NextToken: string | undefined;
  do {
    const res = await ctx.moto(accountId, region).ec2.send(
      new DescribeVolumesCommand({
        Filters: [{ Name: "attachment.instance-id", Values: [instanceId] }],
        NextToken,
      }),
    );
    for (const v of res.Volumes ?? []) {
      const a = (v.Attachments ?? []).find((x) => x.InstanceId === instanceId && x.State === "attached");
      if (a && v.VolumeId)
        out.push({
          volumeId: v.VolumeId,
          device: a.Device ?? "",
          sizeGiB: v.Size ?? 0,
          attachedAt: a.AttachTime?.getTime() ?? 0,
        });
    }
    NextToken = res.NextToken;
  } while (NextToken);
  return out;
}

export interface HostDevice {
  /** As the host names it, e.g. /dev/nvme1n1, /dev/nvme1n1p1. */
  path: string;
  type: "disk" | "part";
  fstype: string;
  parent?: string;
  sizeBytes: number;
  volumeId: string;
}

export interface HostMount {
  source: string;
  target: string;
  fstype: string;
  options: string;
}

const tsv = (file: string): string[][] =>
  existsSync(file)
    ? readFileSync(file, "utf8")
        .split("\n")
        .filter(Boolean)
        .map((l) => l.split("\t"))
    : [];

/** The host's block devices as last laid out. */
export function hostDevices(sandbox: string): HostDevice[] {
  return tsv(join(stateDirOf(sandbox), "devices")).map(([path, type, fstype, parent, size, volumeId]) => ({
    path: path!,
    type: type as HostDevice["type"],
    fstype: fstype ?? "",
    ...(parent && parent !== "-" ? { parent } : {}),
    sizeBytes: Number(size),
    volumeId: volumeId!,
  }));
}

/** What the host's scripts have mounted (the stub mount's table). */
export function hostMounts(sandbox: string): HostMount[] {
  return tsv(join(stateDirOf(sandbox), "mounts")).map(([source, target, fstype, options]) => ({
    source: source!,
    target: target!,
    fstype: fstype!,
    options: options!,
  }));
}

const byIdName = (volumeId: string) => `nvme-Amazon_Elastic_Block_Store_${volumeId.replace("-", "")}`;

function removeEntry(path: string): void {
  try {
    if (lstatSync(path).isDirectory()) rmSync(path, { recursive: true });
    else unlinkSync(path);
  } catch {
    // already gone
  }
}

function link(target: string, path: string): void {
  removeEntry(path);
  symlinkSync(target, path);
  own(path, true);
}

/**
 * Lays out the host's /dev for these volumes in the sandbox (the previous layout's entries replaced; a
 * volume keeps its NVMe name while attached, a new one takes the lowest free, in attachment order) and
 * writes the stub tools and the namespace's entry script.
 */
export function layOutHost(
  sandbox: string,
  volumes: readonly AttachedVolume[],
  filesystems: ReadonlyMap<string, VolumeFilesystem> = new Map(),
): HostDevice[] {
  const state = mkdirOwned(sandbox, ".emulated-host");
  mkdirOwned(state, "ro");
  const bin = mkdirOwned(state, "bin");
  const dev = mkdirOwned(sandbox, "dev");
  mkdirOwned(dev, "disk/by-id");
  mkdirOwned(sandbox, "mnt");

  const before = hostDevices(sandbox);
  const linksFile = join(state, "links");
  for (const l of existsSync(linksFile) ? readFileSync(linksFile, "utf8").split("\n").filter(Boolean) : [])
    removeEntry(join(sandbox, l));
  for (const d of before) removeEntry(join(sandbox, d.path));

  const attached = new Set(volumes.map((v) => v.volumeId));
  const kept = new Map<string, number>();
  for (const d of before) {
    const m = /^\/dev\/nvme(\d+)n1$/.exec(d.path);
    if (m && d.type === "disk" && attached.has(d.volumeId)) kept.set(d.volumeId, Number(m[1]));
  }
  const used = new Set(kept.values());
  const index = new Map(kept);
  for (const v of [...volumes].sort(
    (a, b) => a.attachedAt - b.attachedAt || a.device.localeCompare(b.device),
  )) {
    if (index.has(v.volumeId)) continue;
    let n = 0;
    while (used.has(n)) n++;
    used.add(n);
    index.set(v.volumeId, n);
  }

  const devices: HostDevice[] = [];
  const links: string[] = [];
  const addLink = (target: string, rel: string) => {
    link(target, join(sandbox, rel));
    links.push(rel);
  };
  for (const v of volumes) {
    const disk = `/dev/nvme${index.get(v.volumeId)}n1`;
    const size = v.sizeGiB * 1024 ** 3;
    const fs = filesystems.get(v.volumeId) ?? DEFAULT_FILESYSTEM;
    const parts = typeof fs === "string" ? [] : fs;
    devices.push({
      path: disk,
      type: "disk",
      fstype: typeof fs === "string" ? fs : "",
      sizeBytes: size,
      volumeId: v.volumeId,
    });
    addLink(`../..${disk.slice(4)}`, `dev/disk/by-id/${byIdName(v.volumeId)}`);
    for (const [i, pfs] of parts.entries()) {
      devices.push({
        path: `${disk}p${i + 1}`,
        type: "part",
        fstype: pfs,
        parent: disk,
        sizeBytes: Math.floor(size / parts.length),
        volumeId: v.volumeId,
      });
      addLink(`../..${disk.slice(4)}p${i + 1}`, `dev/disk/by-id/${byIdName(v.volumeId)}-part${i + 1}`);
    }
    // The attachment's name, as the Amazon Linux udev rules link it (never over an NVMe name).
    if (/^\/dev\/[a-z][a-z0-9]*$/.test(v.device) && !v.device.startsWith("/dev/nvme"))
      addLink(disk.slice(5), v.device.slice(1));
  }
  for (const d of devices) writeOwned(join(sandbox, d.path), "", 0o660);

  // Read-only flags survive only on a device still standing for the same volume.
  const still = new Set(devices.map((d) => `${d.path} ${d.volumeId}`));
  for (const d of before)
    if (!still.has(`${d.path} ${d.volumeId}`)) removeEntry(join(state, "ro", d.path.replaceAll("/", "_")));

  writeOwned(
    join(state, "devices"),
    devices
      .map((d) => [d.path, d.type, d.fstype, d.parent ?? "-", d.sizeBytes, d.volumeId].join("\t"))
      .map((l) => `${l}\n`)
      .join(""),
    0o644,
  );
  writeOwned(linksFile, links.map((l) => `${l}\n`).join(""), 0o644);
  if (!existsSync(join(state, "mounts"))) writeOwned(join(state, "mounts"), "", 0o644);

  // What the namespace binds from the real /dev (targets), and the links bash and the tools need.
  for (const d of PASS_THROUGH_DEVICES) if (!existsSync(join(dev, d))) bindTarget(join(dev, d));
  link("/proc/self/fd", join(dev, "fd"));
  for (const [i, s] of ["stdin", "stdout", "stderr"].entries()) link(`/proc/self/fd/${i}`, join(dev, s));
  writeOwned(join(dev, ".emulated-host"), "the strict layer's emulated host\n", 0o644);
  const tools = hostTools(state);
  for (const t of HOST_TOOLS) writeOwned(join(bin, t), tools[t], 0o755);
  writeOwned(join(state, "enter.sh"), enterScript(sandbox), 0o755);
  return devices;
}

/** Lays out the instance's host from moto (the agent, at delivery). */
export async function prepareHost(
  ctx: RuleContext,
  accountId: string,
  region: string,
  instanceId: string,
  sandbox: string,
): Promise<void> {
  layOutHost(sandbox, await attachedVolumes(ctx, accountId, region, instanceId), filesystemsOf(ctx));
}
