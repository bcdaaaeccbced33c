/**
 * `ir bootstrap --forensic`: what `ir investigate` needs in an account without the baseline: the
 * minimal forensic VPC (forensic-network.ts), the SSM-only workstation role and profile (the
 * baseline's name, AmazonSSMManagedInstanceCore only), and, when `--forensic-ami` names one, the
 * forensic AMI published to its SSM parameter. Returns the `forensic` settings to put in the config.
 */
import {
  AddRoleToInstanceProfileCommand,
  AttachRolePolicyCommand,
  CreateInstanceProfileCommand,
  GetInstanceProfileCommand,
} from "@aws-sdk/client-iam";
import { GetParameterCommand, PutParameterCommand } from "@aws-sdk/client-ssm";
import { GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { FORENSIC_WORKSTATION_ROLE_NAME } from "../../facts/forensic";
import { SSM } from "../../facts/names";
import type { ResponderSettings } from "../../facts/responder-settings";
import { MANAGED_BY, TAG } from "../../facts/tags";
import { createBoundedRole } from "../aws/bounded-role";
import type { AwsClients } from "../aws/clients";
import { errorName } from "../aws/errors";
import { ensureForensicNetwork, findForensicVpc } from "./forensic-network";

export interface ForensicBootstrapItem {
  kind: "forensic-vpc" | "forensic-workstation-profile" | "forensic-ami";
  name: string;
  status: "exists" | "created" | "missing";
  detail?: string;
}

export interface ForensicBootstrapResult {
  items: ForensicBootstrapItem[];
  /** The settings `ir investigate` reads (config file `forensic`), when the VPC exists. */
  forensic?: ResponderSettings["forensic"];
}

const SSM_CORE = (partition: string) => `arn:${partition}:iam::aws:policy/AmazonSSMManagedInstanceCore`;
const notFound = (err: unknown) =>
  ["NoSuchEntity", "NoSuchEntityException", "ParameterNotFound"].includes(errorName(err));

function alreadyThere(err: unknown): undefined {
  if (errorName(err) !== "EntityAlreadyExists" && errorName(err) !== "EntityAlreadyExistsException")
    throw err;
  return undefined;
}

async function profileExists(clients: AwsClients): Promise<boolean> {
  return clients.iam
    .send(new GetInstanceProfileCommand({ InstanceProfileName: FORENSIC_WORKSTATION_ROLE_NAME }))
    .then(
      () => true,
      (err) => {
        if (notFound(err)) return false;
        throw err;
      },
    );
}

async function ensureProfile(
  clients: AwsClients,
  dryRun: boolean,
  policyArn: string | undefined,
): Promise<ForensicBootstrapItem> {
  const name = FORENSIC_WORKSTATION_ROLE_NAME;
  const base = { kind: "forensic-workstation-profile" as const, name };
  if (await profileExists(clients)) return { ...base, status: "exists" };
  if (dryRun) return { ...base, status: "missing", detail: "would create the role and profile (SSM only)" };
  // Each call tolerates what an interrupted earlier run already made, so a re-run completes the set.
  const tags = [{ Key: TAG.managedBy, Value: MANAGED_BY }];
  const caller = await clients.sts.send(new GetCallerIdentityCommand({}));
  const partition = caller.Arn?.split(":")[1] ?? "aws";
  // The responder may create a role only with the baseline's permissions boundary (iam:CreateRole's
  // iam:PermissionsBoundary condition); without a baseline, the administrator who bootstraps creates it.
  await createBoundedRole(
    clients.iam,
    {
      RoleName: name,
      Description: "Forensic workstations: Session Manager only",
      AssumeRolePolicyDocument: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          { Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" },
        ],
      }),
      Tags: tags,
    },
    { partition, accountId: caller.Account! },
  );
  const policy = policyArn ?? SSM_CORE(partition);
  await clients.iam.send(new AttachRolePolicyCommand({ RoleName: name, PolicyArn: policy })).catch((err) => {
    if (!notFound(err)) throw err;
    throw new Error(
      `policy "${policy}" does not exist in this account: on moto, start it with MOTO_IAM_LOAD_MANAGED_POLICIES=true (it has no AWS managed policies otherwise)`,
    );
  });
  await clients.iam
    .send(new CreateInstanceProfileCommand({ InstanceProfileName: name, Tags: tags }))
    .catch(alreadyThere);
  await clients.iam
    .send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: name, RoleName: name }))
    .catch((err) => {
      // A profile holds one role: LimitExceeded means the role is already in it.
      if (errorName(err) !== "LimitExceeded" && errorName(err) !== "LimitExceededException") throw err;
    });
  return { ...base, status: "created", detail: `${policy} only` };
}

async function ensureAmi(
  clients: AwsClients,
  amiId: string | undefined,
  dryRun: boolean,
): Promise<ForensicBootstrapItem> {
  const name = SSM.forensicAmi;
  const base = { kind: "forensic-ami" as const, name };
  const current = await clients.ssm.send(new GetParameterCommand({ Name: name })).then(
    (r) => r.Parameter?.Value,
    (err) => {
      if (notFound(err)) return undefined;
      throw err;
    },
  );
  if (current) return { ...base, status: "exists", detail: current };
  if (!amiId)
    return {
      ...base,
      status: "missing",
      detail:
        "publish the forensic AMI id there (the baseline's image pipeline does), or pass --forensic-ami ami-...",
    };
  if (dryRun) return { ...base, status: "missing", detail: `would publish ${amiId}` };
  await clients.ssm.send(new PutParameterCommand({ Name: name, Value: amiId, Type: "String" }));
  return { ...base, status: "created", detail: amiId };
}

export async function bootstrapForensic(req: {
  clients: AwsClients;
  dryRun?: boolean;
  /** AMI id to publish to /ir/forensic-ami when the parameter is missing. */
  amiId?: string;
  /** AZs to give a subnet. @default every available AZ of the region */
  zones?: string[];
  /**
   * The one policy of the workstation role.
   * @default arn:<partition>:iam::aws:policy/AmazonSSMManagedInstanceCore (override for a
   * customer-managed copy, e.g. where SCPs or an emulator without AWS managed policies require it)
   */
  ssmPolicyArn?: string;
}): Promise<ForensicBootstrapResult> {
  if (req.amiId !== undefined && !/^ami-(?:[0-9a-f]{8}|[0-9a-f]{17})$/.test(req.amiId))
    throw new Error(`ami id "${req.amiId}" is not valid: expected ami- followed by 8 or 17 hex digits`);
  const dryRun = Boolean(req.dryRun);
  const [profile, ami] = await Promise.all([
    ensureProfile(req.clients, dryRun, req.ssmPolicyArn),
    ensureAmi(req.clients, req.amiId, dryRun),
  ]);
  if (dryRun) {
    const vpcId = await findForensicVpc(req.clients);
    const vpc: ForensicBootstrapItem = vpcId
      ? {
          kind: "forensic-vpc",
          name: vpcId,
          status: "exists",
          detail: "missing subnets, groups or endpoints are added on a real run",
        }
      : {
          kind: "forensic-vpc",
          name: "ir-forensic",
          status: "missing",
          detail: "would create the VPC, a subnet per AZ, the groups and the Session Manager endpoints",
        };
    return { items: [vpc, profile, ami] };
  }
  const net = await ensureForensicNetwork(req.clients, req.zones);
  return {
    items: [
      {
        kind: "forensic-vpc",
        name: net.vpcId,
        status: net.created.length ? "created" : "exists",
        detail: net.created.length ? net.created.join(", ") : `subnets ${net.subnetIds.join(", ")}`,
      },
      profile,
      ami,
    ],
    forensic: {
      vpcId: net.vpcId,
      subnetIds: net.subnetIds,
      workstationSecurityGroupId: net.workstationSecurityGroupId,
      workstationInstanceProfile: FORENSIC_WORKSTATION_ROLE_NAME,
      amiParameter: SSM.forensicAmi,
    },
  };
}
