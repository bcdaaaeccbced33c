/**
 * recover-replace (`--via asg`): after the rebuild pinned the known-good version, an instance refresh
 * replaces every member of the group that runs another image (asg-refresh.ts says with which
 * preferences, and why). Its verification is that no member but the compromised instance runs another
 * image; when one is left (protected from scale in, in Standby), the step stays unverified with the
 * reason, the gate does not count it, and the next `ir recover` runs this step again (a new refresh).
 * `--via pulumi`: skipped, the stack's update replaced what the stack manages.
 */
import type { Json, Step } from "../engine/types";
import { describeGroup, templateOf } from "./asg-rebuild";
import {
  describeMember,
  leftBecause,
  type OldMember,
  oldMembers,
  REFRESH_PREFERENCES,
  type RefreshTarget,
  startRefresh,
  waitForRefresh,
} from "./asg-refresh";
import { type RecoverContext, recordedGroup, selectedAmi } from "./context";
import type { RebuildRecord } from "./rebuild-step";

export interface ReplaceRecord {
  group: string;
  amiId: string;
  /** Members that did not run the selected AMI when the step began: what had to be replaced. */
  before: OldMember[];
  refresh: {
    id: string;
    /** A refresh a stopped run had started (same version), waited for instead of a second one. */
    adopted: boolean;
    status: string;
    statusReason: string | null;
    startedAt: string | null;
    endedAt: string | null;
    preferences: Record<string, unknown>;
  } | null;
  /** Members still on another image afterwards, and why the refresh left them. */
  left: { instanceId: string; imageId: string | null; why: string }[];
}

async function target(ctx: RecoverContext): Promise<RefreshTarget> {
  const r = (ctx.records.get("recover-rebuild") as unknown as RebuildRecord | undefined)?.rebuild;
  if (r?.via !== "asg")
    throw new Error("the rebuild did not pin a launch-template version: nothing to roll out");
  const lt = templateOf(await describeGroup(ctx.clients.autoscaling, r.group));
  return {
    group: r.group,
    launchTemplateId: r.launchTemplateId,
    version: r.version,
    mixed: lt.mixed,
    amiId: r.amiId,
    instanceId: ctx.instanceId,
  };
}

const leftOf = (members: OldMember[]) =>
  members.map((m) => ({
    instanceId: m.instanceId,
    imageId: m.imageId,
    why: leftBecause(m) ?? "not replaced by the refresh",
  }));

const describeLeft = (left: ReplaceRecord["left"]) =>
  left.map((l) => `${l.instanceId} on ${l.imageId ?? "an unknown image"}: ${l.why}`).join("; ");

/** `boundMs`: how long the refresh may take (the gate's bound: capacity must come back within it). */
export const replaceStep = (boundMs: number): Step<RecoverContext> => ({
  id: "recover-replace",
  title: "Replace what the group runs from another image (instance refresh)",
  needs: ["recover-rebuild"],
  timeoutMs: boundMs + 60_000,
  verifyTimeoutMs: 5_000,
  async plan(ctx) {
    if (ctx.recover.via !== "asg") return [];
    const ami = selectedAmi(ctx).imageId;
    return [
      {
        action: "autoscaling:StartInstanceRefresh",
        target: recordedGroup(ctx) ?? "(none)",
        detail: `replace every member not running ${ami} (the replacement launched at containment included), new instances healthy before old ones go (min 100%, max 200%); Standby and scale-in-protected members are left and named`,
      },
    ];
  },
  async run(ctx) {
    if (ctx.recover.via !== "asg")
      return { status: "skipped", reason: "--via pulumi: the stack's update replaced what it manages" };
    const t = await target(ctx);
    const before = await oldMembers(ctx.clients, t);
    const base = { group: t.group, amiId: t.amiId, before };
    if (before.every((m) => leftBecause(m))) {
      const record: ReplaceRecord = { ...base, refresh: null, left: leftOf(before) };
      return { status: "done", record: record as unknown as Json };
    }
    const { id, adopted } = await startRefresh(ctx.clients.autoscaling, t);
    const ended = await waitForRefresh(ctx.clients.autoscaling, t.group, id, {
      timeoutMs: ctx.recover.healthTimeoutMs,
      intervalMs: ctx.recover.healthIntervalMs,
    });
    const record: ReplaceRecord = {
      ...base,
      refresh: {
        id,
        adopted,
        status: ended.Status ?? "unknown",
        statusReason: ended.StatusReason ?? null,
        startedAt: ended.StartTime?.toISOString() ?? null,
        endedAt: ended.EndTime?.toISOString() ?? null,
        preferences: { ...REFRESH_PREFERENCES },
      },
      left: leftOf(await oldMembers(ctx.clients, t)),
    };
    return { status: "done", record: record as unknown as Json };
  },
  async verify(ctx, record) {
    const r = record as unknown as ReplaceRecord;
    const left = leftOf(await oldMembers(ctx.clients, await target(ctx)));
    const replaced = r.before.filter((m) => !left.some((l) => l.instanceId === m.instanceId));
    if (left.length === 0)
      return {
        ok: true,
        detail: replaced.length
          ? `every member of ${r.group} runs ${r.amiId}; replaced ${replaced.map(describeMember).join(", ")}${r.refresh ? ` (instance refresh ${r.refresh.id})` : ""}`
          : `every member of ${r.group} already ran ${r.amiId}`,
      };
    // Waiting does not change it: the refresh has ended; only the operator (or a new refresh) can.
    return {
      ok: false,
      settled: true,
      detail: `${left.length} member(s) of ${r.group} still run another image than ${r.amiId}: ${describeLeft(left)}; the gate does not count them and ir recover starts a new refresh when run again`,
    };
  },
});
