/**
 * The object check and the manifest verifier with a mocked S3 (instance-level mocks: nothing leaks):
 * the kinds moto cannot produce, a changed hash under the same version, a lock that is not compliance
 * or has expired, an evidence version that is gone, an unpinned key with several versions.
 */
import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import { GetObjectCommand, ListObjectVersionsCommand, S3Client } from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { expect } from "chai";
import { checkObject, listVersions } from "../../automation/evidence/object-check";
import { manifestVerdict, verifyManifest } from "../../automation/evidence/verify-manifest";

const sha = (s: string) => createHash("sha256").update(s).digest("hex");
const FUTURE = new Date(Date.now() + 86_400_000);
const BUCKET = "ir-evidence-123456789012-us-east-1";
const CASE = "c-20261128t120000z-abcdef";
const key = (n: string) => `cases/${CASE}/${n}`;

function s3With(objects: Record<string, { body: string; mode?: string; until?: Date } | "gone">) {
  const s3 = new S3Client({ region: "us-east-1", credentials: { accessKeyId: "x", secretAccessKey: "y" } });
  const m = mockClient(s3);
  m.on(GetObjectCommand).callsFake((input: { Key: string; VersionId?: string }) => {
    const o = objects[`${input.Key}@${input.VersionId}`];
    if (!o || o === "gone") throw Object.assign(new Error("gone"), { name: "NoSuchVersion" });
    return {
      Body: Readable.from([Buffer.from(o.body)]) as never,
      ...(o.mode ? { ObjectLockMode: o.mode as never } : {}),
      ...(o.until ? { ObjectLockRetainUntilDate: o.until } : {}),
    };
  });
  m.on(ListObjectVersionsCommand).resolves({
    Versions: Object.keys(objects).map((k) => ({
      Key: k.split("@")[0],
      VersionId: k.split("@")[1],
      IsLatest: true,
    })),
  });
  return { s3, m };
}

describe("evidence object check (mocked S3)", () => {
  const locked = (body: string) => ({ body, mode: "COMPLIANCE", until: FUTURE });

  it("passes a pinned, unchanged, compliance-locked version", async () => {
    const { s3 } = s3With({ [`${key("a.json")}@v1`]: locked("A") });
    const versions = await listVersions(s3, BUCKET, `cases/${CASE}/`);
    const r = await checkObject(
      s3,
      BUCKET,
      { key: key("a.json"), sha256: sha("A"), versionId: "v1" },
      versions.get(key("a.json")),
    );
    expect(r.problems).to.deep.equal([]);
  });

  it("reports a hash that differs from the recorded one", async () => {
    const { s3 } = s3With({ [`${key("a.json")}@v1`]: locked("B") });
    const r = await checkObject(
      s3,
      BUCKET,
      { key: key("a.json"), sha256: sha("A"), versionId: "v1" },
      undefined,
    );
    expect(r.problems).to.deep.equal([
      {
        kind: "hash",
        key: key("a.json"),
        detail: `${key("a.json")} hashes to ${sha("B")}, not the recorded ${sha("A")}`,
      },
    ]);
  });

  it("reports a governance lock and an expired compliance lock", async () => {
    const { s3 } = s3With({
      [`${key("g.json")}@v1`]: { body: "A", mode: "GOVERNANCE", until: FUTURE },
      [`${key("e.json")}@v1`]: { body: "A", mode: "COMPLIANCE", until: new Date(Date.now() - 1000) },
    });
    const g = await checkObject(
      s3,
      BUCKET,
      { key: key("g.json"), sha256: sha("A"), versionId: "v1" },
      undefined,
    );
    expect(g.problems.map((p) => p.detail)).to.deep.equal([
      `${key("g.json")} is locked in mode GOVERNANCE, not COMPLIANCE`,
    ]);
    const e = await checkObject(
      s3,
      BUCKET,
      { key: key("e.json"), sha256: sha("A"), versionId: "v1" },
      undefined,
    );
    expect(e.problems[0]?.detail).to.match(/'s lock expired at \d{4}-/);
  });

  it("reports a pinned version that can no longer be read as missing", async () => {
    const { s3 } = s3With({ [`${key("a.json")}@v1`]: "gone" });
    const r = await checkObject(
      s3,
      BUCKET,
      { key: key("a.json"), sha256: sha("A"), versionId: "v1" },
      undefined,
    );
    expect(r.problems).to.deep.equal([
      {
        kind: "missing",
        key: key("a.json"),
        detail: `${key("a.json")} version v1 cannot be read (NoSuchVersion): the evidence is gone`,
      },
    ]);
  });

  it("reports an artefact with no version id whose key has several versions", async () => {
    const { s3 } = s3With({ [`${key("a.json")}@undefined`]: locked("A") });
    const r = await checkObject(
      s3,
      BUCKET,
      { key: key("a.json"), sha256: sha("A") },
      {
        versions: ["v2", "v1"],
        latest: "v2",
        latestIsDeleteMarker: false,
      },
    );
    expect(r.problems.map((p) => p.kind)).to.deep.equal(["version"]);
  });
});

describe("manifest verifier (mocked S3)", () => {
  const manifest = (artefacts: { key: string; sha256: string; versionId: string }[]) =>
    JSON.stringify({ schema: "ir-manifest/1", caseId: CASE, artefacts, snapshots: [] });

  it("checks every artefact the manifest lists and reports each problem with its kind", async () => {
    const body = manifest([
      { key: key("a.json"), sha256: sha("A"), versionId: "v1" },
      { key: key("b.json"), sha256: sha("B"), versionId: "v1" },
    ]);
    const { s3 } = s3With({
      [`${key("manifest.json")}@m1`]: { body, mode: "COMPLIANCE", until: FUTURE },
      [`${key("a.json")}@v1`]: { body: "A", mode: "COMPLIANCE", until: FUTURE },
      [`${key("b.json")}@v1`]: { body: "B", mode: "GOVERNANCE", until: FUTURE },
    });
    const check = await verifyManifest({
      s3,
      bucket: BUCKET,
      caseId: CASE,
      pinned: { key: key("manifest.json"), sha256: sha(body), versionId: "m1" },
    });
    expect(check.artefacts).to.equal(2);
    expect(check.problems.map((p) => `${p.kind} ${p.key}`)).to.deep.equal([`artefact-lock ${key("b.json")}`]);
    expect(manifestVerdict(check)).to.deep.equal({
      ok: false,
      detail: `${key("b.json")} is locked in mode GOVERNANCE, not COMPLIANCE`,
    });
  });

  it("reports a manifest that is not this case's, or not a manifest, as manifest-hash", async () => {
    const other = JSON.stringify({
      schema: "ir-manifest/1",
      caseId: "c-20990101t000000z-000000",
      artefacts: [],
    });
    const { s3 } = s3With({
      [`${key("manifest.json")}@m1`]: { body: other, mode: "COMPLIANCE", until: FUTURE },
    });
    const check = await verifyManifest({
      s3,
      bucket: BUCKET,
      caseId: CASE,
      pinned: { key: key("manifest.json"), sha256: sha(other), versionId: "m1" },
    });
    expect(check.problems.map((p) => `${p.kind}: ${p.detail}`)).to.deep.equal([
      `manifest-hash: the manifest names case "c-20990101t000000z-000000", not ${CASE}`,
    ]);
  });
});
