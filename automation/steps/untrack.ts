/**
 * untrack: every ENI moves to the untrack group (all traffic in and out, IPv4 and IPv6), so flows that
 * were tracked (an attacker's established session) become untracked and the isolation group can cut
 * them; connection-tracking timeouts go to their minimum. Each ENI is changed on its own
 * (ModifyNetworkInterfaceAttribute): the instance-level call fails on AWS with more than one ENI.
 * This changes nothing for health checks (everything is still allowed), so it runs beside the ASG step.
 * Minimum tracking is best effort (Nitro types only); requester-managed ENIs are left alone and
 * reported. Whatever happens here, the isolate step comes after and takes every ENI out of this group.
 */
import { ModifyNetworkInterfaceAttributeCommand } from "@aws-sdk/client-ec2";
import { type CaseContext, facts, groups } from "../case/context";
import type { Json, Step } from "../engine/types";
import {
  containableEnis,
  describeEnis,
  describeUncontainable,
  groupIds,
  MIN_TRACKING,
  type UncontainableEni,
} from "./network";
import type { UntrackWindow } from "./untrack-window";
import { dryRun, errorName, mayHaveRun, sameSet } from "./util";

export interface UntrackRecord {
  at: number;
  /** The ENIs moved to the untrack group (the containable ones). */
  enis: string[];
  /** ENIs found already isolated on a resume (left alone). */
  alreadyIsolated: string[];
  /** Requester-managed ENIs: never modified (EC2 refuses), reported. */
  uncontainable?: UncontainableEni[];
  /** Connection tracking: ENIs whose timeouts went to their minimum, and why the others did not. */
  tracking?: { minimal: string[]; skipped: { eni: string; reason: string }[] };
}

/**
 * Minimum connection tracking is best effort: EC2 refuses it on instance types not built on Nitro
 * (Xen: t2, m4, c4, r4...) with InvalidParameterValue, and a refusal must never stop containment.
 */
async function minimiseTracking(ctx: CaseContext, eni: string): Promise<string | undefined> {
  try {
    await ctx.clients.ec2.send(
      new ModifyNetworkInterfaceAttributeCommand({
        NetworkInterfaceId: eni,
        ConnectionTrackingSpecification: { ...MIN_TRACKING },
      }),
    );
    return undefined;
  } catch (err) {
    const type = facts(ctx).instanceType ?? "this instance type";
    return errorName(err) === "InvalidParameterValue"
      ? `EC2 refuses configurable connection tracking on ${type} (not built on Nitro): tracked flows keep their default timeouts until isolation cuts them`
      : `connection tracking not minimised: ${errorName(err)}: ${(err as Error).message}`;
  }
}

/** Untracks through the response's window (untrack-window.ts), which the isolate step gives back. */
export const untrackStep = (window: UntrackWindow): Step<CaseContext> => ({
  id: "untrack",
  title: "Move every ENI to the untrack group; minimum connection tracking",
  needs: ["discover", "isolation-groups"],
  purpose: "containment",
  async plan(ctx) {
    const g = ctx.records.get("isolation-groups") as { untrack?: string } | undefined;
    const untrack = g?.untrack ?? "(the untrack group, created first)";
    return Promise.all(
      facts(ctx).enis.map(async (eni) => ({
        action: "ec2:ModifyNetworkInterfaceAttribute",
        target: eni.id,
        detail: `groups [${eni.groups.join(", ")}] -> [${untrack}]; TCP established tracking ${MIN_TRACKING.TcpEstablishedTimeout}s`,
        dryRun: g?.untrack
          ? await dryRun(() =>
              ctx.clients.ec2.send(
                new ModifyNetworkInterfaceAttributeCommand({
                  DryRun: true,
                  NetworkInterfaceId: eni.id,
                  Groups: [untrack],
                }),
              ),
            )
          : undefined,
      })),
    );
  },
  async run(ctx, attempt) {
    const g = groups(ctx);
    const { enis, uncontainable, now } = await containableEnis(ctx);
    // A resume finds ENIs the isolate step already moved: they stay isolated.
    const alreadyIsolated = mayHaveRun(ctx, attempt)
      ? enis.filter((id) => groupIds(now.get(id)).includes(g.isolation))
      : [];
    const todo = enis.filter((id) => !alreadyIsolated.includes(id));
    if (todo.length > 0 && !(await window.enter(ctx.caseId, todo.length))) {
      return {
        status: "skipped",
        reason: `${window.open} ENIs of this response are between untrack and isolation (a window of ${window.size}): isolated directly, so established flows stay tracked until their idle timeout`,
      };
    }
    const [moved, tracking] = await Promise.all([
      Promise.allSettled(
        todo.map((id) =>
          ctx.clients.ec2.send(
            new ModifyNetworkInterfaceAttributeCommand({ NetworkInterfaceId: id, Groups: [g.untrack] }),
            // Cancelled if isolation starts first (this step timed out while the call waited for a token).
            { abortSignal: window.signal(ctx.caseId) },
          ),
        ),
      ),
      Promise.all(todo.map(async (eni) => ({ eni, reason: await minimiseTracking(ctx, eni) }))),
    ]);
    const failed = moved.find((m): m is PromiseRejectedResult => m.status === "rejected");
    // The isolate step runs after this one whatever happens here, and takes every ENI out of the
    // untrack group: a failure here only shortens the dwell.
    if (failed) throw failed.reason;
    const record: UntrackRecord = {
      at: Date.now(),
      enis,
      alreadyIsolated,
      ...(uncontainable.length > 0 ? { uncontainable } : {}),
      tracking: {
        minimal: tracking.filter((t) => !t.reason).map((t) => t.eni),
        skipped: tracking.flatMap((t) => (t.reason ? [{ eni: t.eni, reason: t.reason }] : [])),
      },
    };
    return { status: "done", record: record as unknown as Json };
  },
  async verify(ctx, record) {
    const r = record as unknown as UntrackRecord;
    const g = groups(ctx);
    const now = await describeEnis(ctx, r.enis);
    const bad = r.enis.filter((id) => {
      const gs = groupIds(now.get(id));
      // Once isolated (the next step), the untrack state is legitimately gone.
      return !(sameSet(gs, [g.untrack]) || gs.includes(g.isolation));
    });
    const minimal = r.tracking?.minimal ?? r.enis;
    const slow = minimal.filter((id) => {
      const t = now.get(id)?.ConnectionTrackingConfiguration?.TcpEstablishedTimeout;
      return t !== undefined && t > MIN_TRACKING.TcpEstablishedTimeout;
    });
    if (bad.length > 0) {
      // The isolate step moves an ENI back to its original groups when isolation failed for good.
      const original = new Map(facts(ctx).enis.map((e) => [e.id, e.groups]));
      const reverted = bad.filter((id) => sameSet(groupIds(now.get(id)), original.get(id) ?? []));
      return {
        ok: false,
        detail: `not in the untrack group: ${bad.join(", ")}${reverted.length > 0 ? ` (back in their original groups: ${reverted.join(", ")})` : ""}`,
        ...(reverted.length === bad.length ? { settled: true } : {}),
      };
    }
    if (slow.length > 0)
      return { ok: false, detail: `connection tracking not minimal on ${slow.join(", ")}` };
    const notes = [
      ...(r.tracking?.skipped ?? []).map((t) => `${t.eni}: ${t.reason}`),
      ...(r.uncontainable ?? []).map(describeUncontainable),
    ];
    return { ok: true, detail: [`${r.enis.length} ENI(s) untracked`, ...notes].join("; ") };
  },
});
