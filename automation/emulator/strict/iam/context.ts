/**
 * The global condition keys AWS puts in every request context, as far as the layer knows them:
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html
 *
 * Two are fixed by the emulator and differ from a real caller's: `aws:SourceIp` is the loopback address
 * (a real caller's is its public or VPC address), and `aws:SecureTransport` is "true" (real SDK clients
 * always use TLS; the layer itself is plain http on loopback).
 */
import type { Principal } from "../types";

export type Context = Record<string, string | string[]>;

/** The principal's ARN as policies see it: for a role session, the role's ARN (aws:PrincipalArn). */
export const principalArnOf = (p: Principal): string => (p.kind === "role-session" ? p.roleArn : p.arn);

/** Global keys of a request by `principal` at time `now` (ms); the caller adds aws:RequestedRegion. */
export function globalContext(p: Principal, now: number): Context {
  const c: Context = {
    "aws:CurrentTime": new Date(now).toISOString(),
    "aws:EpochTime": String(Math.floor(now / 1000)),
    "aws:SourceIp": "127.0.0.1",
    "aws:SecureTransport": "true",
  };
  if (p.kind === "anonymous") return c;
  c["aws:PrincipalAccount"] = p.accountId;
  c["aws:PrincipalArn"] = principalArnOf(p);
  if (p.kind === "role-session") {
    c["aws:PrincipalType"] = "AssumedRole";
    // AWS's userid for a role session is "<role id>:<session name>"; decide() puts the role id read
    // from moto in place of the name.
    c["aws:userid"] = `${p.roleName}:${p.sessionName}`;
    c["aws:TokenIssueTime"] = new Date(p.issuedAt).toISOString();
    if (p.sourceInstanceArn) c["ec2:SourceInstanceARN"] = p.sourceInstanceArn;
  } else {
    c["aws:PrincipalType"] = "Account";
    c["aws:userid"] = p.accountId;
  }
  return c;
}
