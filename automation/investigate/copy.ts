/**
 * investigate-copy: every case snapshot copied and re-encrypted under the incident key (the baseline's
 * evidence key), waited for, tagged with the case and the snapshot it came from. The volumes are made
 * from the copies, so a workload key that only admits its own workload (or that its owner, or an
 * attacker, disables or schedules for deletion) no longer stands between the responder and the disk.
 * The copies are evidence: `--stop` never deletes them. Without an incident key the step is skipped and
 * the volumes are made from the case snapshots themselves.
 *
 * CopySnapshot has no client token: a copy is found by its tags before another is made. AWS copies
 * asynchronously; a copy EBS cannot make (a key it may not use for the responder) ends in `error` with a
 * StateMessage, and the step fails naming the keys and the key-policy statement to add.
 */
import { CopySnapshotCommand, DescribeSnapshotsCommand, type Snapshot } from "@aws-sdk/client-ec2";
import { EBS_COPY_SOURCE_KMS_ACTIONS } from "../../facts/responder-actions";
import { ROLE_TAG_VALUES, TAG } from "../../facts/tags";
import type { Json, Step } from "../engine/types";
import { caseTags, dryRun, sleep } from "../steps/util";
import { type CaseSnapshot, type CopyRecord, type InvestigateContext, recordOf } from "./context";
import { statementsToAdd } from "./key-policy";
import { copiesBySource, findCopies, SOURCE_SNAPSHOT_TAG } from "./lookup";

export const COPY_STEP = "investigate-copy";

/** How long one run waits for copies (a large first copy takes hours: re-run then, it is found). */
const COPY_WAIT_MS = 1_200_000;

const describe = async (ctx: InvestigateContext, ids: string[]): Promise<Snapshot[]> =>
  ids.length === 0
    ? []
    : ((await ctx.clients.ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: ids }))).Snapshots ?? []);

function copyRequest(ctx: InvestigateContext, s: CaseSnapshot, dry: boolean) {
  return new CopySnapshotCommand({
    SourceSnapshotId: s.snapshotId,
    SourceRegion: ctx.clients.region,
    Encrypted: true,
    KmsKeyId: ctx.incidentKeyArn!,
    Description: `ir ${ctx.caseId}: evidence copy of ${s.snapshotId} under the incident key`,
    ...(dry
      ? { DryRun: true }
      : {
          TagSpecifications: [
            {
              ResourceType: "snapshot",
              Tags: caseTags(ctx.caseId, COPY_STEP, {
                [TAG.role]: ROLE_TAG_VALUES.evidenceSnapshot,
                [SOURCE_SNAPSHOT_TAG]: s.snapshotId,
                "ir:source-volume-id": s.volumeId,
                Name: `ir-evidence-copy-${ctx.caseId}-${s.volumeId}`,
              }),
            },
          ],
        }),
  });
}

/** Waits (bounded) until every id is completed; throws on one in error or still pending at the bound. */
async function waitCompleted(ctx: InvestigateContext, ids: string[], what: (s: Snapshot) => string) {
  const deadline = Date.now() + COPY_WAIT_MS;
  for (;;) {
    const now = await describe(ctx, ids);
    const failed = now.find((s) => s.State === "error");
    if (failed) throw new Error(what(failed));
    const waiting = now.filter((s) => s.State !== "completed");
    if (waiting.length === 0) return now;
    if (Date.now() > deadline)
      throw new Error(
        `snapshot ${waiting[0]!.SnapshotId} is still ${waiting[0]!.State} (${waiting[0]!.Progress ?? "?"}): re-run \`ir investigate ${ctx.caseId}\` when it completes`,
      );
    await sleep(ctx.mount.pollMs);
  }
}

/** A copy EBS could not make: which keys, and what would let the responder use the workload's. */
function copyFailed(ctx: InvestigateContext, copy: Snapshot, sources: Snapshot[]): string {
  const source = sources.find(
    (s) => s.SnapshotId === copy.Tags?.find((t) => t.Key === SOURCE_SNAPSHOT_TAG)?.Value,
  );
  const sourceKey = source?.Encrypted ? source.KmsKeyId : undefined;
  const statement = sourceKey
    ? ` If ${sourceKey} is a workload's key, add to its policy: ${JSON.stringify(statementsToAdd(ctx.who, EBS_COPY_SOURCE_KMS_ACTIONS)[0])}.`
    : "";
  return `copy ${copy.SnapshotId} of ${source?.SnapshotId ?? "a case snapshot"} ended in error (${copy.StateMessage ?? "no message"}): EBS could not use ${sourceKey ? `the snapshot's key ${sourceKey} or ` : ""}the incident key ${ctx.incidentKeyArn} for ${ctx.who.principalArn}.${statement} The failed copy stays (delete it with \`aws ec2 delete-snapshot --snapshot-id ${copy.SnapshotId}\`); \`ir investigate ${ctx.caseId}\` makes a new one`;
}

export const copyStep: Step<InvestigateContext> = {
  id: COPY_STEP,
  title: "Copy every case snapshot under the incident key (the copies are evidence, kept by --stop)",
  purpose: "evidence",
  timeoutMs: COPY_WAIT_MS + 120_000,
  verifyTimeoutMs: 60_000,
  verifyIntervalMs: 2_000,
  async plan(ctx) {
    if (!ctx.incidentKeyArn) return [];
    const existing = copiesBySource(await findCopies(ctx.clients.ec2, ctx.caseId, COPY_STEP));
    return Promise.all(
      ctx.snapshots
        .filter((s) => !existing.has(s.snapshotId))
        .map(async (s) => ({
          action: "ec2:CopySnapshot",
          target: s.snapshotId,
          detail: `copy of ${s.snapshotId} (of ${s.volumeId}) re-encrypted under ${ctx.incidentKeyArn}, tagged ${TAG.caseId}=${ctx.caseId}`,
          dryRun: await dryRun(() => ctx.clients.ec2.send(copyRequest(ctx, s, true))),
        })),
    );
  },
  async run(ctx) {
    if (!ctx.incidentKeyArn)
      return {
        status: "skipped",
        reason:
          "no incident key configured (evidenceKmsKeyArn): volumes are made from the case snapshots themselves",
      };
    const existing = copiesBySource(await findCopies(ctx.clients.ec2, ctx.caseId, COPY_STEP));
    const missing = ctx.snapshots.filter((s) => !existing.has(s.snapshotId));
    // Only a completed snapshot can be copied.
    const sources = await waitCompleted(
      ctx,
      ctx.snapshots.map((s) => s.snapshotId),
      (s) => `snapshot ${s.SnapshotId} of case ${ctx.caseId} is in error`,
    );
    const made = await Promise.all(
      missing.map(
        async (s) =>
          [s.snapshotId, (await ctx.clients.ec2.send(copyRequest(ctx, s, false))).SnapshotId!] as const,
      ),
    );
    const copyOf = new Map([...[...existing].map(([k, v]) => [k, v.SnapshotId!] as const), ...made]);
    await waitCompleted(ctx, [...copyOf.values()], (c) => copyFailed(ctx, c, sources));
    const copies = ctx.snapshots.map((s) => ({
      snapshotId: s.snapshotId,
      copyId: copyOf.get(s.snapshotId)!,
      kmsKeyId: ctx.incidentKeyArn!,
    }));
    return { status: "done", record: { copies } satisfies CopyRecord as unknown as Json };
  },
  async verify(ctx) {
    const r = recordOf<CopyRecord>(ctx, COPY_STEP)!;
    const now = new Map(
      (
        await describe(
          ctx,
          r.copies.map((c) => c.copyId),
        )
      ).map((s) => [s.SnapshotId, s]),
    );
    const bad = r.copies.flatMap((c) => {
      const s = now.get(c.copyId);
      if (!s) return [`${c.copyId} is gone`];
      if (s.State !== "completed") return [`${c.copyId} is ${s.State}`];
      if (s.KmsKeyId !== c.kmsKeyId)
        return [`${c.copyId} is under ${s.KmsKeyId ?? "no key"}, not ${c.kmsKeyId}`];
      if (!s.Tags?.some((t) => t.Key === TAG.caseId && t.Value === ctx.caseId))
        return [`${c.copyId} is not tagged ${TAG.caseId}=${ctx.caseId}`];
      return [];
    });
    return bad.length > 0
      ? { ok: false, detail: bad.join("; ") }
      : { ok: true, detail: r.copies.map((c) => `${c.snapshotId} → ${c.copyId}`).join(", ") };
  },
};
