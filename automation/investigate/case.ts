/**
 * The existing case an investigation acts on: found in the journal (table, then local), with its
 * snapshots and what containment recorded about the compromised instance; and the case lock, held
 * (and renewed) while a playbook runs, as every command on an existing case does.
 */
import type { AwsClients } from "../aws/clients";
import { checkCaseId } from "../case/ids";
import { recordsOf } from "../case/records";
import type { EngineContext } from "../engine/runner";
import type { Json } from "../engine/types";
import { InputError } from "../input/targets";
import { type HeldRun, type HeldRunOutcome, runHeldPlaybook } from "../journal/held-case-run";
import { findCaseOrFail } from "../journal/hold-case";
import type { Journal } from "../journal/journal";
import { type Journals, openJournals } from "../journal/open";
import type { ResolvedSettings } from "../settings/settings";
import type { CaseSnapshot } from "./context";
import type { CaseFacts } from "./placement";

export interface OpenedCase {
  caseId: string;
  instanceId: string;
  region: string;
  journal: Journal;
  records: Map<string, Json | undefined>;
  snapshots: CaseSnapshot[];
  facts: CaseFacts;
}

export async function openCase(req: {
  caseId: string;
  settings: ResolvedSettings;
  clients: AwsClients;
  journals?: Journals;
}): Promise<OpenedCase> {
  const caseId = checkCaseId(req.caseId);
  const journals = req.journals ?? openJournals(req.clients, req.settings);
  const found = await findCaseOrFail(
    journals,
    caseId,
    req.settings,
    "check the id with `ir status <instance-id>`",
  );
  if (found.entries.some((e) => e.stepId === "case" && e.event === "released"))
    throw new InputError(
      `case "${caseId}" was released, so its journal is closed: investigate (and \`--stop\`) before \`ir release\`; its snapshots are still tagged ir:case-id=${caseId}`,
    );
  const records = recordsOf(found.entries);
  const snapshots = ((records.get("snapshot") as { snapshots?: CaseSnapshot[] } | undefined)?.snapshots ??
    []) as CaseSnapshot[];
  const discover = records.get("discover") as
    | { availabilityZone?: string; profile?: { arn?: string } }
    | undefined;
  const resolve = records.get("resolve") as { role?: { name?: string } } | undefined;
  const swap = records.get("swap-profile") as { original?: string } | undefined;
  return {
    caseId,
    instanceId: found.meta.instanceId,
    region: found.meta.region,
    journal: found.journal,
    records,
    snapshots,
    facts: {
      instanceId: found.meta.instanceId,
      ...(discover?.availabilityZone ? { availabilityZone: discover.availabilityZone } : {}),
      ...((discover?.profile?.arn ?? swap?.original)
        ? { profileArn: (discover?.profile?.arn ?? swap?.original)! }
        : {}),
      ...(resolve?.role?.name ? { roleName: resolve.role.name } : {}),
    },
  };
}

export function requireSnapshots(c: OpenedCase): void {
  if (c.snapshots.length === 0)
    throw new InputError(
      `case "${c.caseId}" has no evidence snapshots (its snapshot step recorded none): run \`ir respond ${c.instanceId}\` to resume the case and take them, then investigate`,
    );
}

/**
 * Runs a playbook on the case holding its lock (see runHeldPlaybook). A workstation's lifetime is
 * tracked by `ir status`, so a busy message points there to see which run holds the case.
 */
export async function runOnCase<C extends EngineContext>(
  c: OpenedCase,
  leaseMs: number,
  playbook: HeldRun<C>["playbook"],
): Promise<HeldRunOutcome> {
  const outcome = await runHeldPlaybook({ journal: c.journal, meta: c, caseId: c.caseId, leaseMs, playbook });
  if (outcome.kind !== "busy") return outcome;
  return { kind: "busy", message: `${outcome.message} (\`ir status ${c.caseId}\`)` };
}
