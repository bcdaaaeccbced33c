/**
 * `loadCaseReport`: reads a case from the journal (table, then local fallback) and its manifest from
 * the evidence bucket, then builds the report. The manifest is read at the version the journal
 * recorded and its SHA-256 compared with the journal's: a manifest that does not match is not used
 * (the report lists the evidence from the journal and says why), so a tampered bucket cannot rewrite
 * the report's hashes.
 */
import { GetObjectCommand } from "@aws-sdk/client-s3";
import { evidenceBucketName } from "../../facts/names";
import type { AwsClients } from "../aws/clients";
import { checkCaseId } from "../case/ids";
import { stepStates } from "../engine/runner";
import type { Manifest } from "../evidence/manifest";
import { sha256Hex } from "../evidence/store";
import type { JournalEntry } from "../journal/chain";
import { findCaseOrFail } from "../journal/hold-case";
import type { CaseMeta } from "../journal/journal";
import { type Journals, openJournals } from "../journal/open";
import type { ResolvedSettings } from "../settings/settings";
import { buildReport } from "./build";
import type { CaseReport } from "./model";

export interface LoadRequest {
  caseId: string;
  settings: ResolvedSettings;
  clients: AwsClients;
  journals?: Journals;
}

export async function loadCaseReport(req: LoadRequest): Promise<CaseReport> {
  const caseId = checkCaseId(req.caseId);
  const journals = req.journals ?? openJournals(req.clients, req.settings);
  const found = await findCaseOrFail(
    journals,
    caseId,
    req.settings,
    "check --region, --journal-table and --state-dir",
  );
  const read = await readManifest(req, found.meta, found.entries);
  return buildReport({
    meta: found.meta,
    entries: found.entries,
    ...(read.manifest ? { manifest: read.manifest } : {}),
    ...(read.note ? { manifestNote: read.note } : {}),
  });
}

interface Written {
  key: string;
  versionId?: string;
  sha256: string;
}

async function readManifest(
  req: LoadRequest,
  meta: CaseMeta,
  entries: JournalEntry[],
): Promise<{ manifest?: Manifest; note?: string }> {
  const state = stepStates(entries).get("manifest");
  const written = (state?.record as { manifest?: Written } | undefined)?.manifest;
  if (!written?.key || !written.sha256) {
    return { note: "the manifest step recorded no manifest: evidence listed from the journal" };
  }
  const accountId =
    meta.accountId ??
    (stepStates(entries).get("discover")?.record as { accountId?: string } | null)?.accountId;
  const bucket =
    req.settings.evidenceBucket ?? (accountId ? evidenceBucketName(accountId, meta.region) : undefined);
  if (!bucket)
    return { note: "the evidence bucket is unknown (no account id in the case): pass --evidence-bucket" };
  const clients = meta.region === req.clients.region ? req.clients : req.clients.forRegion(meta.region);
  let body: Buffer;
  try {
    const res = await clients.s3.send(
      new GetObjectCommand({
        Bucket: bucket,
        Key: written.key,
        ...(written.versionId ? { VersionId: written.versionId } : {}),
      }),
    );
    body = Buffer.from(await res.Body!.transformToByteArray());
  } catch (err) {
    const e = err as Error;
    return {
      note: `the manifest s3://${bucket}/${written.key} could not be read (${e.name}: ${e.message}): evidence listed from the journal`,
    };
  }
  if (sha256Hex(body) !== written.sha256) {
    return {
      note: `the manifest s3://${bucket}/${written.key} does not match the SHA-256 the journal recorded: it may have been tampered with; evidence listed from the journal`,
    };
  }
  const manifest = JSON.parse(body.toString("utf8")) as Manifest;
  if (manifest.schema !== "ir-manifest/1" || manifest.caseId !== meta.caseId) {
    return {
      note: `the manifest s3://${bucket}/${written.key} is not case ${meta.caseId}'s ir-manifest/1: evidence listed from the journal`,
    };
  }
  return { manifest };
}
