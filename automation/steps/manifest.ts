/**
 * manifest: every artefact of the case with its SHA-256, the snapshots, the UTC times, the tool versions
 * and the operator's identity, written to the Object-Lock bucket (compliance mode). Verified by reading
 * every artefact back and re-computing its hash, and by checking the lock on the manifest itself.
 */
import { GetObjectCommand, HeadObjectCommand } from "@aws-sdk/client-s3";
import { EVIDENCE_LOCK_MODE } from "../../facts/names";
import type { Json, Step } from "../engine/types";
import { type Artefact, evidenceBucket, hashObject, putArtefact } from "../evidence/store";
import { facts, type RespondContext } from "../respond/context";
import { toolVersions } from "./versions";

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

export const manifestStep: Step<RespondContext> = {
  id: "manifest",
  title: "Write the hashed manifest to the Object-Lock bucket",
  after: ["snapshot", "metadata-before", "metadata-after", "memory", "collect-logs", "evidence-bucket"],
  always: true,
  evidence: true,
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
    const written = await putArtefact(ctx, MANIFEST_NAME, JSON.stringify(manifest, null, 2));
    return {
      status: "done",
      record: { manifest: written, artefacts: manifest.artefacts.length } as unknown as Json,
    };
  },
  async verify(ctx, record) {
    const r = record as unknown as { manifest: Artefact };
    const bucket = evidenceBucket(ctx);
    const head = await ctx.clients.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: r.manifest.key }));
    if (head.ObjectLockMode !== EVIDENCE_LOCK_MODE) {
      return {
        ok: false,
        detail: `manifest lock is ${head.ObjectLockMode ?? "none"}, not ${EVIDENCE_LOCK_MODE}`,
      };
    }
    const got = await hashObject(ctx, r.manifest.key, r.manifest.versionId);
    if (got.sha256 !== r.manifest.sha256)
      return { ok: false, detail: "manifest hash differs from the one written" };
    const body = JSON.parse(
      await ctx.clients.s3
        .send(new GetObjectCommand({ Bucket: bucket, Key: r.manifest.key }))
        .then((o) => o.Body!.transformToString()),
    ) as Manifest;
    const bad: string[] = [];
    await Promise.all(
      body.artefacts.map(async (a) => {
        const h = await hashObject(ctx, a.key, a.versionId);
        if (h.sha256 !== a.sha256) bad.push(a.key);
      }),
    );
    return bad.length > 0
      ? { ok: false, detail: `hash mismatch: ${bad.join(", ")}` }
      : {
          ok: true,
          detail: `${body.artefacts.length} artefact(s) hashed, manifest locked until ${head.ObjectLockRetainUntilDate?.toISOString()}`,
        };
  },
};
