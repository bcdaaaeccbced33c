/**
 * `ir verify <case-id>` as a library call: is the evidence of a case exactly what was collected?
 * The journal is the trust anchor (hash-chained, so its own tampering shows): it pinned the manifest's
 * key, version and SHA-256 when the manifest was written. From there `verifyManifest` re-reads and
 * re-hashes the manifest and every artefact it lists, checks the compliance locks and looks for
 * overwrites and deletions; the snapshots the manifest lists must still exist.
 */
import { evidenceBucketName } from "../../facts/names";
import type { AwsClients } from "../aws/clients";
import { checkCaseId } from "../case/ids";
import { recordsOf } from "../case/records";
import { InputError } from "../input/targets";
import { verifyChain } from "../journal/chain";
import { findCaseOrFail } from "../journal/hold-case";
import { type Journals, openJournals } from "../journal/open";
import type { ResolvedSettings } from "../settings/settings";
import type { PinnedObject } from "./object-check";
import type { VerifyProblem } from "./problems";
import { verifyManifest } from "./verify-manifest";

export type { VerifyProblem, VerifyProblemKind } from "./problems";

export interface VerifyReport {
  caseId: string;
  ok: boolean;
  /** Artefacts the manifest lists (each re-hashed). */
  artefacts: number;
  problems: VerifyProblem[];
  manifestKey?: string;
  lockedUntil?: string;
  chain: { ok: boolean; entries: number };
}

type Records = ReturnType<typeof recordsOf>;

/** Where the case's evidence went: the evidence-bucket step's record, else the settings' bucket. */
export function caseBucket(records: Records, settings: ResolvedSettings, region: string, accountId?: string) {
  const recorded = (records.get("evidence-bucket") as { bucket?: string } | undefined)?.bucket;
  if (recorded) return recorded;
  if (settings.evidenceBucket) return settings.evidenceBucket;
  const account = accountId ?? (records.get("discover") as { accountId?: string } | undefined)?.accountId;
  if (!account)
    throw new InputError(
      "the case recorded neither its evidence bucket nor its account: pass --evidence-bucket (IR_EVIDENCE_BUCKET)",
    );
  return evidenceBucketName(account, region);
}

/** The manifest as the journal pinned it when it was written. */
export function pinnedManifest(records: Records): PinnedObject | undefined {
  return (records.get("manifest") as { manifest?: PinnedObject } | undefined)?.manifest;
}

export async function verifyCase(req: {
  caseId: string;
  settings: ResolvedSettings;
  clients: AwsClients;
  journals?: Journals;
}): Promise<VerifyReport> {
  const caseId = checkCaseId(req.caseId);
  const journals = req.journals ?? openJournals(req.clients, req.settings);
  const found = await findCaseOrFail(journals, caseId, req.settings);
  const { meta, entries } = found;
  const problems: VerifyProblem[] = [];
  const chain = verifyChain(entries);
  if (!chain.ok)
    problems.push({ kind: "journal-chain", detail: `journal chain is broken: ${chain.problem}` });
  const records = recordsOf(entries);
  const pinned = pinnedManifest(records);
  const base = { caseId, chain: { ok: chain.ok, entries: entries.length } };
  if (!pinned) {
    problems.push({
      kind: "manifest-missing",
      detail: `case ${caseId} recorded no manifest: the manifest step never wrote one (see \`ir status ${caseId}\`)`,
    });
    return { ...base, ok: false, artefacts: 0, problems };
  }
  const clients = req.clients.forRegion(meta.region);
  const check = await verifyManifest({
    s3: clients.s3,
    ec2: clients.ec2,
    bucket: caseBucket(records, req.settings, meta.region, meta.accountId),
    caseId,
    pinned,
  });
  problems.push(...check.problems);
  return {
    ...base,
    ok: problems.length === 0,
    artefacts: check.artefacts,
    problems,
    manifestKey: pinned.key,
    ...(check.lockedUntil ? { lockedUntil: check.lockedUntil } : {}),
  };
}
