/**
 * The role writer (`ir-role-writer`): the one principal of a deployed baseline allowed to write a role's
 * inline policies. The responder may only invoke it; it writes nothing but the fixed revoke and
 * quarantine documents, built here from the request's instance ARNs and cut-offs
 * (automation/aws/role-writes.ts). Whoever holds the responder's session can therefore put a deny on an
 * instance role, never an allow of its choosing: the path from the responder to admin through
 * iam:PutRolePolicy is gone (docs/architecture.md, "Who may write a role's policies").
 *
 * One more guard, because a deny lifted is containment undone: a write never lowers the deny of an
 * instance that still holds the quarantine profile (deleting its case policy, folding it away, or
 * overwriting it with another instance), unless another revoke policy on the role keeps it denied as
 * long. Release restores the instance's profile first, then lifts its deny.
 */
import { DescribeIamInstanceProfileAssociationsCommand, EC2Client } from "@aws-sdk/client-ec2";
import { IAMClient, ListInstanceProfilesForRoleCommand, ListRolePoliciesCommand } from "@aws-sdk/client-iam";
import {
  coverageOf,
  FOLDED_POLICY_NAME,
  type InstanceDeny,
  instanceDeniesOf,
  REVOKE_POLICY_PREFIX,
} from "../../facts/revoke-policy";
import { errorName } from "../aws/errors";
import type { RoleWriterAnswer } from "../aws/role-writer";
import {
  applyRoleWrite,
  checkRoleWrite,
  policyNameOf,
  type RoleWrite,
  RoleWriteRefused,
  readRolePolicy,
  type WriterScope,
} from "../aws/role-writes";

export interface WriterDeps {
  iam: IAMClient;
  /** EC2 in the instance's Region (the quarantine check). */
  ec2For(region: string): EC2Client;
  /** The scope, with `now` read at each request. */
  scope(): WriterScope;
  /** The quarantine instance profile's name: an instance holding it is contained. */
  quarantineProfileName: string;
  log?(line: Record<string, unknown>): void;
}

/** The instance denies the role would hold in the touched policy after the write. */
function deniesAfter(w: RoleWrite): InstanceDeny[] {
  switch (w.op) {
    case "put-case-deny":
      return w.wholeRole ? [] : [{ instanceArns: [w.instanceArn], issuedBefore: w.issuedBefore }];
    case "put-folded":
      return w.denies;
    default:
      return [];
  }
}

/** Instances (by ARN) among `arns` that hold the quarantine profile now. */
async function quarantined(deps: WriterDeps, arns: string[]): Promise<string[]> {
  const byRegion = new Map<string, string[]>();
  for (const arn of arns) {
    const region = arn.split(":")[3]!;
    byRegion.set(region, [...(byRegion.get(region) ?? []), arn]);
  }
  const out: string[] = [];
  for (const [region, list] of byRegion) {
    const ids = list.map((a) => a.split("/").pop()!);
    const res = await deps.ec2For(region).send(
      new DescribeIamInstanceProfileAssociationsCommand({
        Filters: [{ Name: "instance-id", Values: ids }],
      }),
    );
    for (const a of res.IamInstanceProfileAssociations ?? []) {
      const profile = a.IamInstanceProfile?.Arn?.split("/").pop();
      if (profile === deps.quarantineProfileName && (a.State === "associated" || a.State === "associating"))
        out.push(list.find((arn) => arn.endsWith(`/${a.InstanceId}`))!);
    }
  }
  return out;
}

/** The revoke policies a write replaces or deletes. */
function touchedBy(w: Exclude<RoleWrite, { op: "put-quarantine" }>): string[] {
  return w.op === "put-folded" ? [FOLDED_POLICY_NAME, ...(w.replacing ?? [])] : [w.policyName];
}

/** Refuses a write that would lower the deny of an instance still quarantined. */
async function keepQuarantinedDenied(deps: WriterDeps, w: RoleWrite): Promise<void> {
  if (w.op === "put-quarantine") return;
  const touched = touchedBy(w);
  const before: InstanceDeny[] = [];
  for (const name of touched)
    before.push(...instanceDeniesOf(await readRolePolicy(deps.iam, w.roleName, name)));
  const was = coverageOf(before);
  if (was.size === 0) return;
  const after = coverageOf(deniesAfter(w));
  let lowered = [...was].filter(([arn, t]) => (after.get(arn) ?? 0) < t);
  if (lowered.length === 0) return;
  // Still denied as long by another revoke policy on the role (a case folded before its policy goes)?
  const names =
    (await deps.iam.send(new ListRolePoliciesCommand({ RoleName: w.roleName }))).PolicyNames ?? [];
  const others: InstanceDeny[] = [];
  for (const name of names.filter((n) => n.startsWith(REVOKE_POLICY_PREFIX) && !touched.includes(n)))
    others.push(...instanceDeniesOf(await readRolePolicy(deps.iam, w.roleName, name)));
  const elsewhere = coverageOf(others);
  lowered = lowered.filter(([arn, t]) => (elsewhere.get(arn) ?? 0) < t);
  if (lowered.length === 0) return;
  const held = await quarantined(
    deps,
    lowered.map(([arn]) => arn),
  );
  if (held.length > 0)
    throw new RoleWriteRefused(
      `${w.op} on ${w.roleName} (${touched.join(", ")}) would lift the deny of ${held.join(", ")}, still holding the quarantine profile ${deps.quarantineProfileName}: release restores an instance's profile before its deny is lifted (ir release)`,
    );
}

/** Puts a revoke deny only on an instance role: a deny elsewhere would only break someone's access. */
async function checkInstanceRole(deps: WriterDeps, w: RoleWrite): Promise<void> {
  if (w.op !== "put-case-deny" && w.op !== "put-folded") return;
  const res = await deps.iam.send(new ListInstanceProfilesForRoleCommand({ RoleName: w.roleName }));
  if ((res.InstanceProfiles ?? []).length === 0)
    throw new RoleWriteRefused(
      `role "${w.roleName}" is in no instance profile: the role writer puts revoke denies on instance roles only`,
    );
}

/** One request: checked, guarded, written. Never throws: the answer says what went wrong. */
export async function handleRoleWrite(event: unknown, deps: WriterDeps): Promise<RoleWriterAnswer> {
  const started = Date.now();
  let w: RoleWrite | undefined;
  try {
    const scope = deps.scope();
    w = checkRoleWrite(event, scope);
    await checkInstanceRole(deps, w);
    await keepQuarantinedDenied(deps, w);
    await applyRoleWrite(deps.iam, w, scope);
    const policyName = policyNameOf(w);
    deps.log?.({
      outcome: "written",
      op: w.op,
      role: w.roleName,
      policy: policyName,
      ms: Date.now() - started,
    });
    return { ok: true, policyName };
  } catch (err) {
    const name = errorName(err);
    const message = (err as Error)?.message ?? String(err);
    deps.log?.({
      outcome: "refused",
      op: w?.op ?? (event as { op?: unknown })?.op,
      role: w?.roleName,
      error: name,
      message,
    });
    return { ok: false, error: { name, message } };
  }
}

/** Lambda's entry point. Its account and partition come from its own ARN; the rest from its environment. */
export async function handler(
  event: unknown,
  context: { invokedFunctionArn: string },
): Promise<RoleWriterAnswer> {
  const [, partition = "aws", , region = "us-east-1", accountId = ""] = context.invokedFunctionArn.split(":");
  const quarantine = process.env.IR_QUARANTINE_ROLE ?? "ir-deny-all";
  const protectedRoles = (process.env.IR_PROTECTED_ROLES ?? "").split(",").filter(Boolean);
  const ec2 = new Map<string, EC2Client>();
  return handleRoleWrite(event, {
    iam: new IAMClient({ region }),
    ec2For: (r) => {
      const c = ec2.get(r) ?? new EC2Client({ region: r });
      ec2.set(r, c);
      return c;
    },
    scope: () => ({ partition, accountId, quarantineRoleName: quarantine, protectedRoles, now: Date.now() }),
    quarantineProfileName: process.env.IR_QUARANTINE_PROFILE ?? quarantine,
    log: (line) => console.log(JSON.stringify(line)),
  });
}
