/**
 * discover: the instance as it was before any change (ENIs and their groups, volumes, ASG, profile,
 * Elastic IPs, load balancers). Journaled durably before any change, because `release` restores from it
 * and a resumed run must not mistake the untrack group for an original group.
 */

import type { CaseContext } from "../case/context";
import type { Json, Step } from "../engine/types";

export const discoverStep: Step<CaseContext> = {
  id: "discover",
  title: "Record the instance's original state",
  effect: "reads",
  recordsOriginalState: true,
  purpose: "containment",
  async plan() {
    return [];
  },
  async run(ctx) {
    return { status: "done", record: ctx.preflight as unknown as Json };
  },
  async verify(_ctx, record) {
    return record ? { ok: true } : { ok: false, detail: "no record of the original state" };
  },
};
