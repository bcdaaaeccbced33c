/**
 * Time to containment against moto with a simulated per-call latency (default 50 ms, as a real region):
 * from the start of `respond` to the instance out of service, isolated and its credentials revoked.
 * Prints: time to containment, sequential round trips on its critical path (the longest chain of calls
 * each starting after the previous one ended), the same calls made one after another by a plain
 * sequential implementation and the ratio, and 1/10/50 instances contained at once.
 *
 *   npm run bench:containment -- [--latency-ms 50] [--dwell-ms 0] [--counts 1,10,50] [--runs 3]
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DescribeAutoScalingInstancesCommand } from "@aws-sdk/client-auto-scaling";
import {
  CreateSnapshotsCommand,
  DescribeAddressesCommand,
  DescribeIamInstanceProfileAssociationsCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  ModifyNetworkInterfaceAttributeCommand,
  ReplaceIamInstanceProfileAssociationCommand,
  RunInstancesCommand,
} from "@aws-sdk/client-ec2";
import {
  DeregisterTargetsCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  RegisterTargetsCommand,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { GetInstanceProfileCommand, PutRolePolicyCommand } from "@aws-sdk/client-iam";
import { AwsClients, MemoryRecorder, type RecordedCall } from "../automation/aws/clients";
import { bootstrap } from "../automation/bootstrap/bootstrap";
import { startMoto } from "../automation/emulator/moto";
import { CONTAINMENT_STEPS } from "../automation/playbooks/contain";
import { respond } from "../automation/respond/respond";
import { resolveSettings } from "../automation/settings/settings";
import { MIN_TRACKING } from "../automation/steps/network";
import { revokeDocument } from "../automation/steps/revoke";
import { seedWorld } from "../test/helpers/world";

const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : dflt;
};
const LATENCY = Number(arg("latency-ms", "50"));
const DWELL = Number(arg("dwell-ms", "0"));
const COUNTS = arg("counts", "1,10,50").split(",").map(Number);
const RUNS = Number(arg("runs", "3"));
const CREDS = { accessKeyId: "testing", secretAccessKey: "testing" };
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** The longest chain of calls, each starting after the previous ended, among calls started before `until`. */
export function sequentialDepth(calls: RecordedCall[], until: number, slackMs = 2): number {
  const cs = calls.filter((c) => c.startedAt <= until).sort((a, b) => a.startedAt - b.startedAt);
  const depth: number[] = [];
  let best = 0;
  for (let i = 0; i < cs.length; i++) {
    let d = 1;
    for (let j = 0; j < i; j++)
      if (cs[j]!.endedAt <= cs[i]!.startedAt + slackMs) d = Math.max(d, depth[j]! + 1);
    depth[i] = d;
    if (cs[i]!.endedAt <= until + slackMs) best = Math.max(best, d);
  }
  return best;
}

async function main() {
  // Keeps the loop alive while calls are pending (see automation/cli/main.ts).
  const heartbeat = setInterval(() => undefined, 1000);
  const moto = await startMoto();
  process.stdout.write(
    `moto ${moto.endpoint}, simulated latency ${LATENCY} ms per call, untrack dwell ${DWELL} ms\n`,
  );
  const results: string[] = [];
  try {
    for (const count of COUNTS) {
      const times: number[] = [];
      const depths: number[] = [];
      const seqTimes: number[] = [];
      for (let run = 0; run < RUNS; run++) {
        await moto.reset();
        const setup = new AwsClients({
          endpoint: moto.endpoint,
          region: "us-east-1",
          credentials: CREDS,
          retry: { maxAttempts: 1 },
        });
        const world = await seedWorld(setup, "bench");
        const image = (await setup.ec2.send(new DescribeImagesCommand({ Owners: ["amazon"] }))).Images![0]!
          .ImageId!;
        const run1 = await setup.ec2.send(
          new RunInstancesCommand({
            ImageId: image,
            InstanceType: "t3.micro",
            MinCount: count,
            MaxCount: count,
            IamInstanceProfile: { Arn: world.profileArn },
            NetworkInterfaces: [{ DeviceIndex: 0, SubnetId: world.subnets[0], Groups: [world.webGroup] }],
          }),
        );
        const ids = run1.Instances!.map((i) => i.InstanceId!);
        await setup.elbv2.send(
          new RegisterTargetsCommand({
            TargetGroupArn: world.targetGroupArn,
            Targets: ids.map((Id) => ({ Id })),
          }),
        );
        const stateDir = mkdtempSync(join(tmpdir(), "ir-bench-"));
        const base = resolveSettings(
          { stateDir, endpoint: moto.endpoint, maxAttempts: 1 },
          { AWS_REGION: "us-east-1" },
        );
        await bootstrap({ clients: setup, settings: base, vpcIds: [world.vpcId] });
        // The baseline publishes its group ids: the responder then only checks them.
        const { DescribeSecurityGroupsCommand } = await import("@aws-sdk/client-ec2");
        const sgs = (
          await setup.ec2.send(
            new DescribeSecurityGroupsCommand({ Filters: [{ Name: "vpc-id", Values: [world.vpcId] }] }),
          )
        ).SecurityGroups!;
        const id = (prefix: string) => sgs.find((g) => g.GroupName === `${prefix}-${world.vpcId}`)!.GroupId!;
        const settings = {
          ...base,
          isolationGroups: {
            [world.vpcId]: {
              untrack: id("ir-untrack"),
              isolation: id("ir-isolation"),
              forensicEgress: id("ir-forensic-egress"),
            },
          },
        };

        if (process.env.BENCH_TRACE) process.stderr.write(`seeded ${ids.length} instances\n`);
        const recorder = new MemoryRecorder();
        const clients = new AwsClients({
          endpoint: moto.endpoint,
          region: "us-east-1",
          credentials: CREDS,
          // The production retry policy: moto answers 500 under load, as AWS throttles.
          latencyMs: LATENCY,
          recorder,
        });
        const t0 = Date.now();
        const res = await respond({
          targets: ids.map((instanceId) => ({ instanceId, source: { kind: "argument" } })),
          settings,
          clients,
          options: { dwellMs: DWELL },
          ...(process.env.BENCH_TRACE
            ? {
                observe: (e: { type: string; stepId: string; caseId: string }) =>
                  e.type === "step-finished" &&
                  process.stderr.write(`${Date.now() - t0} ${e.caseId} ${e.stepId}\n`),
              }
            : {}),
        });
        const bad = res.filter((r) => r.timeToContainmentMs === undefined);
        if (bad.length > 0)
          throw new Error(
            `not contained: ${bad.map((b) => `${b.instanceId} ${b.status} ${b.error ?? JSON.stringify(b.steps.filter((s) => CONTAINMENT_STEPS.includes(s.id) && s.status !== "verified" && s.status !== "skipped"))}`).join("; ")}`,
          );
        const ttc = Math.max(...res.map((r) => r.timeToContainmentMs!));
        times.push(ttc);
        depths.push(sequentialDepth(recorder.calls, t0 + ttc));
        if (process.env.BENCH_TRACE && count === 1) {
          for (const c of [...recorder.calls].sort((x, y) => x.startedAt - y.startedAt)) {
            if (c.startedAt <= t0 + ttc)
              process.stdout.write(
                `  ${String(c.startedAt - t0).padStart(5)} -> ${String(c.endedAt - t0).padStart(5)} ${c.action}\n`,
              );
          }
        }

        if (count === 1) {
          // The same containment calls, one after another, as a plain script would make them.
          const seq = new AwsClients({
            endpoint: moto.endpoint,
            region: "us-east-1",
            credentials: CREDS,
            // Same retry policy as the engine, for a fair ratio.
            latencyMs: LATENCY,
          });
          const target = ids[0]!;
          await moto.reset();
          const w2 = await seedWorld(setup, "seq");
          const s0 = Date.now();
          const inst = (await seq.ec2.send(new DescribeInstancesCommand({ InstanceIds: [w2.solo] })))
            .Reservations![0]!.Instances![0]!;
          void target;
          await seq.autoscaling.send(new DescribeAutoScalingInstancesCommand({ InstanceIds: [w2.solo] }));
          const assoc = await seq.ec2.send(
            new DescribeIamInstanceProfileAssociationsCommand({
              Filters: [{ Name: "instance-id", Values: [w2.solo] }],
            }),
          );
          await seq.ec2.send(
            new DescribeAddressesCommand({ Filters: [{ Name: "instance-id", Values: [w2.solo] }] }),
          );
          const tgs = (await seq.elbv2.send(new DescribeTargetGroupsCommand({}))).TargetGroups ?? [];
          for (const tg of tgs)
            await seq.elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: tg.TargetGroupArn }));
          await seq.iam.send(new GetInstanceProfileCommand({ InstanceProfileName: "seq-profile" }));
          await seq.ec2.send(new CreateSnapshotsCommand({ InstanceSpecification: { InstanceId: w2.solo } }));
          await seq.elbv2.send(
            new DeregisterTargetsCommand({ TargetGroupArn: w2.targetGroupArn, Targets: [{ Id: w2.solo }] }),
          );
          const eni = inst.NetworkInterfaces![0]!.NetworkInterfaceId!;
          await seq.ec2.send(
            new ModifyNetworkInterfaceAttributeCommand({ NetworkInterfaceId: eni, Groups: [w2.webGroup] }),
          );
          await seq.ec2.send(
            new ModifyNetworkInterfaceAttributeCommand({
              NetworkInterfaceId: eni,
              ConnectionTrackingSpecification: { ...MIN_TRACKING },
            }),
          );
          await seq.iam.send(
            new PutRolePolicyCommand({
              RoleName: w2.roleName,
              PolicyName: "bench",
              PolicyDocument: revokeDocument(
                `arn:aws:ec2:us-east-1:123456789012:instance/${w2.solo}`,
                new Date().toISOString(),
                false,
              ),
            }),
          );
          await seq.ec2.send(
            new ReplaceIamInstanceProfileAssociationCommand({
              AssociationId: assoc.IamInstanceProfileAssociations![0]!.AssociationId,
              IamInstanceProfile: { Name: "seq-profile" },
            }),
          );
          if (DWELL > 0) await new Promise((r) => setTimeout(r, DWELL));
          await seq.ec2.send(
            new ModifyNetworkInterfaceAttributeCommand({ NetworkInterfaceId: eni, Groups: [w2.webGroup] }),
          );
          seqTimes.push(Date.now() - s0);
          seq.destroy();
        }
        clients.destroy();
        setup.destroy();
      }
      const line =
        `${String(count).padStart(3)} instance(s): time to containment median ${median(times)} ms (runs: ${times.join(", ")}), ` +
        `sequential round trips on the critical path ${median(depths)}` +
        (seqTimes.length
          ? `; plain sequential ${median(seqTimes)} ms, ratio ${(median(seqTimes) / median(times)).toFixed(1)}x`
          : "");
      results.push(line);
      process.stdout.write(`${line}\n`);
    }
    const one = Number(/median (\d+)/.exec(results[0] ?? "")?.[1]);
    const last = Number(/median (\d+)/.exec(results.at(-1) ?? "")?.[1]);
    if (COUNTS.length > 1 && one)
      process.stdout.write(
        `${COUNTS.at(-1)} instances take ${(last / one).toFixed(1)}x the time of ${COUNTS[0]}\n`,
      );
  } finally {
    clearInterval(heartbeat);
    await moto.stop();
  }
}

main().catch((err) => {
  process.stderr.write(`bench failed: ${(err as Error).stack}\n`);
  process.exitCode = 1;
});
