/**
 * The only writes `ir` makes to a role's inline policies, as requests of a fixed shape: a case's revoke
 * deny, the folded deny, deleting one of those, and the quarantine role's policy. The documents are
 * built from the request's parameters (facts/revoke-policy.ts, facts/quarantine-policy.ts), never taken
 * from the caller.
 *
 * Two writers carry them out: the role writer function (automation/role-writer/handler.ts), the only
 * principal of a deployed baseline allowed iam:PutRolePolicy and iam:DeleteRolePolicy, which checks
 * every request here before it writes; and `ir` itself when no writer is configured (an account without
 * the baseline, credentials that may write roles directly). See docs/architecture.md, "Who may write a
 * role's policies".
 */
import {
  DeleteRolePolicyCommand,
  GetRolePolicyCommand,
  type IAMClient,
  PutRolePolicyCommand,
} from "@aws-sdk/client-iam";
import { QUARANTINE_POLICY_NAME, quarantinePolicy } from "../../facts/quarantine-policy";
import {
  CASE_POLICY,
  FOLDED_POLICY_NAME,
  foldedDocument,
  type InstanceDeny,
  REVOKE_POLICY_PREFIX,
  revokeDocument,
} from "../../facts/revoke-policy";
import { isNoSuchEntity } from "./errors";

export type RoleWrite =
  | {
      op: "put-case-deny";
      roleName: string;
      /** `ir-revoke-<case>`: the case's own policy. */
      policyName: string;
      instanceArn: string;
      issuedBefore: string;
      wholeRole: boolean;
    }
  | {
      op: "put-folded";
      roleName: string;
      denies: InstanceDeny[];
      /**
       * Case policies deleted first, to make room when the role's budget cannot grow the folded policy
       * (their instances are in `denies`: uncovered for one IAM round trip, reported as a gap).
       */
      replacing?: string[];
    }
  | { op: "delete-revoke"; roleName: string; policyName: string }
  | { op: "put-quarantine"; roleName: string };

/** Where the writer runs: bounds of what it accepts. */
export interface WriterScope {
  partition: string;
  accountId: string;
  /** The quarantine role's name (the deny-all profile's role). */
  quarantineRoleName: string;
  /** Roles never written (the responder, the writer's own role): a deny there only breaks response. */
  protectedRoles: readonly string[];
  /** Now, ms (a cut-off may not lie in the future: it would deny sessions not yet issued). */
  now: number;
}

/** A request the writer will not carry out: what was wrong and the value. Nothing was written. */
export class RoleWriteRefused extends Error {
  override name = "RoleWriteRefused";
}

/** Clock skew a cut-off may be ahead of the writer's clock (the caller rounds up to whole seconds). */
const FUTURE_SLACK_MS = 5 * 60_000;
const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;
const CUT_OFF = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
/** A folded policy never needs more instances than fit IAM's 10,240-character budget (about 130). */
const MAX_FOLDED_INSTANCES = 200;

const refuse = (what: string): never => {
  throw new RoleWriteRefused(what);
};

function checkRole(name: unknown, s: WriterScope): string {
  if (typeof name !== "string" || !ROLE_NAME.test(name))
    refuse(`role name ${JSON.stringify(name)} is not a valid IAM role name`);
  if (s.protectedRoles.includes(name as string))
    refuse(`role "${name}" is the responder's own or the writer's: it is never given a revoke deny`);
  return name as string;
}

function checkCutOff(value: unknown, s: WriterScope): string {
  if (typeof value !== "string" || !CUT_OFF.test(value) || Number.isNaN(Date.parse(value)))
    refuse(`cut-off ${JSON.stringify(value)} is not a UTC time of the form 2026-12-03T10:15:00Z`);
  if (Date.parse(value as string) > s.now + FUTURE_SLACK_MS)
    refuse(
      `cut-off ${value} is in the future (writer's clock ${new Date(s.now).toISOString()}): a revoke denies sessions issued before now, never later ones`,
    );
  return value as string;
}

function checkInstanceArn(value: unknown, s: WriterScope): string {
  const re = new RegExp(
    `^arn:${s.partition}:ec2:[a-z]{2}(-[a-z]+)+-\\d:${s.accountId}:instance/i-[0-9a-f]{8,17}$`,
  );
  if (typeof value !== "string" || !re.test(value))
    refuse(
      `instance ARN ${JSON.stringify(value)} is not an instance of account ${s.accountId} (arn:${s.partition}:ec2:<region>:${s.accountId}:instance/i-...)`,
    );
  return value as string;
}

/**
 * The request, checked field by field (types, names, ARNs of this account's instances, cut-offs not in
 * the future). Throws RoleWriteRefused naming the first wrong value.
 */
export function checkRoleWrite(input: unknown, s: WriterScope): RoleWrite {
  if (!input || typeof input !== "object" || Array.isArray(input))
    refuse(`the request must be a JSON object with "op", got ${JSON.stringify(input)}`);
  const w = input as Record<string, unknown>;
  switch (w.op) {
    case "put-case-deny": {
      const roleName = checkRole(w.roleName, s);
      if (typeof w.policyName !== "string" || !CASE_POLICY.test(w.policyName))
        refuse(
          `policy name ${JSON.stringify(w.policyName)} is not a case's revoke policy (${REVOKE_POLICY_PREFIX}c-<case id>)`,
        );
      if (typeof w.wholeRole !== "boolean")
        refuse(`"wholeRole" must be true or false, got ${JSON.stringify(w.wholeRole)}`);
      return {
        op: w.op,
        roleName,
        policyName: w.policyName as string,
        instanceArn: checkInstanceArn(w.instanceArn, s),
        issuedBefore: checkCutOff(w.issuedBefore, s),
        wholeRole: w.wholeRole as boolean,
      };
    }
    case "put-folded": {
      const roleName = checkRole(w.roleName, s);
      if (!Array.isArray(w.denies) || w.denies.length === 0)
        refuse(
          `"denies" must be a non-empty list of {instanceArns, issuedBefore}, got ${JSON.stringify(w.denies)}`,
        );
      const denies = (w.denies as unknown[]).map((d) => {
        const x = (d ?? {}) as Record<string, unknown>;
        if (!Array.isArray(x.instanceArns) || x.instanceArns.length === 0)
          refuse(`a folded deny needs a non-empty "instanceArns" list, got ${JSON.stringify(d)}`);
        return {
          instanceArns: (x.instanceArns as unknown[]).map((a) => checkInstanceArn(a, s)),
          issuedBefore: checkCutOff(x.issuedBefore, s),
        };
      });
      const count = denies.reduce((n, d) => n + d.instanceArns.length, 0);
      if (count > MAX_FOLDED_INSTANCES)
        refuse(
          `a folded deny of ${count} instances exceeds ${MAX_FOLDED_INSTANCES}: IAM's inline budget holds fewer`,
        );
      if (w.replacing === undefined) return { op: w.op, roleName, denies };
      if (
        !Array.isArray(w.replacing) ||
        w.replacing.some((n) => typeof n !== "string" || !CASE_POLICY.test(n))
      )
        refuse(
          `"replacing" must list case revoke policies (${REVOKE_POLICY_PREFIX}c-...), got ${JSON.stringify(w.replacing)}`,
        );
      return { op: w.op, roleName, denies, replacing: w.replacing as string[] };
    }
    case "delete-revoke": {
      const roleName = checkRole(w.roleName, s);
      if (
        typeof w.policyName !== "string" ||
        !(CASE_POLICY.test(w.policyName) || w.policyName === FOLDED_POLICY_NAME)
      )
        refuse(
          `policy ${JSON.stringify(w.policyName)} is not a revoke deny of ir (${REVOKE_POLICY_PREFIX}c-... or ${FOLDED_POLICY_NAME}): only those are deleted`,
        );
      return { op: w.op, roleName, policyName: w.policyName as string };
    }
    case "put-quarantine":
      if (w.roleName !== s.quarantineRoleName)
        refuse(
          `the quarantine policy goes on the quarantine role "${s.quarantineRoleName}" only, not on ${JSON.stringify(w.roleName)}`,
        );
      return { op: w.op, roleName: s.quarantineRoleName };
    default:
      return refuse(
        `operation ${JSON.stringify(w.op)} is not one the role writer performs (put-case-deny, put-folded, delete-revoke, put-quarantine)`,
      );
  }
}

/** The policy a write puts or deletes. */
export function policyNameOf(w: RoleWrite): string {
  switch (w.op) {
    case "put-case-deny":
    case "delete-revoke":
      return w.policyName;
    case "put-folded":
      return FOLDED_POLICY_NAME;
    case "put-quarantine":
      return QUARANTINE_POLICY_NAME;
  }
}

/** The document a put writes, built from the request's parameters only. */
export function documentOf(
  w: Exclude<RoleWrite, { op: "delete-revoke" }>,
  s: Pick<WriterScope, "partition" | "accountId">,
): string {
  switch (w.op) {
    case "put-case-deny":
      return revokeDocument(w.instanceArn, w.issuedBefore, w.wholeRole);
    case "put-folded":
      return foldedDocument(w.denies);
    case "put-quarantine":
      return JSON.stringify(quarantinePolicy({ partition: s.partition, accountId: s.accountId }));
  }
}

/** A role's inline policy document (URL-encoded, as IAM returns it), or undefined when there is none. */
export async function readRolePolicy(
  iam: IAMClient,
  role: string,
  name: string,
): Promise<string | undefined> {
  try {
    return (await iam.send(new GetRolePolicyCommand({ RoleName: role, PolicyName: name }))).PolicyDocument;
  } catch (err) {
    if (isNoSuchEntity(err)) return undefined;
    throw err;
  }
}

/** Carries out a checked write with these IAM credentials. IAM's errors (NoSuchEntity, LimitExceeded) pass through. */
export async function applyRoleWrite(
  iam: IAMClient,
  w: RoleWrite,
  s: Pick<WriterScope, "partition" | "accountId">,
): Promise<void> {
  if (w.op === "delete-revoke") {
    await iam.send(new DeleteRolePolicyCommand({ RoleName: w.roleName, PolicyName: w.policyName }));
    return;
  }
  if (w.op === "put-folded")
    for (const name of w.replacing ?? [])
      await iam.send(new DeleteRolePolicyCommand({ RoleName: w.roleName, PolicyName: name })).catch((err) => {
        if (!isNoSuchEntity(err)) throw err;
      });
  await iam.send(
    new PutRolePolicyCommand({
      RoleName: w.roleName,
      PolicyName: policyNameOf(w),
      PolicyDocument: documentOf(w, s),
    }),
  );
}
