/**
 * Helpers of the crash tests: a fresh instance per crash (its own role, in the ASG and the target group,
 * so every containment step has something to do), and `ir respond` bundled once with esbuild so a child
 * process starts in about a second instead of compiling TypeScript on every start.
 */
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AttachInstancesCommand, UpdateAutoScalingGroupCommand } from "@aws-sdk/client-auto-scaling";
import { RunInstancesCommand } from "@aws-sdk/client-ec2";
import { RegisterTargetsCommand } from "@aws-sdk/client-elastic-load-balancing-v2";
import {
  AddRoleToInstanceProfileCommand,
  CreateInstanceProfileCommand,
  CreateRoleCommand,
} from "@aws-sdk/client-iam";
import { buildSync } from "esbuild";
import type { AwsClients } from "../../automation/aws/clients";
import { bootstrap } from "../../automation/bootstrap/bootstrap";
import { provisionResponderRole } from "../../automation/emulator/responder-role";
import { responderEnv, TEST_ACCOUNT, TEST_REGION } from "../helpers/moto";
import type { Account } from "../helpers/responder";
import { seedWorld } from "../helpers/world";

const ROOT = join(__dirname, "..", "..");

/** Bundles the CLI (dependencies stay external, resolved through NODE_PATH); returns the file. */
export function bundleCli(): string {
  const outfile = join(mkdtempSync(join(tmpdir(), "ir-cli-")), "ir.js");
  buildSync({
    entryPoints: [join(ROOT, "automation", "cli", "main.ts")],
    bundle: true,
    platform: "node",
    target: "node22",
    packages: "external",
    outfile,
    logLevel: "warning",
  });
  return outfile;
}

export interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** How long moto gets to finish what a killed child had sent (see runCli). */
export const KILL_SETTLE_MS = 500;

/** Runs the bundled `ir` (production retry policy) against the test moto; resolves when it exits or dies. */
export function runCli(
  cli: string,
  a: Account,
  args: string[],
  env: Record<string, string> = {},
  timeoutMs = 60_000,
): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
      env: {
        PATH: process.env.PATH ?? "",
        NODE_PATH: join(ROOT, "node_modules"),
        AWS_ENDPOINT_URL: a.endpoint,
        AWS_REGION: TEST_REGION,
        ...responderEnv(a.responderCredentials),
        IR_STATE_DIR: a.stateDir,
        ...(a.settings.roleWriterFunction ? { IR_ROLE_WRITER_FUNCTION: a.settings.roleWriterFunction } : {}),
        ...env,
      },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.once("error", reject);
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      // A killed child may have left a request moto is still executing. Let it finish before anyone
      // else writes: moto's TransactWriteItems, when its condition fails (a rerun finding the case
      // busy), restores a copy of the table taken before it and would erase that request's entries.
      if (signal) setTimeout(() => resolve({ code, signal, stdout, stderr }), KILL_SETTLE_MS);
      else resolve({ code, signal, stdout, stderr });
    });
  });
}

/** Lets the ASG take one more attached instance per test (detached ones are replaced). */
export async function roomInAsg(a: Account, max = 500) {
  await a.clients.autoscaling.send(
    new UpdateAutoScalingGroupCommand({ AutoScalingGroupName: a.world.asgName, MaxSize: max }),
  );
}

/** A fresh instance with its own role and profile, in the world's ASG and instance target group. */
export async function freshInstance(
  a: Account,
  name: string,
): Promise<{ instanceId: string; roleName: string }> {
  const roleName = `${name}-role`;
  await a.clients.iam.send(
    new CreateRoleCommand({
      RoleName: roleName,
      AssumeRolePolicyDocument: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          { Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" },
        ],
      }),
    }),
  );
  const profile = (
    await a.clients.iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: `${name}-profile` }))
  ).InstanceProfile!;
  await a.clients.iam.send(
    new AddRoleToInstanceProfileCommand({ InstanceProfileName: `${name}-profile`, RoleName: roleName }),
  );
  const instance = (
    await a.clients.ec2.send(
      new RunInstancesCommand({
        ImageId: a.world.imageId,
        InstanceType: "t3.micro",
        MinCount: 1,
        MaxCount: 1,
        IamInstanceProfile: { Arn: profile.Arn },
        NetworkInterfaces: [{ DeviceIndex: 0, SubnetId: a.world.subnets[0], Groups: [a.world.webGroup] }],
      }),
    )
  ).Instances![0]!;
  const instanceId = instance.InstanceId!;
  await a.clients.autoscaling.send(
    new AttachInstancesCommand({ AutoScalingGroupName: a.world.asgName, InstanceIds: [instanceId] }),
  );
  await a.clients.elbv2.send(
    new RegisterTargetsCommand({ TargetGroupArn: a.world.targetGroupArn, Targets: [{ Id: instanceId }] }),
  );
  return { instanceId, roleName };
}

/**
 * Lanes for kills in flight at once: `a` (lane 0) and `count - 1` more, each with its own VPC, ASG,
 * target group and journal table. Shared ones made concurrent kills interfere through two moto
 * artefacts: attaching an instance to an ASG re-registers every instance of the group in its target
 * groups (undoing another kill's deregistration), and a failed TransactWriteItems restores a copy of the
 * whole table taken before it (erasing another process's journal entries written meanwhile). Real AWS
 * does neither. Every lane uses `clients` (a responder's retry policy: moto, busy with several kills,
 * now and then answers 500 with an HTML page, which is not under test).
 */
export async function makeLanes(a: Account, clients: AwsClients, count: number): Promise<Account[]> {
  // The responder's policy names one journal table; the lanes have one each (ir-case-journal-lane<n>),
  // and each lane's workload role is passed by its recovery: the generated policy, widened to them.
  await provisionResponderRole(a.clients, {
    accountId: TEST_ACCOUNT,
    region: TEST_REGION,
    journalTable: `${a.settings.journalTable}*`,
    workloadRoleArns: Array.from(
      { length: count },
      (_, w) => `arn:aws:iam::${TEST_ACCOUNT}:role/${w === 0 ? a.world.roleName : `lane${w}-role`}`,
    ),
  });
  const lanes: Account[] = [{ ...a, clients }];
  for (let w = 1; w < count; w++) {
    const lane: Account = {
      ...a,
      clients,
      world: await seedWorld(a.clients, `lane${w}`),
      settings: { ...a.settings, journalTable: `${a.settings.journalTable}-lane${w}` },
      stateDir: mkdtempSync(join(tmpdir(), "ir-state-lane-")),
    };
    await bootstrap({ clients: a.responder, settings: lane.settings, vpcIds: [lane.world.vpcId] });
    lanes.push(lane);
  }
  for (const lane of lanes) await roomInAsg(lane);
  return lanes;
}
