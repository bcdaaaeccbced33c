/**
 * Temporary credentials: the layer learns each AssumeRole session as it passes the answer back (who,
 * which role, when issued, when it expires), and refuses any request signed with credentials past their
 * expiry, presigned URLs included: a URL signed with temporary credentials dies with them, whatever its
 * own X-Amz-Expires says. moto accepts expired credentials forever.
 */
import { identitiesOf, type RoleSession } from "../identity";
import type { Refusal, StrictRule } from "../types";

const tag = (xml: string, name: string) => new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1];

export const stsSessions: StrictRule = {
  id: "sts-credential-expiry",
  title:
    "requests signed with temporary credentials past their expiration are refused (ExpiredToken), presigned URLs included",
  source: "https://docs.aws.amazon.com/AmazonS3/latest/userguide/using-presigned-url.html#who-presigned-url",
  matches: () => true,
  before(req, ctx): Refusal | undefined {
    const p = req.principal;
    if (p.kind !== "role-session" || ctx.now() < p.expiresAt) return undefined;
    const when = new Date(p.expiresAt).toISOString();
    if (req.protocol === "s3")
      return {
        status: 400,
        code: "ExpiredToken",
        message: `The provided token has expired (session ${p.arn} expired at ${when}).`,
      };
    return {
      status: 403,
      code: "ExpiredToken",
      message: `The security token included in the request is expired (session ${p.arn} expired at ${when}).`,
    };
  },
  after(req, answer, ctx) {
    if (req.service !== "sts" || req.operation !== "AssumeRole" || answer.status !== 200) return;
    const xml = answer.body.toString("utf8");
    const accessKeyId = tag(xml, "AccessKeyId");
    const arn = tag(xml, "Arn");
    const expiration = tag(xml, "Expiration");
    const roleArn = req.params.RoleArn;
    if (!accessKeyId || !arn || !expiration || !roleArn) return;
    const session: RoleSession = {
      kind: "role-session",
      accountId: roleArn.split(":")[4] ?? req.accountId,
      roleArn,
      roleName: roleArn.split("/").pop() ?? "",
      sessionName: req.params.RoleSessionName ?? arn.split("/").pop() ?? "",
      arn,
      accessKeyId,
      issuedAt: ctx.now(),
      expiresAt: Date.parse(expiration),
    };
    // Instance credentials (EC2 assumed the role for an instance): every request signed with them
    // carries the instance's ARN in ec2:SourceInstanceARN.
    if (req.principal.kind === "service" && /^i-[0-9a-f]{8,17}$/.test(session.sessionName))
      session.sourceInstanceArn = `arn:aws:ec2:${req.region}:${session.accountId}:instance/${session.sessionName}`;
    identitiesOf(ctx.state).add(session);
  },
};
