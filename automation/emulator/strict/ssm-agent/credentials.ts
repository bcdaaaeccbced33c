/**
 * The credentials the SSM agent on each instance signs with: the instance profile's role, as IMDS hands
 * it out. What matters for revocation is when they were issued (`aws:TokenIssueTime`): a swap of the
 * profile (associate, replace, disassociate) gives the instance new credentials at once; otherwise IMDS
 * keeps serving the same ones until shortly before they expire, so a `DateLessThan aws:TokenIssueTime`
 * cut-off silences the agent for hours.
 * https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/iam-roles-for-amazon-ec2.html#instance-metadata-security-credentials
 */
import { randomBytes } from "node:crypto";
import { identitiesOf, type RoleSession } from "../identity";
import type { RuleContext } from "../types";

/** Lifetime of instance-profile credentials as observed (AWS does not document a figure). */
const LIFETIME_MS = 6 * 3600_000;
/** "We make new credentials available at least five minutes before the expiration of the old ones." */
const REFRESH_BEFORE_MS = 5 * 60_000;

interface Issued {
  issuedAt: number;
  expiresAt: number;
  accessKeyId: string;
}

type Issues = Map<string, Issued>;
const issuesOf = (ctx: RuleContext): Issues => ctx.state.of("ssm-agent/credentials", () => new Map());
const keyOf = (accountId: string, instanceId: string) => `${accountId}/${instanceId}`;

const issue = (at: number): Issued => ({
  issuedAt: at,
  expiresAt: at + LIFETIME_MS,
  accessKeyId: `ASIA${randomBytes(8).toString("hex").toUpperCase()}`,
});

/** The instance got new credentials now (launched with a profile, or its profile changed). */
export function recordNewCredentials(ctx: RuleContext, accountId: string, instanceId: string): void {
  issuesOf(ctx).set(keyOf(accountId, instanceId), issue(ctx.now()));
}

/** Instance ids named in an EC2 answer (RunInstances, the profile-association calls). */
export function instanceIdsIn(xml: string): string[] {
  return [...new Set([...xml.matchAll(/<instanceId>(i-[0-9a-z]+)<\/instanceId>/g)].map((m) => m[1]!))];
}

export interface InstanceRole {
  accountId: string;
  region: string;
  instanceId: string;
  roleArn: string;
  /** Launch time (ms): the issue time of instances the layer saw no profile change for. */
  launchedAt: number;
}

/**
 * The agent's current credentials on the instance as a principal; credentials refreshed by IMDS when
 * the old ones near their expiry (issued at the refresh time, as IMDS does).
 */
export function agentPrincipal(ctx: RuleContext, i: InstanceRole): RoleSession {
  const issues = issuesOf(ctx);
  const key = keyOf(i.accountId, i.instanceId);
  let cur = issues.get(key) ?? issue(i.launchedAt);
  while (ctx.now() >= cur.expiresAt - REFRESH_BEFORE_MS) cur = issue(cur.expiresAt - REFRESH_BEFORE_MS);
  issues.set(key, cur);
  const roleName = i.roleArn.split("/").pop() ?? "";
  const session: RoleSession = {
    kind: "role-session",
    accountId: i.accountId,
    roleArn: i.roleArn,
    roleName,
    sessionName: i.instanceId,
    arn: `arn:aws:sts::${i.accountId}:assumed-role/${roleName}/${i.instanceId}`,
    accessKeyId: cur.accessKeyId,
    issuedAt: cur.issuedAt,
    expiresAt: cur.expiresAt,
    sourceInstanceArn: `arn:aws:ec2:${i.region}:${i.accountId}:instance/${i.instanceId}`,
  };
  // The layer knows these credentials too: a copy "stolen from IMDS" and used elsewhere is the same key.
  identitiesOf(ctx.state).add(session);
  return session;
}
