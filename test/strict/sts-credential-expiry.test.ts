/**
 * Rule sts-credential-expiry: temporary credentials die at their expiration, and so does every URL
 * presigned with them (moto accepts both forever).
 */

import { CreateRoleCommand } from "@aws-sdk/client-iam";
import { CreateBucketCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { AssumeRoleCommand, GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { expect } from "chai";
import { stsSessions } from "../../automation/emulator/strict/rules/sts-sessions";
import { type RuleLayer, startRuleLayer } from "../helpers/strict";

describe("strict rule sts-credential-expiry", () => {
  let l: RuleLayer;
  let creds: { accessKeyId: string; secretAccessKey: string; sessionToken: string };
  before(async () => {
    l = await startRuleLayer([stsSessions]);
    await l.admin.iam.send(
      new CreateRoleCommand({
        RoleName: "ir-responder",
        AssumeRolePolicyDocument: JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            {
              Effect: "Allow",
              Principal: { AWS: "arn:aws:iam::123456789012:root" },
              Action: "sts:AssumeRole",
            },
          ],
        }),
      }),
    );
    const assumed = await l.admin.sts.send(
      new AssumeRoleCommand({
        RoleArn: "arn:aws:iam::123456789012:role/ir-responder",
        RoleSessionName: "t",
        DurationSeconds: 900,
      }),
    );
    const c = assumed.Credentials!;
    creds = {
      accessKeyId: c.AccessKeyId!,
      secretAccessKey: c.SecretAccessKey!,
      sessionToken: c.SessionToken!,
    };
    await l.admin.s3.send(new CreateBucketCommand({ Bucket: "evidence" }));
  });
  after(() => l.stop());

  it("learns the session from the AssumeRole answer", () => {
    const s = l.layer.identities().session(creds.accessKeyId);
    expect(s?.roleName).to.equal("ir-responder");
    expect(s!.expiresAt - s!.issuedAt).to.be.within(899_000, 901_000);
  });

  it("accepts the session while it lasts, refuses it after (ExpiredToken)", async () => {
    const c = l.as(creds);
    await c.sts.send(new GetCallerIdentityCommand({}));
    l.layer.advanceClock(901_000);
    try {
      const err = await c.sts.send(new GetCallerIdentityCommand({})).then(
        () => undefined,
        (e: Error) => e,
      );
      expect(err?.name).to.equal("ExpiredToken");
    } finally {
      l.layer.advanceClock(-901_000);
    }
  });

  it("a URL presigned for an hour with a 15-minute session is refused once the session expired", async () => {
    const url = await getSignedUrl(l.as(creds).s3, new PutObjectCommand({ Bucket: "evidence", Key: "a" }), {
      expiresIn: 3600,
    });
    const ok = await fetch(url, { method: "PUT", body: "x" });
    expect(ok.status).to.equal(200);
    l.layer.advanceClock(901_000);
    try {
      const late = await fetch(url, { method: "PUT", body: "x" });
      expect(late.status).to.equal(400);
      expect(await late.text()).to.contain("<Code>ExpiredToken</Code>");
      expect(l.layer.refusals().at(-1)?.rule).to.equal("sts-credential-expiry");
    } finally {
      l.layer.advanceClock(-901_000);
    }
  });
});
