/**
 * The role writer's esbuild bundle runs on its own, as Lambda runs `index.handler`: built into a
 * temporary directory, loaded by plain `require`, it refuses a request it does not take and writes a
 * case deny with the credentials it finds (here the emulated account's administrator, standing for the
 * execution role).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GetRolePolicyCommand } from "@aws-sdk/client-iam";
import { expect } from "chai";
import type { RoleWriterAnswer } from "../../automation/aws/role-writer";
import { bundleRoleWriter } from "../../scripts/bundle-lambda";
import { TEST_ACCOUNT, TEST_CREDENTIALS, TEST_REGION } from "../helpers/moto";
import { type Account, setupAccount } from "../helpers/responder";

type Handler = (event: unknown, context: { invokedFunctionArn: string }) => Promise<RoleWriterAnswer>;

describe("role writer bundle (esbuild)", function () {
  this.timeout(120_000);
  let dir: string;
  let handler: Handler;
  let a: Account;
  const saved = { ...process.env };
  const context = {
    invokedFunctionArn: `arn:aws:lambda:${TEST_REGION}:${TEST_ACCOUNT}:function:ir-role-writer`,
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "ir-role-writer-bundle-"));
    const bundle = bundleRoleWriter(dir);
    expect(bundle.inputs).to.include("automation/role-writer/handler.ts");
    handler = (require(bundle.outfile) as { handler: Handler }).handler;
    a = await setupAccount();
    Object.assign(process.env, {
      AWS_ENDPOINT_URL: a.endpoint,
      AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
      IR_PROTECTED_ROLES: "ir-responder,ir-role-writer,ir-auto-contain",
    });
  });

  after(() => {
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
    rmSync(dir, { recursive: true, force: true });
  });

  it("answers a request it does not take with the reason, writing nothing", async () => {
    const r = await handler({ op: "put-policy", roleName: a.world.roleName }, context);
    expect(r.ok).to.equal(false);
    expect(r.ok ? undefined : r.error.name).to.equal("RoleWriteRefused");
  });

  it("writes a case deny on an instance role with the credentials Lambda gives it", async () => {
    const instanceArn = `arn:aws:ec2:${TEST_REGION}:${TEST_ACCOUNT}:instance/${a.world.solo}`;
    const r = await handler(
      {
        op: "put-case-deny",
        roleName: a.world.roleName,
        policyName: "ir-revoke-c-bundle",
        instanceArn,
        issuedBefore: new Date(Math.floor(Date.now() / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, "Z"),
        wholeRole: false,
      },
      context,
    );
    expect(r).to.deep.equal({ ok: true, policyName: "ir-revoke-c-bundle" });
    const doc = (
      await a.clients.iam.send(
        new GetRolePolicyCommand({ RoleName: a.world.roleName, PolicyName: "ir-revoke-c-bundle" }),
      )
    ).PolicyDocument!;
    expect(decodeURIComponent(doc)).to.contain(instanceArn);
  });
});
