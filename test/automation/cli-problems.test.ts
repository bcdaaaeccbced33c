/**
 * What `ir` says when it cannot talk to AWS at all: the cause and the fix, exit 2, for the commonest
 * real mistakes (no credentials, an expired SSO session, refused credentials, a dead endpoint); an access
 * denial keeps AWS's words (action and resource) and points at `ir doctor`.
 */
import { createServer } from "node:net";
import { expect } from "chai";
import { actionableProblem } from "../../automation/aws/problems";
import { withDoctorHint } from "../../automation/cli/program";
import { runCli } from "../helpers/cli";

const err = (name: string, message: string, extra: Record<string, unknown> = {}) =>
  Object.assign(new Error(message), { name, ...extra });

/** A loopback port nothing listens on. */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

describe("ir: errors a responder can act on", () => {
  const saved = { ...process.env };
  afterEach(() => {
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
  });

  it("an endpoint that does not answer: exit 2, the endpoint and where to set it", async () => {
    const port = await deadPort();
    Object.assign(process.env, {
      AWS_ENDPOINT_URL: `http://127.0.0.1:${port}`,
      AWS_REGION: "us-east-1",
      AWS_ACCESS_KEY_ID: "testing",
      AWS_SECRET_ACCESS_KEY: "testing",
      IR_MAX_ATTEMPTS: "1",
    });
    const r = await runCli(["status", "i-0123456789abcdef0", "--json"]);
    expect(r.code).to.equal(2);
    expect(r.json.error).to.equal(
      `endpoint "http://127.0.0.1:${port}" cannot be reached (ECONNREFUSED): check --endpoint or AWS_ENDPOINT_URL (is the emulator running? npm run gameday starts one)`,
    );
  });

  it("no credentials anywhere: exit 2, and the ways to give some", async () => {
    const port = await deadPort();
    for (const k of ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"])
      delete process.env[k];
    Object.assign(process.env, {
      AWS_ENDPOINT_URL: `http://127.0.0.1:${port}`,
      AWS_REGION: "us-east-1",
      AWS_SHARED_CREDENTIALS_FILE: "/nonexistent/credentials",
      AWS_CONFIG_FILE: "/nonexistent/config",
      AWS_EC2_METADATA_DISABLED: "true",
      IR_MAX_ATTEMPTS: "1",
    });
    const r = await runCli(["status", "i-0123456789abcdef0", "--json"]);
    expect(r.code).to.equal(2);
    expect(r.json.error).to.match(
      /^no AWS credentials were found \(.+\): set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/,
    );
  });

  it("an expired SSO session and refused credentials name their fix; other errors are left alone", () => {
    const sso = actionableProblem(
      err(
        "CredentialsProviderError",
        "The SSO session associated with this profile has expired or is otherwise invalid.",
      ),
      "us-east-1",
    );
    expect(sso?.message).to.match(/^the AWS SSO session has expired \(.+\): run aws sso login/);
    expect(
      actionableProblem(
        err("ExpiredToken", "The security token included in the request is expired"),
        "us-east-1",
      )?.message,
    ).to.match(/^the AWS credentials were refused \(ExpiredToken: .+\): refresh them/);
    expect(actionableProblem(err("ThrottlingException", "Rate exceeded"), "us-east-1")).to.equal(undefined);
    expect(
      actionableProblem(
        err("Error", "getaddrinfo ENOTFOUND ec2.xx-nowhere-1.amazonaws.com", { code: "ENOTFOUND" }),
        "xx-nowhere-1",
      )?.message,
    ).to.match(/^region "xx-nowhere-1" is not known/);
  });

  it("an access denial keeps AWS's action and resource, and points at ir doctor", () => {
    const denied = err(
      "AccessDenied",
      "User: arn:aws:sts::123456789012:assumed-role/ir-responder/x is not authorized to perform: ec2:CreateSnapshots on resource: arn:aws:ec2:us-east-1:123456789012:instance/i-0123456789abcdef0",
    );
    expect(withDoctorHint(denied)).to.equal(
      `${denied.message}: ir doctor checks every permission the responder needs, and names what to fix`,
    );
    expect(withDoctorHint(err("Error", "boom"))).to.equal("boom");
  });
});
