/**
 * The benchmark's scenario on moto (the reference for correctness, not for scaling: see
 * bench/moto-service-time.ts): a seeded account, N instances in a target group, the baseline deployed.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  DescribeImagesCommand,
  DescribeSecurityGroupsCommand,
  RunInstancesCommand,
} from "@aws-sdk/client-ec2";
import { RegisterTargetsCommand } from "@aws-sdk/client-elastic-load-balancing-v2";
import { AwsClients, type CallRecorder } from "../automation/aws/clients";
import { bootstrap } from "../automation/bootstrap/bootstrap";
import type { MotoServer } from "../automation/emulator/moto";
import { resolveSettings } from "../automation/settings/settings";
import { seedWorld } from "../test/helpers/world";
import type { Scenario } from "./scenario";

const CREDS = { accessKeyId: "testing", secretAccessKey: "testing" };

export async function motoScenario(moto: MotoServer, count: number, latencyMs: number): Promise<Scenario> {
  await moto.reset();
  const setup = new AwsClients({
    endpoint: moto.endpoint,
    region: "us-east-1",
    credentials: CREDS,
    retry: { maxAttempts: 1 },
    // Seeding is not measured, and moto never throttles.
    ec2RateLimit: false,
  });
  const world = await seedWorld(setup, "bench");
  const image = (await setup.ec2.send(new DescribeImagesCommand({ Owners: ["amazon"] }))).Images![0]!
    .ImageId!;
  const run = await setup.ec2.send(
    new RunInstancesCommand({
      ImageId: image,
      InstanceType: "t3.micro",
      MinCount: count,
      MaxCount: count,
      IamInstanceProfile: { Arn: world.profileArn },
      NetworkInterfaces: [{ DeviceIndex: 0, SubnetId: world.subnets[0], Groups: [world.webGroup] }],
    }),
  );
  const ids = run.Instances!.map((i) => i.InstanceId!);
  await setup.elbv2.send(
    new RegisterTargetsCommand({ TargetGroupArn: world.targetGroupArn, Targets: ids.map((Id) => ({ Id })) }),
  );
  const base = resolveSettings(
    { stateDir: mkdtempSync(join(tmpdir(), "ir-bench-")), endpoint: moto.endpoint, maxAttempts: 1 },
    { AWS_REGION: "us-east-1" },
  );
  await bootstrap({ clients: setup, settings: base, vpcIds: [world.vpcId] });
  // The baseline publishes its group ids: the responder then only checks them.
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
  setup.destroy();
  return {
    ids,
    settings,
    // The production retry policy: moto answers 500 under load, as AWS throttles.
    clients: (recorder?: CallRecorder) =>
      new AwsClients({
        endpoint: moto.endpoint,
        region: "us-east-1",
        credentials: CREDS,
        latencyMs,
        ...(recorder ? { recorder } : {}),
      }),
    sequential: {
      instanceId: world.solo,
      targetGroupArn: world.targetGroupArn,
      untrackGroup: world.webGroup,
      isolationGroup: world.webGroup,
      roleName: world.roleName,
      profileName: "bench-profile",
      denyAllProfile: "bench-profile",
      accountId: "123456789012",
    },
    describe: () => "moto",
    close: async () => undefined,
  };
}
