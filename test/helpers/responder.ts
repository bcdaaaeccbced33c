/**
 * Shared setup of the responder's integration tests: a reset moto, the seeded world, the responder's
 * prerequisites (bootstrap) and settings pointing at them, plus a describe-everything snapshot of the
 * account for "nothing changed" assertions.
 */
import { mkdtempSync } from "node:fs";
import { readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  DescribeAutoScalingGroupsCommand,
  DescribeAutoScalingInstancesCommand,
} from "@aws-sdk/client-auto-scaling";
import { ScanCommand } from "@aws-sdk/client-dynamodb";
import {
  DescribeAddressesCommand,
  DescribeIamInstanceProfileAssociationsCommand,
  DescribeInstancesCommand,
  DescribeNetworkInterfacesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSnapshotsCommand,
} from "@aws-sdk/client-ec2";
import { DescribeTargetHealthCommand } from "@aws-sdk/client-elastic-load-balancing-v2";
import { ListInstanceProfilesCommand, ListRolePoliciesCommand, ListRolesCommand } from "@aws-sdk/client-iam";
import { ListBucketsCommand, ListObjectVersionsCommand } from "@aws-sdk/client-s3";
import type { AwsClients } from "../../automation/aws/clients";
import { bootstrap } from "../../automation/bootstrap/bootstrap";
import { type ResolvedSettings, resolveSettings } from "../../automation/settings/settings";
import { motoClients, TEST_REGION, useMoto } from "./moto";
import { seedWorld, type World } from "./world";

export interface Account {
  endpoint: string;
  clients: AwsClients;
  world: World;
  settings: ResolvedSettings;
  stateDir: string;
}

/** Resets moto, seeds the world and (unless `bare`) bootstraps the responder's prerequisites. */
export async function setupAccount(opts: { bare?: boolean; groups?: boolean } = {}): Promise<Account> {
  const endpoint = await useMoto();
  const clients = motoClients(endpoint);
  const world = await seedWorld(clients);
  const stateDir = mkdtempSync(join(tmpdir(), "ir-state-"));
  const settings = resolveSettings({ stateDir, endpoint, maxAttempts: 1 }, { AWS_REGION: TEST_REGION });
  if (!opts.bare) await bootstrap({ clients, settings, vpcIds: opts.groups ? [world.vpcId] : [] });
  return { endpoint, clients, world, settings, stateDir };
}

const strip = (v: unknown): unknown =>
  JSON.parse(JSON.stringify(v, (k, x) => (k === "$metadata" ? undefined : x)));

/** Everything the responder could change, described: equal before and after means nothing changed. */
export async function describeAccount(a: Account): Promise<unknown> {
  const c = a.clients;
  const ec2 = c.ec2;
  const roles = (await c.iam.send(new ListRolesCommand({}))).Roles ?? [];
  const buckets = (await c.s3.send(new ListBucketsCommand({}))).Buckets ?? [];
  const [instances, enis, groups, snapshots, assocs, addresses, asg, asgInstances, tg, ipTg, profiles] =
    await Promise.all([
      ec2.send(new DescribeInstancesCommand({})),
      ec2.send(new DescribeNetworkInterfacesCommand({})),
      ec2.send(new DescribeSecurityGroupsCommand({})),
      ec2.send(new DescribeSnapshotsCommand({ OwnerIds: ["self"] })),
      ec2.send(new DescribeIamInstanceProfileAssociationsCommand({})),
      ec2.send(new DescribeAddressesCommand({})),
      c.autoscaling.send(new DescribeAutoScalingGroupsCommand({})),
      c.autoscaling.send(new DescribeAutoScalingInstancesCommand({})),
      c.elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: a.world.targetGroupArn })),
      c.elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: a.world.ipTargetGroupArn })),
      c.iam.send(new ListInstanceProfilesCommand({})),
    ]);
  const policies = await Promise.all(
    roles.map(async (r) => [
      r.RoleName,
      (await c.iam.send(new ListRolePoliciesCommand({ RoleName: r.RoleName }))).PolicyNames,
    ]),
  );
  const objects = await Promise.all(
    buckets.map(async (b) => [
      b.Name,
      (await c.s3.send(new ListObjectVersionsCommand({ Bucket: b.Name }))).Versions?.length ?? 0,
    ]),
  );
  const journal = await c.dynamodb
    .send(new ScanCommand({ TableName: a.settings.journalTable }))
    .then((r) => r.Items ?? [])
    .catch((err) => `no table: ${(err as Error).name}`);
  const local = await readdir(a.stateDir, { recursive: true }).catch(() => []);
  return strip({
    instances,
    enis,
    groups,
    snapshots,
    assocs,
    addresses,
    asg,
    asgInstances,
    tg,
    ipTg,
    profiles,
    policies,
    objects,
    journal,
    local,
  });
}
