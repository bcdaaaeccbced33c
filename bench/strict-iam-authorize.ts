/**
 * Per-request overhead of the strict layer's iam-authorize rule: the responder role (the baseline's
 * generated policy) sends a mix of the calls containment makes through two layers in front of one moto,
 * one without the rule and one with it, interleaved call by call so both see the same moto load. Reports
 * end-to-end latency of each layer, and the time spent in the rule itself (cold: the first call of each
 * kind; warm: the rest).
 *
 *   npx ts-node --transpile-only bench/strict-iam-authorize.ts [--calls 500]
 */
import { CreateTableCommand, GetItemCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import {
  CreateSecurityGroupCommand,
  CreateTagsCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeSecurityGroupsCommand,
  ModifyNetworkInterfaceAttributeCommand,
  RunInstancesCommand,
  TerminateInstancesCommand,
} from "@aws-sdk/client-ec2";
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { AwsClients } from "../automation/aws/clients";
import { startMoto } from "../automation/emulator/moto";
import { assumeResponderRole } from "../automation/emulator/responder-role";
import { iamAuthorize } from "../automation/emulator/strict/rules/iam-authorize";
import { stsSessions } from "../automation/emulator/strict/rules/sts-sessions";
import { startStrictLayer } from "../automation/emulator/strict/server";
import type { StrictRule } from "../automation/emulator/strict/types";

const i = process.argv.indexOf("--calls");
const CALLS = i > 0 ? Number(process.argv[i + 1]) : 500;
const ACCOUNT = "123456789012";
const REGION = "us-east-1";
const ADMIN = { accessKeyId: "testing", secretAccessKey: "testing" };
const W = {
  accountId: ACCOUNT,
  region: REGION,
  evidenceBucket: "bench-evidence",
  toolsBucket: "bench-tools",
  journalTable: "bench-journal",
};

const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? 0;
  return `median ${at(0.5).toFixed(2)} ms, p95 ${at(0.95).toFixed(2)} ms, max ${at(1).toFixed(2)} ms (n=${s.length})`;
};

async function main() {
  const moto = await startMoto();
  const inRule: { kind: string; ms: number }[] = [];
  const timed: StrictRule = {
    ...iamAuthorize,
    async before(req, ctx) {
      const t = performance.now();
      const r = await iamAuthorize.before!(req, ctx);
      if (req.principal.kind === "role-session")
        inRule.push({ kind: req.operation, ms: performance.now() - t });
      return r;
    },
  };
  const plain = await startStrictLayer({ upstream: moto.endpoint, rules: [stsSessions] });
  const strict = await startStrictLayer({ upstream: moto.endpoint, rules: [stsSessions, timed] });
  const clients = (endpoint: string, credentials: typeof ADMIN & { sessionToken?: string }) =>
    // The IAM rule's cost is the figure (the layer here has no rate rule): no client-side pacing.
    new AwsClients({ endpoint, region: REGION, credentials, retry: { maxAttempts: 1 }, ec2RateLimit: false });
  try {
    const admin = clients(strict.endpoint, ADMIN);
    for (const b of [W.evidenceBucket, W.toolsBucket])
      await admin.s3.send(new CreateBucketCommand({ Bucket: b }));
    await admin.dynamodb.send(
      new CreateTableCommand({
        TableName: W.journalTable,
        KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }],
        AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }],
        BillingMode: "PAY_PER_REQUEST",
      }),
    );
    const image = (await admin.ec2.send(new DescribeImagesCommand({ Owners: ["amazon"] }))).Images![0]!
      .ImageId!;
    const run = await admin.ec2.send(new RunInstancesCommand({ ImageId: image, MinCount: 4, MaxCount: 4 }));
    const instances = run.Instances!.map((x) => x.InstanceId!);
    const enis = run.Instances!.map((x) => x.NetworkInterfaces![0]!.NetworkInterfaceId!);
    await admin.ec2.send(
      new CreateTagsCommand({ Resources: instances, Tags: [{ Key: "ir:case-id", Value: "bench" }] }),
    );
    const sg = (
      await admin.ec2.send(new CreateSecurityGroupCommand({ GroupName: "bench", Description: "b" }))
    ).GroupId!;
    const plainAdmin = clients(plain.endpoint, ADMIN);
    const as = async (layerAdmin: AwsClients, endpoint: string) =>
      clients(endpoint, await assumeResponderRole(layerAdmin, W, "bench"));
    const responders = [await as(plainAdmin, plain.endpoint), await as(admin, strict.endpoint)];
    const mix: { kind: string; call: (c: AwsClients, n: number) => Promise<unknown> }[] = [
      { kind: "DescribeInstances", call: (c) => c.ec2.send(new DescribeInstancesCommand({})) },
      { kind: "DescribeSecurityGroups", call: (c) => c.ec2.send(new DescribeSecurityGroupsCommand({})) },
      {
        kind: "ModifyNetworkInterfaceAttribute",
        call: (c, n) =>
          c.ec2.send(
            new ModifyNetworkInterfaceAttributeCommand({
              NetworkInterfaceId: enis[n % enis.length],
              Groups: [sg],
            }),
          ),
      },
      {
        kind: "CreateTags",
        call: (c, n) =>
          c.ec2.send(
            new CreateTagsCommand({
              Resources: [instances[n % instances.length]!],
              Tags: [{ Key: "ir:step", Value: `s${n}` }],
            }),
          ),
      },
      {
        kind: "TerminateInstances(DryRun)",
        call: (c, n) =>
          c.ec2
            .send(
              new TerminateInstancesCommand({
                InstanceIds: [instances[n % instances.length]!],
                DryRun: true,
              }),
            )
            .catch((e: Error) => {
              if (e.name !== "DryRunOperation") throw e;
            }),
      },
      {
        kind: "PutObject",
        call: (c, n) =>
          c.s3.send(new PutObjectCommand({ Bucket: W.evidenceBucket, Key: `k/${n}`, Body: "x" })),
      },
      {
        kind: "GetObject",
        call: (c) =>
          c.s3
            .send(new GetObjectCommand({ Bucket: W.evidenceBucket, Key: "k/5" }))
            .then((r) => r.Body?.transformToString()),
      },
      {
        kind: "PutItem",
        call: (c, n) =>
          c.dynamodb.send(new PutItemCommand({ TableName: W.journalTable, Item: { pk: { S: `p${n}` } } })),
      },
      {
        kind: "GetItem",
        call: (c) =>
          c.dynamodb.send(new GetItemCommand({ TableName: W.journalTable, Key: { pk: { S: "p1" } } })),
      },
    ];
    const e2e: number[][] = [[], []];
    for (let n = 0; n < CALLS; n++) {
      const m = mix[n % mix.length]!;
      // Alternate which layer goes first, so neither always meets a warmer moto.
      for (const which of n % 2 ? [0, 1] : [1, 0]) {
        const t = performance.now();
        await m.call(responders[which]!, n);
        e2e[which]!.push(performance.now() - t);
      }
    }
    const seen = new Set<string>();
    const cold: number[] = [];
    const warm: number[] = [];
    for (const r of inRule) {
      (seen.has(r.kind) ? warm : cold).push(r.ms);
      seen.add(r.kind);
    }
    console.log(`${CALLS} calls of a ${mix.length}-call mix, as the responder role`);
    console.log(`end to end, layer without the rule: ${stats(e2e[0]!)}`);
    console.log(`end to end, layer with the rule:    ${stats(e2e[1]!)}`);
    console.log(`in the rule, all:                   ${stats(inRule.map((r) => r.ms))}`);
    console.log(`in the rule, first call of a kind:  ${stats(cold)}`);
    console.log(`in the rule, the rest:              ${stats(warm)}`);
    const kinds = [...new Set(inRule.map((r) => r.kind))];
    for (const k of kinds)
      console.log(
        `  ${k}: ${stats(
          inRule
            .filter((r) => r.kind === k)
            .slice(1)
            .map((r) => r.ms),
        )}`,
      );
    console.log(`refused: ${strict.counts().refused}`);
    for (const c of [admin, plainAdmin, ...responders]) c.destroy();
  } finally {
    await plain.stop();
    await strict.stop();
    await moto.stop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
