/**
 * isolate: after a short dwell in the untrack group, every ENI moves to the isolation group alone (plus
 * forensic egress while a memory capture runs). Comes after the Auto Scaling and load-balancer steps (an
 * isolated instance still in service fails its health checks and is replaced, evidence and all) and
 * after untrack, but needs none of them: once an ENI may sit in the all-open untrack group, isolation
 * runs whatever they did. Requester-managed ENIs are reported, never touched. Security groups cannot cut everything: ICMP and flows through a NAT
 * gateway, NLB, Transit Gateway or PrivateLink endpoint stay tracked (see automation/README.md).
 */
import { ModifyNetworkInterfaceAttributeCommand } from "@aws-sdk/client-ec2";
// Urgent for the client's rate limiter: isolation (and the move back) closes an exposure, so it never
// waits behind best-effort calls of other cases (connection tracking, untracking more ENIs).
import { urgent } from "../aws/rate-limit-middleware";
import { isTransientFailure } from "../aws/retry";
import { type CaseContext, facts, groups } from "../case/context";
import type { Json, RunAttempt, RunResult, Step, VerifyResult } from "../engine/types";
import {
  containableEnis,
  describeEnis,
  describeUncontainable,
  groupIds,
  type UncontainableEni,
} from "./network";
import type { UntrackRecord } from "./untrack";
import type { UntrackWindow } from "./untrack-window";
import { dryRun, sameSet, sleep } from "./util";

export interface IsolateRecord {
  enis: string[];
  groups: string[];
  forensicEgress: boolean;
  at: number;
  /** Requester-managed ENIs: not containable by a security group, reported. */
  uncontainable?: UncontainableEni[];
}

/** Where each ENI is now, in words: the message of a failed isolation must say what is open. */
async function whereEnisAre(ctx: CaseContext, enis: string[]): Promise<string> {
  const g = groups(ctx);
  const now = await describeEnis(ctx, enis).catch(() => undefined);
  if (!now) return "their groups could not be read";
  return enis
    .map((id) => {
      const gs = groupIds(now.get(id));
      if (gs.includes(g.untrack)) return `${id} is STILL IN THE UNTRACK GROUP (open to all traffic)`;
      if (gs.includes(g.isolation)) return `${id} is isolated`;
      return `${id} is in its original groups [${gs.join(", ")}]`;
    })
    .join("; ");
}

const ISOLATE_ATTEMPTS = 5;

/** ENIs left in the untrack group go back to the groups they had before containment (best effort). */
async function revertUntracked(ctx: CaseContext, enis: string[]): Promise<string[]> {
  const g = groups(ctx);
  const now = await describeEnis(ctx, enis).catch(() => undefined);
  const original = new Map(facts(ctx).enis.map((e) => [e.id, e.groups]));
  const open = enis.filter((id) => !now || groupIds(now.get(id)).includes(g.untrack));
  const back = await Promise.allSettled(
    open.map((id) =>
      ctx.clients.ec2.send(
        new ModifyNetworkInterfaceAttributeCommand(
          urgent({
            NetworkInterfaceId: id,
            Groups: original.get(id) ?? [],
          }),
        ),
      ),
    ),
  );
  return open.filter((_, i) => back[i]!.status === "fulfilled");
}

/** True when a memory capture will run (the host needs outbound HTTPS to S3 for it). */
export function wantsForensicEgress(ctx: CaseContext): boolean {
  const ssm = ctx.records.get("ssm-check") as { managed?: boolean } | undefined;
  return Boolean(ctx.options.memory && ssm?.managed && ctx.records.get("isolation-groups"));
}

/** Isolates, then gives the case's untrack-window slots back (whatever the outcome). */
export const isolateStep = (window: UntrackWindow): Step<CaseContext> => ({
  id: "isolate",
  title: "Move every ENI to the isolation group",
  // Not after ssm-check: containment never waits on SSM. If SSM answered by now and a capture will
  // run, forensic egress is opened here; otherwise the memory step opens it itself.
  needs: ["discover", "isolation-groups"],
  // Ordering, not dependence: once untrack has moved any ENI into the all-open group, isolation must
  // run even when untrack, the Auto Scaling step or the load-balancer step failed (a host left in the
  // untrack group is more exposed than before containment started).
  after: ["untrack", "asg-out-of-service", "elb-deregister"],
  purpose: "containment",
  runAttempts: ISOLATE_ATTEMPTS,
  async plan(ctx) {
    const g = ctx.records.get("isolation-groups") as { isolation?: string } | undefined;
    const target = g?.isolation ?? "(the isolation group)";
    return Promise.all(
      facts(ctx).enis.map(async (eni) => ({
        action: "ec2:ModifyNetworkInterfaceAttribute",
        target: eni.id,
        detail: `after ${ctx.options.dwellMs} ms untracked: groups -> [${target}]`,
        dryRun: g?.isolation
          ? await dryRun(() =>
              ctx.clients.ec2.send(
                new ModifyNetworkInterfaceAttributeCommand({
                  DryRun: true,
                  NetworkInterfaceId: eni.id,
                  Groups: [target],
                }),
              ),
            )
          : undefined,
      })),
    );
  },
  async run(ctx, attempt) {
    window.closing(ctx.caseId);
    try {
      return await isolate(ctx, attempt);
    } finally {
      window.leave(ctx.caseId);
    }
  },
  async verify(ctx, record) {
    return verifyIsolated(ctx, record);
  },
  // Held, not set once: an ENI found out of isolation (moved back by something else) is isolated again.
  async reapply(ctx, record) {
    const r = record as unknown as IsolateRecord;
    await Promise.all(
      r.enis.map((id) =>
        ctx.clients.ec2.send(
          new ModifyNetworkInterfaceAttributeCommand(urgent({ NetworkInterfaceId: id, Groups: r.groups })),
        ),
      ),
    );
  },
});

async function isolate(ctx: CaseContext, attempt: RunAttempt | undefined): Promise<RunResult> {
  const g = groups(ctx);
  const untracked = ctx.records.get("untrack") as unknown as UntrackRecord | undefined;
  const wait = (untracked?.at ?? 0) + ctx.options.dwellMs - Date.now();
  if (wait > 0) await sleep(Math.min(wait, ctx.options.dwellMs));
  const egress = wantsForensicEgress(ctx) && g.forensicEgress !== undefined;
  const target = egress ? [g.isolation, g.forensicEgress!] : [g.isolation];
  // Read again rather than trust untrack's record: untrack may have failed before it wrote one.
  const { enis, uncontainable } = await containableEnis(ctx);
  const moved = await Promise.allSettled(
    enis.map((id) =>
      ctx.clients.ec2.send(
        new ModifyNetworkInterfaceAttributeCommand(urgent({ NetworkInterfaceId: id, Groups: target })),
      ),
    ),
  );
  const failed = moved.find((m): m is PromiseRejectedResult => m.status === "rejected");
  if (failed) {
    const err = failed.reason as Error;
    // The engine runs a transient failure again; on the last attempt, an ENI still in the all-open
    // untrack group goes back to its original groups: never more open than before containment began.
    const final = !isTransientFailure(err) || (attempt?.attempt ?? 1) >= ISOLATE_ATTEMPTS;
    const reverted = final ? await revertUntracked(ctx, enis) : [];
    err.message = `isolation incomplete (${err.message}): ${await whereEnisAre(ctx, enis)}${
      reverted.length > 0 ? `; moved back to their original groups: ${reverted.join(", ")}` : ""
    }`;
    throw err;
  }
  const record: IsolateRecord = {
    enis,
    groups: target,
    forensicEgress: egress,
    at: Date.now(),
    ...(uncontainable.length > 0 ? { uncontainable } : {}),
  };
  return { status: "done", record: record as unknown as Json };
}

async function verifyIsolated(ctx: CaseContext, record: Json | undefined): Promise<VerifyResult> {
  const r = record as unknown as IsolateRecord;
  const g = groups(ctx);
  const now = await describeEnis(ctx, r.enis);
  const bad = r.enis.filter((id) => {
    const gs = groupIds(now.get(id));
    // After the memory capture, forensic egress is removed: isolation alone is the final state.
    return !(sameSet(gs, r.groups) || sameSet(gs, [g.isolation]));
  });
  return bad.length > 0
    ? {
        ok: false,
        detail: `not isolated: ${bad.map((id) => `${id} [${groupIds(now.get(id)).join(", ")}]`).join("; ")}`,
      }
    : {
        ok: true,
        detail: [
          `${r.enis.length} ENI(s) only in ${r.groups.join(" + ")}`,
          ...(r.uncontainable ?? []).map(describeUncontainable),
        ].join("; "),
      };
}
