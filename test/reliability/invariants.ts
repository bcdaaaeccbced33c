/**
 * What must hold after any crash or fault, read from the emulated account and the journal directly
 * (never from the responder's own report): no duplicate resources, an intact hash chain, and no
 * destructive step that started before every evidence step verified.
 */
import { DescribeSecurityGroupsCommand, DescribeSnapshotsCommand } from "@aws-sdk/client-ec2";
import { ListInstanceProfilesCommand, ListRolePoliciesCommand } from "@aws-sdk/client-iam";
import type { AwsClients } from "../../automation/aws/clients";
import type { Step } from "../../automation/engine/types";
import { type JournalEntry, verifyChain } from "../../automation/journal/chain";
import { findCase, openJournals } from "../../automation/journal/open";
import type { ResolvedSettings } from "../../automation/settings/settings";
import { DENY_ALL_PROFILE_NAME, isolationGroupNames } from "../../facts/names";
import { TAG } from "../../facts/tags";

export interface CaseUnderTest {
  caseId: string;
  vpcId: string;
  roleName: string;
  /** Volumes attached to the instance (one snapshot each). */
  volumes: number;
  /** Whether the case's deny policy should still be on the role (contained, not released). */
  denyPolicy: boolean;
}

/** Every duplicate (or missing) resource of a case, as a sentence; empty when all is well. */
export async function duplicateProblems(clients: AwsClients, c: CaseUnderTest): Promise<string[]> {
  const problems: string[] = [];
  const expectCount = (what: string, found: number, expected: number) => {
    if (found !== expected) problems.push(`${found} ${what} (expected ${expected})`);
  };
  const snaps = await clients.ec2.send(
    new DescribeSnapshotsCommand({ Filters: [{ Name: `tag:${TAG.caseId}`, Values: [c.caseId] }] }),
  );
  expectCount(`snapshots tagged ${c.caseId}`, snaps.Snapshots?.length ?? 0, c.volumes);
  const names = isolationGroupNames(c.vpcId);
  const groups = await clients.ec2.send(
    new DescribeSecurityGroupsCommand({ Filters: [{ Name: "vpc-id", Values: [c.vpcId] }] }),
  );
  for (const name of [names.untrack, names.isolation, names.forensicEgress]) {
    expectCount(`groups named ${name}`, groups.SecurityGroups!.filter((g) => g.GroupName === name).length, 1);
  }
  const policies =
    (await clients.iam.send(new ListRolePoliciesCommand({ RoleName: c.roleName }))).PolicyNames ?? [];
  expectCount(
    `inline policies for ${c.caseId} on role ${c.roleName}`,
    policies.filter((p) => p.includes(c.caseId)).length,
    c.denyPolicy ? 1 : 0,
  );
  const profiles = (await clients.iam.send(new ListInstanceProfilesCommand({}))).InstanceProfiles ?? [];
  expectCount(
    `instance profiles named ${DENY_ALL_PROFILE_NAME}`,
    profiles.filter((p) => p.InstanceProfileName === DENY_ALL_PROFILE_NAME).length,
    1,
  );
  return problems;
}

/** The case's journal entries and the chain check, read straight from the journal. */
export async function journalOf(clients: AwsClients, settings: ResolvedSettings, caseId: string) {
  const found = await findCase(openJournals(clients, settings), caseId);
  if (!found) throw new Error(`case ${caseId} is in no journal`);
  return { entries: found.entries, chain: verifyChain(found.entries) };
}

/**
 * Destructive steps that started (or ran) before every evidence step had a `verified` entry, in the
 * journal's order, as sentences. A skipped evidence step is not evidence: it never counts as verified.
 */
export function destructiveOrderProblems(
  entries: readonly JournalEntry[],
  steps: readonly Pick<Step<unknown>, "id" | "purpose">[],
): string[] {
  const evidence = steps.filter((s) => s.purpose === "evidence").map((s) => s.id);
  const destructive = new Set(steps.filter((s) => s.purpose === "destructive").map((s) => s.id));
  const verified = new Set<string>();
  const skipped = new Set<string>();
  const problems: string[] = [];
  for (const e of entries) {
    if (e.event === "skipped") skipped.add(e.stepId);
    if (e.event === "verified" && !skipped.has(e.stepId)) verified.add(e.stepId);
    if (destructive.has(e.stepId) && (e.event === "started" || e.event === "ran")) {
      const missing = evidence.filter((id) => !verified.has(id));
      if (missing.length > 0)
        problems.push(`${e.stepId} ${e.event} at entry ${e.seq} before ${missing.join(", ")} verified`);
    }
  }
  return problems;
}
