/**
 * What writing a revoke deny through the role writer costs in the test world, against writing it
 * directly: the responder role puts the same case deny on an instance role N times each way, through the
 * strict layer (IAM evaluated on every call; the writer played in-process by rule lambda-role-writer,
 * its own GetRolePolicy, ListInstanceProfilesForRole and PutRolePolicy authorised as its role). The
 * direct writes are made as the administrator (the responder may not). On AWS the writer adds a Lambda
 * invocation instead (not measured here: no account).
 *
 *   npx ts-node --transpile-only bench/role-writer.ts [--writes 50]
 */
import {
  AddRoleToInstanceProfileCommand,
  CreateInstanceProfileCommand,
  CreateRoleCommand,
} from "@aws-sdk/client-iam";
import { AwsClients } from "../automation/aws/clients";
import { DirectRoleWriter, FunctionRoleWriter, type RoleWriter } from "../automation/aws/role-writer";
import { startMoto } from "../automation/emulator/moto";
import { assumeResponderRole } from "../automation/emulator/responder-role";
import { STRICT_RULES } from "../automation/emulator/strict/rules";
import { startStrictLayer } from "../automation/emulator/strict/server";
import { ROLE_WRITER_FUNCTION_NAME } from "../facts/names";

const i = process.argv.indexOf("--writes");
const WRITES = i > 0 ? Number(process.argv[i + 1]) : 50;
const ACCOUNT = "123456789012";
const REGION = "us-east-1";
const ADMIN = { accessKeyId: "testing", secretAccessKey: "testing" };

const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? 0;
  return `median ${at(0.5).toFixed(1)} ms, p95 ${at(0.95).toFixed(1)} ms (n=${s.length})`;
};

async function main() {
  const moto = await startMoto();
  const layer = await startStrictLayer({ upstream: moto.endpoint, rules: STRICT_RULES });
  const client = (credentials: typeof ADMIN & { sessionToken?: string }) =>
    new AwsClients({ endpoint: layer.endpoint, region: REGION, credentials, retry: { maxAttempts: 1 } });
  const admin = client(ADMIN);
  try {
    await admin.iam.send(
      new CreateRoleCommand({
        RoleName: "bench-web",
        AssumeRolePolicyDocument: JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            { Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" },
          ],
        }),
      }),
    );
    await admin.iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: "bench-web" }));
    await admin.iam.send(
      new AddRoleToInstanceProfileCommand({ InstanceProfileName: "bench-web", RoleName: "bench-web" }),
    );
    const creds = await assumeResponderRole(admin, { accountId: ACCOUNT, region: REGION });
    const responder = client(creds);
    const writers: [string, RoleWriter][] = [
      ["direct (administrator)", new DirectRoleWriter(admin.iam, { partition: "aws", accountId: ACCOUNT })],
      [
        "role writer (responder invokes it)",
        new FunctionRoleWriter(responder.lambda, ROLE_WRITER_FUNCTION_NAME),
      ],
    ];
    const times = new Map<string, number[]>(writers.map(([n]) => [n, []]));
    for (let n = 0; n < WRITES; n++)
      for (const [name, w] of writers) {
        const t = performance.now();
        await w.write({
          op: "put-case-deny",
          roleName: "bench-web",
          policyName: `ir-revoke-c-bench-${n % 5}`,
          instanceArn: `arn:aws:ec2:${REGION}:${ACCOUNT}:instance/i-0123456789abcdef0`,
          issuedBefore: new Date(Math.floor(Date.now() / 1000) * 1000)
            .toISOString()
            .replace(/\.\d{3}Z$/, "Z"),
          wholeRole: false,
        });
        times.get(name)!.push(performance.now() - t);
      }
    for (const [name, xs] of times) process.stdout.write(`${name}: ${stats(xs)}\n`);
    responder.destroy();
  } finally {
    admin.destroy();
    await layer.stop();
    await moto.stop();
  }
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
