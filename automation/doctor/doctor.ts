/**
 * `ir doctor`: is this account ready for an incident, and what is to fix? Checks, in order: who is
 * asking and the Region (bad input otherwise), the responder role, the evidence bucket, the journal
 * table and the project's keys (a missing baseline is bad input), the running instances, the isolation
 * groups of every protected VPC, and every call of facts/responder-actions.ts through IAM's policy
 * simulator on the resources a response will touch. Read-only: it only describes, gets, lists and
 * simulates (a test records every call on the wire). docs/doctor.md explains the output.
 */
import { GetRoleCommand } from "@aws-sdk/client-iam";
import { RESPONDER_ACTIONS } from "../../facts";
import { evidenceBucketName, RESPONDER_ROLE_NAME } from "../../facts/names";
import type { AwsClients } from "../aws/clients";
import { errorName, isNoSuchEntity } from "../aws/errors";
import { InputError } from "../input/targets";
import type { ResolvedSettings } from "../settings/settings";
import { checkVpc, type VpcReadiness } from "./groups";
import { inventory } from "./instances";
import { checkKeys } from "./keys";
import { type Caller, checkRegion, homeRegion, whoAmI } from "./preflight";
import { probeEnv } from "./probe-env";
import { ACCOUNT_PROBES, accountProbes } from "./probes-account";
import { INSTANCE_PROBES, probesFor } from "./probes-instance";
import { permissionChecks, readinessOf, scoreOf } from "./score";
import { simulate, testedTagKeys } from "./simulate";
import { checkEvidenceBucket, checkJournalTable } from "./storage";
import type { Check, DoctorReport, ProbeResult } from "./types";

export interface DoctorRequest {
  clients: AwsClients;
  settings: ResolvedSettings;
  /** Responder role: a name or an ARN. @default ir-responder (facts/names.ts RESPONDER_ROLE_NAME) */
  responderRole?: string;
  /** VPCs to check beyond the configured ones and those with running instances. @default [] */
  vpcIds?: string[];
}

/** Actions of the responder that no probe covers (doctor cannot say whether they are allowed). */
export const unprobedActions = (actions: readonly string[] = RESPONDER_ACTIONS) =>
  actions.filter((a) => !(a in ACCOUNT_PROBES) && !(a in INSTANCE_PROBES));

function roleOf(value: string, partition: string, accountId: string): { name: string; arn: string } {
  const arn = /^arn:[^:]+:iam::(\d{12}):role\/(?:[\w+=,.@/-]*\/)?([\w+=,.@-]{1,64})$/.exec(value);
  if (arn) return { name: arn[2]!, arn: value };
  if (/^[\w+=,.@-]{1,64}$/.test(value))
    return { name: value, arn: `arn:${partition}:iam::${accountId}:role/${value}` };
  throw new InputError(
    `responder role "${value}" is not valid: expected a role name (e.g. ${RESPONDER_ROLE_NAME}) or arn:aws:iam::<account>:role/<name>`,
  );
}

export async function runDoctor(req: DoctorRequest): Promise<DoctorReport> {
  const { clients, settings } = req;
  for (const v of req.vpcIds ?? [])
    if (!/^vpc-[0-9a-f]{8,17}$/.test(v))
      throw new InputError(`vpc id "${v}" is not valid: expected vpc- followed by 8 or 17 hex digits`);
  const home = clients.forRegion(homeRegion(clients.region));
  let caller: Caller;
  const checks: Check[] = [];
  try {
    caller = await whoAmI(home);
    checks.push(await checkRegion(home, clients.region, caller.accountId));
  } finally {
    if (home !== clients) home.destroy();
  }
  const role = roleOf(req.responderRole ?? RESPONDER_ROLE_NAME, caller.partition, caller.accountId);
  // found, missing, or unreadable (the caller may not read it: the simulation still asks).
  const roleFound = await clients.iam.send(new GetRoleCommand({ RoleName: role.name })).then(
    (r) => {
      role.arn = r.Role?.Arn ?? role.arn;
      return true as const;
    },
    (err) => (isNoSuchEntity(err) ? (false as const) : errorName(err)),
  );
  const bucketName = settings.evidenceBucket ?? evidenceBucketName(caller.accountId, clients.region);
  const [bucket, table] = await Promise.all([
    checkEvidenceBucket(clients, bucketName, settings.evidenceKmsKeyArn),
    checkJournalTable(clients, settings.journalTable),
  ]);
  if (!roleFound && !bucket.found && !table.found)
    throw new InputError(
      `no baseline in account ${caller.accountId}, ${clients.region}: the responder role "${role.name}", the evidence bucket "${bucketName}" and the journal table "${settings.journalTable}" were not found: deploy the baseline (pulumi up) and write its responderSettings to ir.config.json, or pass --region, --config, --responder-role, --evidence-bucket and --journal-table for the account's own`,
    );
  checks.push(
    roleFound === true
      ? { area: "responder role", item: role.arn, status: "ok", detail: "exists" }
      : typeof roleFound === "string"
        ? {
            area: "responder role",
            item: role.arn,
            status: "warn",
            detail: `cannot be read (${roleFound}): whether it exists was not checked`,
            fix: "let whoever runs ir doctor call iam:GetRole on it (docs/doctor.md)",
          }
        : {
            area: "responder role",
            item: role.arn,
            status: "fail",
            detail: "not found: nobody can respond as it",
            fix: "deploy the baseline (ResponderAccess), or pass --responder-role with the role responders assume",
          },
    ...bucket.checks,
    ...table.checks,
  );
  const keyIds = [
    ...new Set(
      [settings.evidenceKmsKeyArn, bucket.keyId, table.keyId].filter((k): k is string => Boolean(k)),
    ),
  ];
  const keys = await checkKeys(clients, keyIds, caller.accountId, role.arn);
  checks.push(...keys.checks);
  const inv = await inventory(clients);
  checks.push(...inv.checks);
  const vpcIds = [
    ...new Set([
      ...Object.keys(settings.isolationGroups),
      ...(req.vpcIds ?? []),
      ...inv.instances.flatMap((i) => i.vpcId ?? []),
    ]),
  ].sort();
  const vpcs = new Map<string, VpcReadiness>();
  for (const vpcId of vpcIds) {
    const v = await checkVpc(clients, vpcId, settings);
    vpcs.set(vpcId, v.vpc);
    checks.push(...v.checks);
  }
  const env = probeEnv({
    partition: caller.partition,
    accountId: caller.accountId,
    region: clients.region,
    evidenceBucket: bucketName,
    ...(settings.toolsBucket ? { toolsBucket: settings.toolsBucket } : {}),
    journalTable: settings.journalTable,
    keyArns: keys.arns,
    denyAllProfile: settings.denyAllInstanceProfile,
    ...(settings.forensic?.amiParameter ? { forensicAmiParameter: settings.forensic.amiParameter } : {}),
    groups: new Map([...vpcs].map(([id, v]) => [id, v.groups])),
  });
  // Only what the responder calls: a probe of an action it never makes would fail for nothing.
  const actions = new Set(RESPONDER_ACTIONS);
  const probes = probesFor(env, inv.instances, actions, accountProbes(env, actions));
  const permissions: ProbeResult[] =
    roleFound !== false
      ? await simulate(clients, {
          roleArn: role.arn,
          accountId: caller.accountId,
          region: clients.region,
          probes,
          tagKeys: await testedTagKeys(clients, role.name),
        })
      : probes.map((p) => ({ ...p, decision: "error" as const, error: "the responder role does not exist" }));
  checks.push(...simulatorChecks(permissions, caller.arn), ...permissionChecks(permissions, role.arn));
  const unprobed = unprobedActions();
  if (unprobed.length > 0)
    checks.push({
      area: "permissions",
      item: "not checked",
      status: "warn",
      detail: `doctor has no probe for ${unprobed.join(", ")}`,
      fix: "add them to automation/doctor/probes-account.ts or probes-instance.ts",
    });
  const storeProblems = [...bucket.checks, ...table.checks, ...keys.checks]
    .filter((c) => c.status === "fail")
    .map((c) => `${c.area} ${c.item}: ${c.detail}`);
  const instances = inv.instances.map((i) =>
    readinessOf(i, i.vpcId ? vpcs.get(i.vpcId) : undefined, permissions, storeProblems),
  );
  return {
    accountId: caller.accountId,
    region: clients.region,
    caller: caller.arn,
    responderRoleArn: role.arn,
    checks,
    permissions,
    instances,
    score: scoreOf(instances),
    ready: !checks.some((c) => c.status === "fail"),
  };
}

/** The simulator itself refused (the caller may not simulate): one clear line instead of a hundred. */
function simulatorChecks(results: ProbeResult[], caller: string): Check[] {
  const refused = results.filter(
    (r) => r.decision === "error" && /AccessDenied|not authorized/i.test(r.error ?? ""),
  );
  if (refused.length === 0) return [];
  return [
    {
      area: "permissions",
      item: "simulator",
      status: "fail",
      detail: `${caller} may not simulate the responder's policies (${refused[0]!.error?.split(":")[0]}): its permissions were not checked`,
      fix: "run ir doctor as a principal allowed iam:SimulatePrincipalPolicy and iam:GetRole on the responder role (docs/doctor.md)",
    },
  ];
}
