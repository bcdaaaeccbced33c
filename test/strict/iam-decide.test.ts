/**
 * iam/decide: one decision from the policies moto holds (identity, boundary, bucket, key and trust
 * policies), evaluated as AWS evaluates them.
 */
import {
  AttachRolePolicyCommand,
  CreatePolicyCommand,
  CreateRoleCommand,
  PutRolePolicyCommand,
} from "@aws-sdk/client-iam";
import { CreateBucketCommand, PutBucketPolicyCommand } from "@aws-sdk/client-s3";
import { expect } from "chai";
import { decide } from "../../automation/emulator/strict/iam/decide";
import type { Principal } from "../../automation/emulator/strict/types";
import { type RuleLayer, startRuleLayer } from "../helpers/strict";

const ACCOUNT = "123456789012";
const session = (roleName: string): Principal => ({
  kind: "role-session",
  accountId: ACCOUNT,
  roleArn: `arn:aws:iam::${ACCOUNT}:role/${roleName}`,
  roleName,
  sessionName: "s",
  arn: `arn:aws:sts::${ACCOUNT}:assumed-role/${roleName}/s`,
  accessKeyId: `ASIA${roleName}`,
  issuedAt: Date.now(),
  expiresAt: Date.now() + 3_600_000,
});
const admin: Principal = { kind: "admin", accountId: ACCOUNT, arn: `arn:aws:iam::${ACCOUNT}:root` };
const trust = JSON.stringify({
  Version: "2012-10-17",
  Statement: [
    { Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: "sts:AssumeRole" },
  ],
});

describe("strict iam decide", () => {
  let l: RuleLayer;
  before(async () => {
    l = await startRuleLayer([]);
    const iam = l.admin.iam;
    await iam.send(new CreateRoleCommand({ RoleName: "d-reader", AssumeRolePolicyDocument: trust }));
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: "d-reader",
        PolicyName: "inline",
        PolicyDocument: JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            {
              Sid: "Read",
              Effect: "Allow",
              Action: ["s3:GetObject", "s3:PutObject"],
              Resource: "arn:aws:s3:::d-bucket/*",
            },
            {
              Sid: "Tagged",
              Effect: "Allow",
              Action: "ec2:TerminateInstances",
              Resource: "*",
              Condition: { StringEquals: { "aws:ResourceTag/team": "red" } },
            },
          ],
        }),
      }),
    );
    const managed = await iam.send(
      new CreatePolicyCommand({
        PolicyName: "d-deny",
        PolicyDocument: JSON.stringify({
          Version: "2012-10-17",
          Statement: [{ Sid: "NoDelete", Effect: "Deny", Action: "s3:DeleteObject", Resource: "*" }],
        }),
      }),
    );
    await iam.send(new AttachRolePolicyCommand({ RoleName: "d-reader", PolicyArn: managed.Policy!.Arn! }));
    await l.admin.s3.send(new CreateBucketCommand({ Bucket: "d-bucket" }));
    await l.admin.s3.send(
      new PutBucketPolicyCommand({
        Bucket: "d-bucket",
        Policy: JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            {
              Sid: "NoSecrets",
              Effect: "Deny",
              Principal: "*",
              Action: "s3:PutObject",
              Resource: "arn:aws:s3:::d-bucket/secret/*",
            },
          ],
        }),
      }),
    );
  });
  after(() => l.stop());

  const q = (principal: Principal, action: string, resource: string, context = {}) =>
    decide(l.layer.ctx, {
      principal,
      action,
      resource,
      context: { "aws:RequestedRegion": "us-east-1", ...context },
    });

  it("allows what an inline policy allows and names the statement", async () => {
    const d = await q(session("d-reader"), "s3:GetObject", "arn:aws:s3:::d-bucket/a");
    expect(d).to.deep.equal({
      allowed: true,
      reason: "allowed by inline policy inline of role d-reader, statement Read",
    });
  });

  it("refuses what no identity-based policy allows", async () => {
    const d = await q(session("d-reader"), "s3:GetObject", "arn:aws:s3:::other/a");
    expect(d.allowed).to.equal(false);
    expect(d.reason).to.equal("no identity-based policy allows the s3:GetObject action");
  });

  it("an explicit deny in an attached managed policy wins", async () => {
    const d = await q(session("d-reader"), "s3:DeleteObject", "arn:aws:s3:::d-bucket/a");
    expect(d.allowed).to.equal(false);
    expect(d.reason).to.match(
      /explicit deny in an identity-based policy: arn:aws:iam::123456789012:policy\/d-deny, statement NoDelete/,
    );
  });

  it("a bucket policy deny stops the role and the administrator", async () => {
    for (const p of [session("d-reader"), admin]) {
      const d = await q(p, "s3:PutObject", "arn:aws:s3:::d-bucket/secret/x");
      expect(d.allowed).to.equal(false);
      expect(d.reason).to.match(
        /explicit deny in a resource-based policy: bucket policy of d-bucket, statement NoSecrets/,
      );
    }
    expect((await q(admin, "s3:PutObject", "arn:aws:s3:::d-bucket/open/x")).allowed).to.equal(true);
  });

  it("reads resource tags only when a statement tests them, and decides on them", async () => {
    const d = await q(
      session("d-reader"),
      "ec2:TerminateInstances",
      "arn:aws:ec2:us-east-1:123456789012:instance/i-1",
    );
    expect(d.allowed).to.equal(false);
    const t = await q(
      session("d-reader"),
      "ec2:TerminateInstances",
      "arn:aws:ec2:us-east-1:123456789012:instance/i-1",
      {
        "aws:ResourceTag/team": "red",
        "ec2:ResourceTag/team": "red",
      },
    );
    expect(t.allowed).to.equal(true);
  });
});
