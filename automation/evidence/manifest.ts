/** The case manifest: what the evidence of one case is, with hashes; written last, verified by reading back. */
import type { Artefact } from "./store";

export const MANIFEST_NAME = "manifest.json";

export interface Manifest {
  schema: "ir-manifest/1";
  caseId: string;
  instanceId: string;
  accountId: string;
  region: string;
  operator: string | null;
  caseOpenedAt: string;
  writtenAt: string;
  tools: Record<string, string>;
  snapshots: { snapshotId: string; volumeId: string }[];
  artefacts: Artefact[];
  memory: { status: "captured" | "skipped" | "failed"; reason?: string };
}
