/**
 * Measures moto's own service time (no simulated latency), sequentially and with 32 calls in flight, for
 * the read and write calls containment makes. Decides how the containment benchmark models AWS: when
 * moto's service time under concurrency is not small next to the simulated latency, scaling figures
 * measured through moto measure moto (one Python process), not the responder.
 *
 *   npx ts-node --transpile-only bench/moto-service-time.ts [--calls 200]
 */
import {
  CreateTagsCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  RunInstancesCommand,
} from "@aws-sdk/client-ec2";
import { AwsClients } from "../automation/aws/clients";
import { startMoto } from "../automation/emulator/moto";

const i = process.argv.indexOf("--calls");
const CALLS = i > 0 ? Number(process.argv[i + 1]) : 200;
const CREDS = { accessKeyId: "testing", secretAccessKey: "testing" };

async function timed(label: string, n: number, parallel: number, call: () => Promise<unknown>) {
  const each: number[] = [];
  const t0 = Date.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < n) {
        next++;
        const s = Date.now();
        await call();
        each.push(Date.now() - s);
      }
    }),
  );
  const wall = Date.now() - t0;
  each.sort((a, b) => a - b);
  process.stdout.write(
    `${label.padEnd(34)} ${String(parallel).padStart(2)} in flight: ${n} calls in ${wall} ms, ` +
      `${(n / (wall / 1000)).toFixed(0)} calls/s, per call median ${each[Math.floor(n / 2)]} ms, p95 ${each[Math.floor(n * 0.95)]} ms\n`,
  );
}

async function main() {
  const heartbeat = setInterval(() => undefined, 1000);
  const moto = await startMoto();
  const c = new AwsClients({
    endpoint: moto.endpoint,
    region: "us-east-1",
    credentials: CREDS,
    retry: { maxAttempts: 1 },
    // moto's own service time is the figure: the client must not pace by AWS's buckets.
    ec2RateLimit: false,
  });
  try {
    const image = (await c.ec2.send(new DescribeImagesCommand({ Owners: ["amazon"] }))).Images![0]!.ImageId!;
    const run = await c.ec2.send(
      new RunInstancesCommand({ ImageId: image, InstanceType: "t3.micro", MinCount: 50, MaxCount: 50 }),
    );
    const ids = run.Instances!.map((x) => x.InstanceId!);
    const one = () => c.ec2.send(new DescribeInstancesCommand({ InstanceIds: [ids[0]!] }));
    const fifty = () => c.ec2.send(new DescribeInstancesCommand({ InstanceIds: ids }));
    const tag = () =>
      c.ec2.send(new CreateTagsCommand({ Resources: [ids[0]!], Tags: [{ Key: "k", Value: "v" }] }));
    for (let k = 0; k < 20; k++) await one(); // warm up
    for (const parallel of [1, 32]) {
      await timed("DescribeInstances (1 id)", CALLS, parallel, one);
      await timed("DescribeInstances (50 ids)", Math.ceil(CALLS / 4), parallel, fifty);
      await timed("CreateTags (1 resource)", CALLS, parallel, tag);
    }
  } finally {
    c.destroy();
    clearInterval(heartbeat);
    await moto.stop();
  }
}

main().catch((err) => {
  process.stderr.write(`bench failed: ${(err as Error).stack}\n`);
  process.exitCode = 1;
});
