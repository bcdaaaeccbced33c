/**
 * One emulated account per scenario (moto keeps accounts apart by the `x-moto-account-id` header), so
 * scenarios never see each other's resources, nothing has to be reset on an emulator the user started
 * (`--endpoint`), and `--keep` leaves every scenario's account to explore. Seeds the workload, the
 * forensic VPC, the responder's prerequisites (`ir bootstrap`, the same code users run), then writes
 * the settings file the baseline would publish (facts/responder-settings.ts) and resolves it the way
 * `ir --config` does.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DescribeSecurityGroupsCommand } from "@aws-sdk/client-ec2";
import { CreateBucketCommand, PutBucketPolicyCommand } from "@aws-sdk/client-s3";
import { evidenceBucketPolicy } from "../../components/evidence-policies";
import {
  evidenceBucketName,
  isolationGroupNames,
  RESPONDER_ROLE_NAME,
  ROLE_WRITER_FUNCTION_NAME,
  toolsBucketName,
} from "../../facts/names";
import type { ResponderSettings } from "../../facts/responder-settings";
import { AwsClients, type CallRecorder } from "../aws/clients";
import { bootstrap } from "../bootstrap/bootstrap";
import { assumeResponderRole } from "../emulator/responder-role";
import { seedFakeCaptureTool } from "../emulator/strict/ssm-agent/capture-tool";
import { type ResolvedSettings, resolveSettings } from "../settings/settings";
import { type FlowLogSink, seedFlowLogs } from "./flow-logs";
import { seedWorkload, type Workload } from "./seed";
import { type ForensicSeed, seedForensic } from "./seed-forensic";

export const GAMEDAY_REGION = "us-east-1";
/**
 * Size of the emulated host's memory image, MiB: with the game day's 5 MiB parts and two parts per URL
 * batch, three parts in two batches (the streaming and the minting ahead are exercised).
 */
export const CAPTURE_MIB = 12;
/** Emulator credentials: moto accepts anything; real credentials must never be needed. */
export const EMULATOR_CREDENTIALS = { accessKeyId: "gameday", secretAccessKey: "gameday" };

export interface GamedayAccount {
  accountId: string;
  clients: AwsClients;
  settings: ResolvedSettings;
  configFile: string;
  workload: Workload;
  forensic: ForensicSeed;
  flowLogs: FlowLogSink;
  /** Unrecorded clients for what is not the responder (AWS delivering logs, the attacker). */
  world: AwsClients;
}

export interface AccountOptions {
  endpoint: string;
  /**
   * Put the baseline's evidence bucket policy on the bucket (only the responder role writes evidence).
   * Off for runs that act as the account's administrator instead of the responder (the chaos bench).
   * @default true
   */
  evidencePolicy?: boolean;
  accountId: string;
  stateDir: string;
  latencyMs: number;
  recorder?: CallRecorder;
}

/** Clients for one emulated account: its administrator's, or (with `credentials`) a session's. */
export function accountClients(
  o: AccountOptions,
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } = EMULATOR_CREDENTIALS,
): AwsClients {
  return new AwsClients({
    endpoint: o.endpoint,
    region: GAMEDAY_REGION,
    credentials,
    retry: { maxAttempts: 1 },
    latencyMs: o.latencyMs,
    headers: { "x-moto-account-id": o.accountId },
    ...(o.recorder ? { recorder: o.recorder } : {}),
  });
}

/**
 * The evidence bucket policy the baseline deploys (components/evidence-policies.ts): the responder's
 * uploads must pass it here as on AWS. The account's administrator (the game day's own checks) reads
 * evidence as a configured analyst would.
 */
async function evidencePolicy(setup: AwsClients, accountId: string, bucket: string): Promise<void> {
  const policy = evidenceBucketPolicy({
    bucketArn: `arn:aws:s3:::${bucket}`,
    responderRoleArn: `arn:aws:iam::${accountId}:role/${RESPONDER_ROLE_NAME}`,
    analysts: [`arn:aws:iam::${accountId}:root`],
    admins: [],
    kmsKeyArn: `arn:aws:kms:${GAMEDAY_REGION}:${accountId}:key/gameday-evidence`,
  });
  await setup.s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: JSON.stringify(policy) }));
}

async function groupId(c: AwsClients, vpcId: string, name: string): Promise<string> {
  const res = await c.ec2.send(
    new DescribeSecurityGroupsCommand({
      Filters: [
        { Name: "vpc-id", Values: [vpcId] },
        { Name: "group-name", Values: [name] },
      ],
    }),
  );
  const id = res.SecurityGroups?.[0]?.GroupId;
  if (!id) throw new Error(`bootstrap did not create security group "${name}" in ${vpcId}`);
  return id;
}

/**
 * Seeds an account. Setup calls go through `world` clients (not recorded: the figures count the
 * responder's calls only); the returned `clients` record into `o.recorder`. Destroy both when done.
 */
export async function prepareAccount(o: AccountOptions): Promise<GamedayAccount> {
  const setup = accountClients({ ...o, latencyMs: 0, recorder: undefined });
  try {
    const workload = await seedWorkload(setup);
    const forensic = await seedForensic(setup);
    const flowLogs = await seedFlowLogs(setup, o.accountId, workload.vpcId);
    const stateDir = join(o.stateDir, o.accountId);
    mkdirSync(stateDir, { recursive: true });
    const base = resolveSettings(
      { stateDir, endpoint: o.endpoint, maxAttempts: 1 },
      { AWS_REGION: GAMEDAY_REGION },
    );
    const evidenceBucket = evidenceBucketName(o.accountId, GAMEDAY_REGION);
    await bootstrap({
      clients: setup,
      settings: { ...base, accountId: o.accountId, evidenceBucket },
      vpcIds: [workload.vpcId],
    });
    if (o.evidencePolicy !== false) await evidencePolicy(setup, o.accountId, evidenceBucket);
    const toolsBucket = toolsBucketName(o.accountId, GAMEDAY_REGION);
    await setup.s3.send(new CreateBucketCommand({ Bucket: toolsBucket }));
    // The host's "memory": a stand-in for AVML writing CAPTURE_MIB MiB, pinned in the settings.
    const tool = await seedFakeCaptureTool(setup.s3, toolsBucket, CAPTURE_MIB);
    const names = isolationGroupNames(workload.vpcId);
    const published: ResponderSettings = {
      region: GAMEDAY_REGION,
      accountId: o.accountId,
      evidenceBucket,
      toolsBucket,
      captureTool: { key: tool.key, sha256: tool.sha256 },
      journalTable: base.journalTable,
      evidenceKmsKeyArn: "",
      denyAllInstanceProfile: base.denyAllInstanceProfile,
      // The baseline's role writer (provisioned with the responder role below).
      roleWriterFunction: `arn:aws:lambda:${GAMEDAY_REGION}:${o.accountId}:function:${ROLE_WRITER_FUNCTION_NAME}`,
      responderRoleArn: `arn:aws:iam::${o.accountId}:role/${RESPONDER_ROLE_NAME}`,
      isolationGroups: {
        [workload.vpcId]: {
          untrack: await groupId(setup, workload.vpcId, names.untrack),
          isolation: await groupId(setup, workload.vpcId, names.isolation),
          forensicEgress: await groupId(setup, workload.vpcId, names.forensicEgress),
        },
      },
      forensic: {
        vpcId: forensic.vpcId,
        subnetIds: forensic.subnetIds,
        workstationSecurityGroupId: forensic.workstationSecurityGroupId,
        workstationInstanceProfile: forensic.workstationInstanceProfile,
        amiParameter: forensic.amiParameter,
      },
      alertTopicArn: `arn:aws:sns:${GAMEDAY_REGION}:${o.accountId}:ir-alerts`,
    };
    const configFile = join(stateDir, "ir.config.json");
    writeFileSync(configFile, `${JSON.stringify(published, null, 2)}\n`);
    const settings = resolveSettings(
      { config: configFile, stateDir, endpoint: o.endpoint, maxAttempts: 1 },
      { AWS_REGION: GAMEDAY_REGION },
    );
    settings.latencyMs = o.latencyMs;
    // The responder acts as the role the baseline deploys: behind the strict layer every call it makes is
    // authorised against the generated policy, as AWS would (plain moto authorises nothing).
    const session = await assumeResponderRole(
      setup,
      {
        accountId: o.accountId,
        region: GAMEDAY_REGION,
        evidenceBucket,
        toolsBucket: published.toolsBucket,
        journalTable: base.journalTable,
        workloadRoleArns: [`arn:aws:iam::${o.accountId}:role/${workload.roleName}`],
        logArchiveBucket: flowLogs.bucket,
      },
      `gameday-${o.accountId}`,
    );
    return {
      accountId: o.accountId,
      clients: accountClients(o, session),
      settings,
      configFile,
      workload,
      forensic,
      flowLogs,
      world: setup,
    };
  } catch (err) {
    setup.destroy();
    throw err;
  }
}
