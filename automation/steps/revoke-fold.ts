/**
 * Keeps a role's case denies inside IAM's 10,240-character budget for inline policies. Each case puts
 * its own deny (`ir-revoke-<case>`, about 300 characters); after a few dozen incidents on one role the
 * next PutRolePolicy would be refused (LimitExceeded) and that compromise could not be revoked. When it
 * is, the instance-scoped case denies are folded into one policy (`ir-revoke-folded`): one statement per
 * fold listing its instances (about 75 characters each) with the latest cut-off of them. The later cut-off
 * is safe for them all: a contained instance holds the deny-all profile, so every session of the role
 * that names it is a pre-containment one; `release` takes its instance out of the list. Denies of
 * instances that no longer exist are dropped once every credential issued before their cut-off has
 * expired (instance-role credentials last at most 12 hours; see docs/architecture.md).
 */
import { DescribeInstancesCommand, type EC2Client } from "@aws-sdk/client-ec2";
import { type IAMClient, ListRolePoliciesCommand } from "@aws-sdk/client-iam";
import {
  CASE_POLICY,
  FOLDED_POLICY_NAME,
  foldedDocument,
  type InstanceDeny,
  instanceDeniesOf,
} from "../../facts/revoke-policy";
import { isLimitExceeded, isNoSuchEntity } from "../aws/errors";
import type { RoleWriter } from "../aws/role-writer";
import { readRolePolicy } from "../aws/role-writes";

export { FOLDED_POLICY_NAME, foldedDocument, type InstanceDeny, instanceDeniesOf };

/** Longest life of instance-role credentials (IMDS rotates them well before; 12 h is the safe bound). */
export const MAX_CREDENTIAL_LIFE_MS = 12 * 3600_000;

const latest = (a: string, b: string) => (Date.parse(a) >= Date.parse(b) ? a : b);

/** Instance ids among `arns` that still exist (not terminated). */
async function existing(ec2: EC2Client, arns: string[]): Promise<Set<string>> {
  const ids = arns.map((a) => a.split("/").pop()!);
  if (ids.length === 0) return new Set();
  const res = await ec2.send(
    new DescribeInstancesCommand({ Filters: [{ Name: "instance-id", Values: ids }] }),
  );
  return new Set(
    (res.Reservations ?? [])
      .flatMap((r) => r.Instances ?? [])
      .filter((i) => i.State?.Name !== "terminated")
      .map((i) => i.InstanceId!),
  );
}

export interface FoldResult {
  /** Case policies folded in (and deleted). */
  folded: string[];
  /** Instances dropped: gone, and their credentials expired. */
  dropped: string[];
  /**
   * Case policies deleted before the folded deny could hold their instances (the budget had no room to
   * grow it first): for one IAM round trip, stolen copies of those instances' old credentials worked.
   */
  gaps: string[];
}

/** Role policies counted as IAM counts them against the budget: characters without white space. */
export const budgetSize = (document: string) => document.replace(/\s/g, "").length;

/**
 * Folds the role's instance-scoped case denies (and `add`, when given) into the folded policy. Each case
 * policy is folded in before it is deleted, so its instances stay denied throughout; only when the
 * budget has no room even to grow the folded policy is a case policy deleted first (reported in `gaps`).
 * Each step frees more than it takes (a case policy is about 280 characters, an instance in the folded
 * one about 75), so a full budget empties as the fold goes on.
 */
export async function foldDenies(
  clients: { iam: IAMClient; ec2: EC2Client },
  writer: RoleWriter,
  role: string,
  add?: InstanceDeny,
  now = Date.now(),
): Promise<FoldResult> {
  const names = (await clients.iam.send(new ListRolePoliciesCommand({ RoleName: role }))).PolicyNames ?? [];
  const cases: [string, InstanceDeny[]][] = [];
  for (const name of names.filter((n) => CASE_POLICY.test(n)).sort()) {
    const denies = instanceDeniesOf(await readRolePolicy(clients.iam, role, name));
    if (denies.length > 0) cases.push([name, denies]);
  }
  const before = instanceDeniesOf(await readRolePolicy(clients.iam, role, FOLDED_POLICY_NAME));
  // Instances that are gone leave a statement once no credential issued before its cut-off can be alive.
  const stale = before.filter((d) => now - Date.parse(d.issuedBefore) > MAX_CREDENTIAL_LIFE_MS);
  const alive = await existing(
    clients.ec2,
    stale.flatMap((d) => d.instanceArns),
  );
  const dropped: string[] = [];
  const kept = before
    .map((d) => {
      if (!stale.includes(d)) return d;
      const arns = d.instanceArns.filter((a) => alive.has(a.split("/").pop()!));
      dropped.push(...d.instanceArns.filter((a) => !arns.includes(a)));
      return { ...d, instanceArns: arns };
    })
    .filter((d) => d.instanceArns.length > 0);
  // This fold's denies join the newest statement while it is young (one statement per half day or so
  // rather than one per fold), with the latest of their cut-offs.
  const newest = kept[kept.length - 1];
  let fresh: InstanceDeny | undefined =
    newest && now - Date.parse(newest.issuedBefore) < MAX_CREDENTIAL_LIFE_MS ? kept.pop() : undefined;
  const merge = (more: InstanceDeny[]): InstanceDeny[] => {
    const all = fresh ? [fresh, ...more] : more;
    const next = {
      instanceArns: [...new Set(all.flatMap((d) => d.instanceArns))].sort(),
      issuedBefore: all.map((d) => d.issuedBefore).reduce(latest),
    };
    return [...kept, next];
  };
  const write = (denies: InstanceDeny[]) => writer.write({ op: "put-folded", roleName: role, denies });
  const remove = (name: string) =>
    writer.write({ op: "delete-revoke", roleName: role, policyName: name }).catch((err) => {
      if (!isNoSuchEntity(err)) throw err;
    });
  const folded: string[] = [];
  const gaps: string[] = [];
  // With room, one write holds them all, then each case policy goes (N + 1 writes: IAM's write rate is
  // low). Only a full budget needs the fold one case at a time.
  const all = merge([...cases.flatMap(([, d]) => d), ...(add ? [add] : [])]);
  if (cases.length > 0 || add) {
    const fitted = await write(all).then(
      () => true,
      (err) => {
        if (!isLimitExceeded(err)) throw err;
        return false;
      },
    );
    if (fitted) {
      for (const [name] of cases) {
        await remove(name);
        folded.push(name);
      }
      return { folded, dropped, gaps };
    }
  }
  for (const [name, denies] of cases) {
    const next = merge(denies);
    try {
      await write(next);
    } catch (err) {
      if (!isLimitExceeded(err)) throw err;
      // No room to grow the folded policy: free this case's room first, then fold it in (one request:
      // the role writer sees the case's instances move, not a deny lifted).
      await writer.write({ op: "put-folded", roleName: role, denies: next, replacing: [name] });
      gaps.push(name);
    }
    fresh = next[next.length - 1];
    if (!gaps.includes(name)) await remove(name);
    folded.push(name);
  }
  if (add) {
    const next = merge([add]);
    await write(next);
    fresh = next[next.length - 1];
  } else if (dropped.length > 0 && folded.length === 0) {
    const rest = fresh ? [...kept, fresh] : kept;
    if (rest.length > 0) await write(rest);
    else await remove(FOLDED_POLICY_NAME);
  }
  return { folded, dropped, gaps };
}

/** Takes one instance out of the folded deny (release); deletes the policy when none is left. */
export async function unfoldInstance(
  iam: IAMClient,
  writer: RoleWriter,
  role: string,
  instanceArn: string,
): Promise<boolean> {
  const denies = instanceDeniesOf(await readRolePolicy(iam, role, FOLDED_POLICY_NAME));
  if (!denies.some((d) => d.instanceArns.includes(instanceArn))) return false;
  const rest = denies
    .map((d) => ({ ...d, instanceArns: d.instanceArns.filter((a) => a !== instanceArn) }))
    .filter((d) => d.instanceArns.length > 0);
  await writer.write(
    rest.length === 0
      ? { op: "delete-revoke", roleName: role, policyName: FOLDED_POLICY_NAME }
      : { op: "put-folded", roleName: role, denies: rest },
  );
  return true;
}

/** Whether the folded deny covers this instance for sessions issued before `issuedBefore`. */
export async function foldedCovers(
  iam: IAMClient,
  role: string,
  instanceArn: string,
  issuedBefore: string,
): Promise<boolean> {
  const denies = instanceDeniesOf(await readRolePolicy(iam, role, FOLDED_POLICY_NAME));
  return denies.some(
    (d) => d.instanceArns.includes(instanceArn) && Date.parse(d.issuedBefore) >= Date.parse(issuedBefore),
  );
}
