/**
 * manifest: every artefact of the case with its SHA-256, the snapshots, the UTC times, the tool versions
 * and the operator's identity, written to the Object-Lock bucket (compliance mode). Verified by reading
 * every artefact back and re-computing its hash, and by checking the lock on the manifest itself.
 */
import { EVIDENCE_LOCK_MODE } from "../../facts/names";
import { type CaseContext, facts } from "../case/context";
import type { Json, Step } from "../engine/types";
import { MANIFEST_NAME, type Manifest } from "../evidence/manifest";
import { type Artefact, evidenceBucket, putArtefact } from "../evidence/store";
import { manifestVerdict, verifyManifest } from "../evidence/verify-manifest";
import { toolVersions } from "./versions";

export const manifestStep: Step<CaseContext> = {
  id: "manifest",
  title: "Write the hashed manifest to the Object-Lock bucket",
  after: ["snapshot", "metadata-before", "metadata-after", "memory", "collect-logs", "evidence-bucket"],
  purpose: "evidence",
  async plan(ctx) {
    return [
      {
        action: "s3:PutObject",
        target: `cases/${ctx.caseId}/${MANIFEST_NAME}`,
        detail: `manifest under ${EVIDENCE_LOCK_MODE} lock`,
      },
    ];
  },
  async run(ctx) {
    if (!ctx.records.get("evidence-bucket")) {
      throw new Error(
        `no evidence bucket: the manifest cannot be written (see the evidence-bucket step for the fix)`,
      );
    }
    const f = facts(ctx);
    const arts = (id: string) =>
      (ctx.records.get(id) as { artefacts?: Artefact[] } | undefined)?.artefacts ?? [];
    const mem = ctx.records.get("memory") as { artefact?: Artefact } | undefined;
    const memReason = ctx.records.has("memory") ? undefined : "the memory step did not finish";
    const manifest: Manifest = {
      schema: "ir-manifest/1",
      caseId: ctx.caseId,
      instanceId: ctx.instanceId,
      accountId: f.accountId,
      region: f.region,
      operator: ctx.operator ?? null,
      caseOpenedAt: ctx.caseStartedAt,
      writtenAt: new Date().toISOString(),
      tools: toolVersions(),
      snapshots:
        (ctx.records.get("snapshot") as { snapshots?: Manifest["snapshots"] } | undefined)?.snapshots ?? [],
      artefacts: [
        ...arts("metadata-before"),
        ...arts("metadata-after"),
        ...(mem?.artefact ? [mem.artefact] : []),
        ...arts("collect-logs"),
      ],
      memory: mem?.artefact
        ? { status: "captured" }
        : memReason
          ? { status: "failed", reason: memReason }
          : { status: "skipped" },
    };
    const written = await putArtefact(
      ctx,
      MANIFEST_NAME,
      JSON.stringify(manifest, null, 2),
      "application/json",
      "latest",
    );
    return {
      status: "done",
      record: { manifest: written, artefacts: manifest.artefacts.length } as unknown as Json,
    };
  },
  async verify(ctx, record) {
    const r = record as unknown as { manifest: Artefact };
    // One verifier for every caller (this step, `ir verify`, recover's gate): evidence/verify-manifest.ts.
    const check = await verifyManifest({
      s3: ctx.clients.s3,
      bucket: evidenceBucket(ctx),
      caseId: ctx.caseId,
      pinned: r.manifest,
    });
    return manifestVerdict(check);
  },
};
