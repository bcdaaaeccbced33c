/**
 * `ir bootstrap`: creates, where missing, exactly what the responder needs in an account without the
 * baseline (an emulator, a trial account): the Object-Lock evidence bucket, the journal table, the
 * isolation groups of the given VPCs and the deny-all profile, with the baseline's names, tags and lock
 * mode (shared facts). Idempotent; `dryRun` only reports what is missing.
 */
import { CreateTableCommand, DescribeTableCommand, waitUntilTableExists } from "@aws-sdk/client-dynamodb";
import { DescribeSecurityGroupsCommand, DescribeVpcsCommand } from "@aws-sdk/client-ec2";
import { GetInstanceProfileCommand } from "@aws-sdk/client-iam";
import {
  type BucketLocationConstraint,
  CreateBucketCommand,
  HeadBucketCommand,
  PutBucketTaggingCommand,
  PutObjectLockConfigurationCommand,
  PutPublicAccessBlockCommand,
} from "@aws-sdk/client-s3";
import { GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { EVIDENCE_LOCK_MODE, evidenceBucketName, isolationGroupNames, JOURNAL_KEYS } from "../../facts/names";
import { MANAGED_BY, ROLE_TAG_VALUES, TAG } from "../../facts/tags";
import type { AwsClients } from "../aws/clients";
import { errorName } from "../aws/errors";
import type { ResolvedSettings } from "../settings/settings";
import { DenyAllProfileResolver } from "../steps/deny-all-profile";
import { describeReach, IsolationGroupResolver } from "../steps/isolation-groups";

export interface BootstrapItem {
  kind: "evidence-bucket" | "journal-table" | "isolation-groups" | "deny-all-profile";
  name: string;
  status: "exists" | "created" | "missing";
  detail?: string;
}

export interface BootstrapRequest {
  clients: AwsClients;
  settings: ResolvedSettings;
  vpcIds: string[];
  dryRun?: boolean;
}

const tags = (role: string) => [
  { Key: TAG.role, Value: role },
  { Key: TAG.managedBy, Value: MANAGED_BY },
];

async function exists(p: Promise<unknown>, missing: string[]): Promise<boolean> {
  try {
    await p;
    return true;
  } catch (err) {
    const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (missing.includes(errorName(err)) || status === 404) return false;
    throw err;
  }
}

async function bucket(req: BootstrapRequest, name: string): Promise<BootstrapItem> {
  const s3 = req.clients.s3;
  if (await exists(s3.send(new HeadBucketCommand({ Bucket: name })), ["NotFound", "NoSuchBucket"])) {
    return { kind: "evidence-bucket", name, status: "exists" };
  }
  if (req.dryRun)
    return {
      kind: "evidence-bucket",
      name,
      status: "missing",
      detail: `would create with Object Lock (${EVIDENCE_LOCK_MODE})`,
    };
  const region = req.clients.region;
  await s3.send(
    new CreateBucketCommand({
      Bucket: name,
      ObjectLockEnabledForBucket: true,
      ...(region === "us-east-1"
        ? {}
        : { CreateBucketConfiguration: { LocationConstraint: region as BucketLocationConstraint } }),
    }),
  );
  await Promise.all([
    s3.send(
      new PutObjectLockConfigurationCommand({
        Bucket: name,
        ObjectLockConfiguration: {
          ObjectLockEnabled: "Enabled",
          Rule: { DefaultRetention: { Mode: EVIDENCE_LOCK_MODE, Days: req.settings.retentionDays } },
        },
      }),
    ),
    s3.send(
      new PutPublicAccessBlockCommand({
        Bucket: name,
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          IgnorePublicAcls: true,
          BlockPublicPolicy: true,
          RestrictPublicBuckets: true,
        },
      }),
    ),
    s3.send(
      new PutBucketTaggingCommand({
        Bucket: name,
        Tagging: { TagSet: tags(ROLE_TAG_VALUES.evidenceBucket) },
      }),
    ),
  ]);
  return {
    kind: "evidence-bucket",
    name,
    status: "created",
    detail: `Object Lock ${EVIDENCE_LOCK_MODE}, ${req.settings.retentionDays} days`,
  };
}

async function table(req: BootstrapRequest, name: string): Promise<BootstrapItem> {
  const ddb = req.clients.dynamodb;
  if (await exists(ddb.send(new DescribeTableCommand({ TableName: name })), ["ResourceNotFoundException"])) {
    return { kind: "journal-table", name, status: "exists" };
  }
  if (req.dryRun)
    return { kind: "journal-table", name, status: "missing", detail: "would create (on-demand, pk/sk)" };
  await ddb.send(
    new CreateTableCommand({
      TableName: name,
      BillingMode: "PAY_PER_REQUEST",
      AttributeDefinitions: [
        { AttributeName: JOURNAL_KEYS.partition, AttributeType: "S" },
        { AttributeName: JOURNAL_KEYS.sort, AttributeType: "S" },
      ],
      KeySchema: [
        { AttributeName: JOURNAL_KEYS.partition, KeyType: "HASH" },
        { AttributeName: JOURNAL_KEYS.sort, KeyType: "RANGE" },
      ],
      Tags: tags(ROLE_TAG_VALUES.journalTable),
    }),
  );
  await waitUntilTableExists(
    { client: ddb, maxWaitTime: 120, minDelay: 1, maxDelay: 5 },
    { TableName: name },
  );
  return { kind: "journal-table", name, status: "created" };
}

async function groups(
  req: BootstrapRequest,
  vpcId: string,
  resolver: IsolationGroupResolver,
): Promise<BootstrapItem> {
  const names = isolationGroupNames(vpcId);
  const ec2 = req.clients.ec2;
  const vpcs = await ec2.send(new DescribeVpcsCommand({ VpcIds: [vpcId] })).catch((err) => {
    throw new Error(
      `vpc "${vpcId}" was not found in ${req.clients.region} (${errorName(err)}): check --vpc and --region`,
    );
  });
  if (!vpcs.Vpcs?.length)
    throw new Error(`vpc "${vpcId}" was not found in ${req.clients.region}: check --vpc and --region`);
  if (req.dryRun) {
    const res = await ec2.send(
      new DescribeSecurityGroupsCommand({
        Filters: [
          { Name: "vpc-id", Values: [vpcId] },
          { Name: "group-name", Values: Object.values(names) },
        ],
      }),
    );
    const have = new Set((res.SecurityGroups ?? []).map((g) => g.GroupName));
    const missing = Object.values(names).filter((n) => !have.has(n));
    return {
      kind: "isolation-groups",
      name: vpcId,
      status: missing.length ? "missing" : "exists",
      ...(missing.length ? { detail: `would create ${missing.join(", ")}` } : {}),
    };
  }
  const g = await resolver.ensure(
    { clients: req.clients, settings: { ...req.settings, isolationGroups: {} } },
    vpcId,
  );
  return {
    kind: "isolation-groups",
    name: vpcId,
    status: g.created.length ? "created" : "exists",
    detail: `untrack ${g.untrack}, isolation ${g.isolation}, forensic egress ${g.forensicEgress} (${describeReach(g.forensicReach)})`,
  };
}

async function profile(req: BootstrapRequest, account: string): Promise<BootstrapItem> {
  const name = req.settings.denyAllInstanceProfile;
  if (req.dryRun) {
    const ok = await exists(
      req.clients.iam.send(new GetInstanceProfileCommand({ InstanceProfileName: name })),
      ["NoSuchEntity", "NoSuchEntityException"],
    );
    return { kind: "deny-all-profile", name, status: ok ? "exists" : "missing" };
  }
  const p = await new DenyAllProfileResolver().ensure(
    { clients: req.clients, settings: req.settings },
    account,
  );
  return {
    kind: "deny-all-profile",
    name,
    status: p.created ? "created" : "exists",
    ...(p.admitsSsmAgent === false
      ? {
          detail:
            "its role denies everything, the SSM agent included: memory and logs cannot be captured from a contained instance; deploy the baseline again, or delete the profile and its role and run bootstrap again",
        }
      : {}),
  };
}

export async function bootstrap(req: BootstrapRequest): Promise<BootstrapItem[]> {
  for (const vpc of req.vpcIds) {
    if (!/^vpc-[0-9a-f]{8,17}$/.test(vpc))
      throw new Error(`vpc id "${vpc}" is not valid: expected vpc- followed by 8 or 17 hex digits`);
  }
  const account =
    req.settings.accountId ?? (await req.clients.sts.send(new GetCallerIdentityCommand({}))).Account!;
  const bucketName = req.settings.evidenceBucket ?? evidenceBucketName(account, req.clients.region);
  const resolver = new IsolationGroupResolver();
  return Promise.all([
    bucket(req, bucketName),
    table(req, req.settings.journalTable),
    profile(req, account),
    ...req.vpcIds.map((v) => groups(req, v, resolver)),
  ]);
}
