/**
 * loadCaseReport's manifest handling, with the journal and S3 stood in for: the manifest is used only
 * when its bytes hash to what the journal recorded; otherwise the evidence comes from the journal and
 * the report says why.
 */
import { expect } from "chai";
import type { AwsClients } from "../../automation/aws/clients";
import type { Journals } from "../../automation/journal/open";
import { loadCaseReport } from "../../automation/report/load";
import { resolveSettings } from "../../automation/settings/settings";
import { containedCase } from "./fixture";

const base = containedCase();
const settings = resolveSettings(
  { stateDir: "/nonexistent-ir-state", maxAttempts: 1 },
  { AWS_REGION: "us-east-1" },
);

/** A journal that holds the fixture case, and S3 answering GetObject with `answer`. */
function world(answer: (input: { Bucket: string; Key: string; VersionId?: string }) => Promise<Buffer>) {
  const asked: unknown[] = [];
  const journals = {
    dynamo: {
      readCase: async (id: string) =>
        id === base.meta.caseId ? { meta: base.meta, entries: base.entries } : undefined,
    },
    local: { readCase: async () => undefined },
  } as unknown as Journals;
  const clients = {
    region: "us-east-1",
    s3: {
      send: async (cmd: { input: { Bucket: string; Key: string; VersionId?: string } }) => {
        asked.push(cmd.input);
        const body = await answer(cmd.input);
        return { Body: { transformToByteArray: async () => new Uint8Array(body) } };
      },
    },
  } as unknown as AwsClients;
  return { journals, clients, asked };
}

// The bytes `respond` wrote (manifest step: JSON.stringify(manifest, null, 2)).
const written = Buffer.from(JSON.stringify(base.manifest, null, 2), "utf8");
const record = base.entries.find((e) => e.stepId === "manifest" && e.event === "ran")!.data as {
  record: { manifest: { key: string; versionId: string } };
};

describe("report: loadCaseReport (journal and S3 stood in for)", () => {
  it("reads the manifest at the journaled key and version and uses it when its hash matches", async () => {
    const w = world(async () => written);
    const r = await loadCaseReport({
      caseId: base.meta.caseId,
      settings,
      clients: w.clients,
      journals: w.journals,
    });
    expect(w.asked).to.deep.equal([
      {
        Bucket: "ir-evidence-123456789012-us-east-1",
        Key: record.record.manifest.key,
        VersionId: record.record.manifest.versionId,
      },
    ]);
    expect(r.evidence.source).to.equal("manifest");
    expect(r.evidence).not.to.have.property("note");
    expect(r.evidence.tools).to.deep.equal(base.manifest.tools);
  });

  it("does not trust a manifest whose bytes differ from the journaled hash", async () => {
    const altered = Buffer.from(written.toString("utf8").replace(/"sha256": "[0-9a-f]/, '"sha256": "0'));
    const w = world(async () => altered);
    const r = await loadCaseReport({
      caseId: base.meta.caseId,
      settings,
      clients: w.clients,
      journals: w.journals,
    });
    expect(r.evidence.source).to.equal("journal");
    expect(r.evidence.note).to.match(
      /does not match the SHA-256 the journal recorded: it may have been tampered with/,
    );
    // The hashes shown are the journal's, not the altered manifest's.
    expect(r.evidence.artefacts.map((a) => a.sha256)).to.deep.equal(
      base.manifest.artefacts.map((a) => a.sha256),
    );
  });

  it("lists the evidence from the journal, with the reason, when the manifest cannot be read", async () => {
    const w = world(async () => {
      throw Object.assign(new Error("Access Denied"), { name: "AccessDenied" });
    });
    const r = await loadCaseReport({
      caseId: base.meta.caseId,
      settings,
      clients: w.clients,
      journals: w.journals,
    });
    expect(r.evidence.source).to.equal("journal");
    expect(r.evidence.note).to.equal(
      `the manifest s3://ir-evidence-123456789012-us-east-1/${record.record.manifest.key} could not be read (AccessDenied: Access Denied): evidence listed from the journal`,
    );
  });

  it("refuses a malformed case id and an unknown case with the fix, before reading anything", async () => {
    const w = world(async () => written);
    let err = await loadCaseReport({
      caseId: "c-12",
      settings,
      clients: w.clients,
      journals: w.journals,
    }).catch((e) => e);
    expect(err.message).to.equal(
      'case id "c-12" is not valid: expected c-<yyyymmdd>t<hhmmss>z-<6 hex digits>, as `ir respond` prints',
    );
    err = await loadCaseReport({
      caseId: "c-20260101t000000z-abcdef",
      settings,
      clients: w.clients,
      journals: w.journals,
    }).catch((e) => e);
    expect(err.message).to.equal(
      'case "c-20260101t000000z-abcdef" was not found in journal table "ir-case-journal" nor in /nonexistent-ir-state/: check --region, --journal-table and --state-dir',
    );
    expect(w.asked).to.deep.equal([]);
  });
});
