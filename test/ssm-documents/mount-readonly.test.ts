/**
 * The evidence mount script, checked twice: by reading what it runs, and by running it under bash
 * with the block-device tools replaced by stubs that record every call (so the order "read-only
 * first, then mount" is observed, not assumed).
 */
import { execFile } from "node:child_process";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { expect } from "chai";
import { mountReadOnlyScript, READ_ONLY_MOUNT_OPTIONS } from "../../automation/ssm-documents/mount-readonly";
import { ScriptInputError } from "../../automation/ssm-documents/shell";

const run = promisify(execFile);
const VOL = {
  a: "vol-0aaaaaaaaaaaaaaaa",
  b: "vol-0bbbbbbbbbbbbbbbb",
  lvm: "vol-0cccccccccccccccc",
  missing: "vol-0dddddddddddddddd",
  stuck: "vol-0eeeeeeeeeeeeeeee",
};

const STUB = `#!/bin/bash
cmd="$(basename "$0")"
printf '%s\\n' "$cmd $*" >> "$STATE/log"
key() { printf '%s' "$1" | tr / _; }
last="\${@: -1}"
case "$cmd" in
  id) echo 0 ;;
  blockdev)
    case "$1" in
      --setro) grep -qxF -- "$last" "$STATE/stuck" || touch "$STATE/ro$(key "$last")" ;;
      --getro) if [ -e "$STATE/ro$(key "$last")" ]; then echo 1; else echo 0; fi ;;
    esac ;;
  lsblk) if [[ "$2" == *TYPE* ]]; then cat "$STATE/layout$(key "$last")"; else cut -d' ' -f1 "$STATE/layout$(key "$last")"; fi ;;
  blkid) cat "$STATE/fstype$(key "$last")" 2>/dev/null ;;
  mount) printf '%s\\n' "$4" > "$STATE/mnt$(key "$last")" ;;
  mountpoint) [ -e "$STATE/mnt$(key "$last")" ] ;;
  findmnt) cat "$STATE/mnt$(key "$last")" ;;
esac
`;

interface Rig {
  dir: string;
  state: string;
  bin: string;
  dev: (name: string) => string;
}

function rig(): Rig {
  const dir = tempDir(join(tmpdir(), "ir-mount-"));
  const [state, bin, byId, dev] = ["state", "bin", "by-id", "dev"].map((d) => join(dir, d));
  for (const d of [state, bin, byId, dev]) mkdirSync(d!);
  writeFileSync(join(bin!, "stub"), STUB);
  chmodSync(join(bin!, "stub"), 0o755);
  for (const c of ["id", "blockdev", "lsblk", "blkid", "mount", "mountpoint", "findmnt"])
    symlinkSync(join(bin!, "stub"), join(bin!, c));
  const key = (p: string) => p.replace(/\//g, "_");
  const disk = (vol: string, name: string, parts: [string, string][], diskFs = "") => {
    const path = join(dev!, name);
    writeFileSync(path, "");
    symlinkSync(path, join(byId!, `nvme-Amazon_Elastic_Block_Store_${vol.replace("-", "")}`));
    writeFileSync(
      join(state!, `layout${key(path)}`),
      [`${path} disk`, ...parts.map(([p]) => `${path}${p} part`)].join("\n") + "\n",
    );
    if (diskFs) writeFileSync(join(state!, `fstype${key(path)}`), diskFs);
    for (const [p, fs] of parts) writeFileSync(join(state!, `fstype${key(path + p)}`), fs);
  };
  disk(VOL.a, "nvme1n1", [
    ["p1", "ext4"],
    ["p2", "xfs"],
  ]);
  disk(VOL.b, "nvme2n1", [], "xfs");
  disk(VOL.lvm, "nvme3n1", [["p1", "LVM2_member"]]);
  disk(VOL.stuck, "nvme4n1", [], "ext4");
  writeFileSync(join(state!, "stuck"), `${join(dev!, "nvme4n1")}\n`);
  return { dir, state: state!, bin: bin!, dev: (n) => join(dev!, n) };
}

async function execute(r: Rig, script: string): Promise<{ code: number; stdout: string; log: string[] }> {
  const file = join(r.dir, "mount.sh");
  writeFileSync(file, script);
  const env = { ...process.env, PATH: `${r.bin}:${process.env.PATH}`, STATE: r.state };
  const res = await run("bash", [file], { env }).then(
    (o) => ({ code: 0, stdout: o.stdout }),
    (e: { code: number; stdout: string }) => ({ code: e.code, stdout: e.stdout }),
  );
  return { ...res, log: readFileSync(join(r.state, "log"), "utf8").trim().split("\n") };
}

/** Temporary directories of this file, removed when its suites end. */
const tempDirs: string[] = [];
function tempDir(prefix: string): string {
  const dir = mkdtempSync(prefix);
  tempDirs.push(dir);
  return dir;
}
after(() => {
  for (const d of tempDirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe("ssm-documents: read-only evidence mount", () => {
  const volumes = Object.values(VOL).map((volumeId) => ({ volumeId }));

  describe("what it runs", () => {
    const script = mountReadOnlyScript({ volumes: [{ volumeId: VOL.a, attachedAs: "/dev/sdf" }] });

    it("1. every mount option set starts with ro and blocks journal or log replay", () => {
      for (const [fs, opts] of Object.entries(READ_ONLY_MOUNT_OPTIONS)) {
        expect(opts.split(",")[0], fs).to.equal("ro");
        expect(opts).to.include("noexec").and.include("nodev").and.include("nosuid");
      }
      expect(READ_ONLY_MOUNT_OPTIONS.ext4).to.include("noload");
      expect(READ_ONLY_MOUNT_OPTIONS.xfs).to.include("norecovery").and.include("nouuid");
    });

    it("2. sets the block device read-only before any mount, and never repairs, formats or writes", () => {
      expect(script.indexOf("blockdev --setro")).to.be.greaterThan(0);
      expect(script.indexOf("blockdev --setro")).to.be.lessThan(script.indexOf("mount -t"));
      for (const forbidden of [
        /\bfsck\b/,
        /\bmkfs/,
        /\brw\b/,
        /remount/,
        /\bdd\b/,
        /xfs_repair/,
        /e2fsck/,
        /vgchange/,
        /cryptsetup/,
      ]) {
        expect(script, String(forbidden)).to.not.match(forbidden);
      }
      expect(script).to.not.match(/\baws\s/);
    });

    it("3. parses under bash -n", async () => {
      const dir = tempDir(join(tmpdir(), "ir-mount-n-"));
      writeFileSync(join(dir, "m.sh"), script);
      await run("bash", ["-n", join(dir, "m.sh")]);
    });
  });

  describe("run under bash with stubbed block-device tools", () => {
    it("1. GIVEN five volumes THEN partitions mount ro,noload / ro,norecovery,nouuid after --setro; LVM, missing and stuck ones are not mounted", async () => {
      const r = rig();
      const root = join(r.dir, "mnt");
      const out = await execute(
        r,
        mountReadOnlyScript({ volumes, mountRoot: root, deviceDirectory: join(r.dir, "by-id") }),
      );
      expect(out.code).to.equal(1);
      const lines = out.stdout.trim().split("\n");
      expect(lines.filter((l) => l.endsWith("status=mounted"))).to.have.length(3);
      expect(out.stdout).to.include(
        `volume=${VOL.a} device=${r.dev("nvme1n1p1")} fstype=ext4 mount=${root}/${VOL.a}/nvme1n1p1 options=ro,noload,noexec,nodev,nosuid status=mounted`,
      );
      expect(out.stdout).to.include(
        `volume=${VOL.a} device=${r.dev("nvme1n1p2")} fstype=xfs mount=${root}/${VOL.a}/nvme1n1p2 options=ro,norecovery,nouuid,noexec,nodev,nosuid status=mounted`,
      );
      expect(out.stdout).to.include(
        `volume=${VOL.b} device=${r.dev("nvme2n1")} fstype=xfs mount=${root}/${VOL.b} options=ro,norecovery,nouuid`,
      );
      expect(out.stdout).to.include(`fstype=LVM2_member status=skipped`);
      expect(out.stdout).to.include(`volume=${VOL.missing} status=failed reason=device-not-found`);
      expect(out.stdout).to.include(
        `volume=${VOL.stuck} device=${r.dev("nvme4n1")} status=failed reason=cannot-set-read-only`,
      );
      // Order: every device is read-only (set and checked) before it is mounted; the stuck disk never is.
      for (const dev of ["nvme1n1p1", "nvme1n1p2", "nvme2n1"]) {
        const setro = out.log.indexOf(`blockdev --setro ${r.dev(dev)}`);
        const mount = out.log.findIndex((l) => l.startsWith("mount ") && l.includes(` ${r.dev(dev)} `));
        expect(setro, dev).to.be.greaterThan(-1);
        expect(mount, dev).to.be.greaterThan(setro);
      }
      expect(out.log.indexOf(`blockdev --setro ${r.dev("nvme1n1")}`)).to.be.lessThan(
        out.log.indexOf(`blockdev --setro ${r.dev("nvme1n1p1")}`),
      );
      expect(out.log.some((l) => l.startsWith("mount ") && l.includes("nvme4n1"))).to.equal(false);
      expect(out.log.filter((l) => l.startsWith("mount ")).every((l) => / -o ro,/.test(l))).to.equal(true);
    });

    it("2. a re-run finds the mounts read-only and leaves them alone", async () => {
      const r = rig();
      const input = {
        volumes: [{ volumeId: VOL.a }],
        mountRoot: join(r.dir, "mnt"),
        deviceDirectory: join(r.dir, "by-id"),
      };
      await execute(r, mountReadOnlyScript(input));
      const again = await execute(r, mountReadOnlyScript(input));
      expect(again.code).to.equal(0);
      expect(again.stdout.match(/status=already-mounted-ro/g)).to.have.length(2);
      expect(again.log.filter((l) => l.startsWith("mount "))).to.have.length(2);
    });

    it("3. refuses to run as a non-root user", async () => {
      const r = rig();
      writeFileSync(join(r.bin, "id"), "#!/bin/bash\necho 1000\n");
      chmodSync(join(r.bin, "id"), 0o755);
      const out = await execute(
        r,
        mountReadOnlyScript({
          volumes,
          mountRoot: join(r.dir, "mnt"),
          deviceDirectory: join(r.dir, "by-id"),
        }),
      ).catch(() => undefined);
      expect(out === undefined || out.code === 2).to.equal(true);
      expect(existsSync(join(r.dir, "mnt"))).to.equal(false);
    });
  });

  describe("bad input", () => {
    it("1. bad volume ids, hostile paths, the root directory, no volumes", () => {
      expect(() => mountReadOnlyScript({ volumes: [{ volumeId: "vol-1; reboot" }] })).to.throw(
        ScriptInputError,
        /volume id "vol-1; reboot" is not valid/,
      );
      expect(() =>
        mountReadOnlyScript({ volumes: [{ volumeId: VOL.a }], mountRoot: "/mnt/$(reboot)" }),
      ).to.throw(/mount root "\/mnt\/\$\(reboot\)" is not a plain absolute path/);
      expect(() =>
        mountReadOnlyScript({ volumes: [{ volumeId: VOL.a }], mountRoot: "/mnt/../etc" }),
      ).to.throw(/not a plain absolute path/);
      expect(() => mountReadOnlyScript({ volumes: [{ volumeId: VOL.a }], mountRoot: "/" })).to.throw(
        /would mount evidence over the system/,
      );
      expect(() =>
        mountReadOnlyScript({ volumes: [{ volumeId: VOL.a, attachedAs: "/dev/sdf x" }] }),
      ).to.throw(/device name of vol-0a+ "\/dev\/sdf x"/);
      expect(() => mountReadOnlyScript({ volumes: [] })).to.throw(
        /no evidence volumes to mount: create volumes from the case snapshots/,
      );
    });
  });
});
