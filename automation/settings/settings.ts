/**
 * Responder settings: flags, then environment variables (IR_*), then the config file (the baseline's
 * `responderSettings` stack output, same shape: facts/responder-settings.ts), then defaults.
 */
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import {
  DEFAULT_EVIDENCE_RETENTION_DAYS,
  DENY_ALL_PROFILE_NAME,
  JOURNAL_TABLE_NAME,
  SSM,
} from "../../facts/names";
import type { CaptureToolPin, IsolationGroupIds, ResponderSettings } from "../../facts/responder-settings";
// Bad settings are bad input (exit 2, nothing changed), like a bad instance id.
import { InputError } from "../input/targets";

/** The forensic VPC for investigation workstations; each field may be missing until `ir investigate` needs it. */
export type ForensicSettings = Partial<ResponderSettings["forensic"]> & { amiParameter: string };

export type SettingSource = "flag" | "env" | "config" | "default" | "derived";

export interface ResolvedSettings {
  region: string;
  /** Emulator endpoint (AWS_ENDPOINT_URL or --endpoint). */
  endpoint?: string;
  accountId?: string;
  /** Undefined until the account is known: defaults to evidenceBucketName(account, region). */
  evidenceBucket?: string;
  toolsBucket?: string;
  /** The memory-capture tool and its pin (config file; IR_CAPTURE_TOOL_SHA256 overrides the digest). */
  captureTool?: CaptureToolPin;
  journalTable: string;
  denyAllInstanceProfile: string;
  /** The baseline's role writer function; unset: `ir` writes role policies itself. */
  roleWriterFunction?: string;
  isolationGroups: Record<string, IsolationGroupIds>;
  evidenceKmsKeyArn?: string;
  /** Forensic VPC, subnets, workstation group and profile, forensic AMI parameter (`ir investigate`). */
  forensic?: ForensicSettings;
  /** Object Lock retention of evidence, days. @default 365 */
  retentionDays: number;
  /** Local state (fallback journal). @default ".ir" */
  stateDir: string;
  /** Lease of a run on a case; a run that stops renewing for this long can be taken over. @default 60000 */
  leaseMs: number;
  /** Attempts per AWS call (retry policy). @default 6 */
  maxAttempts: number;
  /** Simulated latency per call (benchmark, game day). @default 0 */
  latencyMs: number;
  /** Where each value came from (shown by `ir status --settings` and in errors). */
  sources: Record<string, SettingSource>;
}

export interface SettingFlags {
  region?: string;
  endpoint?: string;
  evidenceBucket?: string;
  journalTable?: string;
  config?: string;
  stateDir?: string;
  maxAttempts?: number;
  forensicVpc?: string;
  forensicSubnet?: string[];
  forensicSecurityGroup?: string;
  forensicProfile?: string;
  forensicAmiParameter?: string;
}

const ENV = {
  region: "IR_REGION",
  evidenceBucket: "IR_EVIDENCE_BUCKET",
  journalTable: "IR_JOURNAL_TABLE",
  toolsBucket: "IR_TOOLS_BUCKET",
  captureToolSha256: "IR_CAPTURE_TOOL_SHA256",
  denyAllInstanceProfile: "IR_DENY_ALL_PROFILE",
  roleWriterFunction: "IR_ROLE_WRITER_FUNCTION",
  config: "IR_CONFIG",
  stateDir: "IR_STATE_DIR",
  leaseSeconds: "IR_LEASE_SECONDS",
  maxAttempts: "IR_MAX_ATTEMPTS",
  latencyMs: "IR_LATENCY_MS",
  retentionDays: "IR_RETENTION_DAYS",
  forensicVpc: "IR_FORENSIC_VPC",
  forensicSubnets: "IR_FORENSIC_SUBNETS",
  forensicSecurityGroup: "IR_FORENSIC_SECURITY_GROUP",
  forensicProfile: "IR_FORENSIC_PROFILE",
  forensicAmiParameter: "IR_FORENSIC_AMI_PARAMETER",
} as const;

/** Reads and checks a config file in the ResponderSettings shape. */
export function loadConfigFile(path: string): Partial<ResponderSettings> {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new InputError(
      `config file "${path}" cannot be read (${(err as NodeJS.ErrnoException).code}): pass --config with an existing file`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new InputError(
      `config file "${path}" is not valid JSON: write it with \`pulumi stack output responderSettings --json > ${path}\``,
    );
  }
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new InputError(`config file "${path}" must hold a JSON object in the responderSettings shape`);
  }
  const obj = parsed as Record<string, unknown>;
  for (const field of [
    "region",
    "accountId",
    "evidenceBucket",
    "toolsBucket",
    "journalTable",
    "denyAllInstanceProfile",
    "roleWriterFunction",
  ]) {
    if (obj[field] !== undefined && typeof obj[field] !== "string") {
      throw new InputError(
        `config file "${path}": "${field}" must be a string, got ${JSON.stringify(obj[field])}`,
      );
    }
  }
  if (obj.captureTool !== undefined) {
    const t = obj.captureTool as Record<string, unknown> | null;
    if (
      !t ||
      typeof t !== "object" ||
      typeof t.key !== "string" ||
      !t.key ||
      typeof t.sha256 !== "string" ||
      !/^[0-9a-f]{64}$/.test(t.sha256)
    ) {
      throw new InputError(
        `config file "${path}": "captureTool" must be {"key": "<key in the tools bucket>", "sha256": "<64 lower-case hex digits>"}, got ${JSON.stringify(obj.captureTool)}`,
      );
    }
  }
  if (obj.isolationGroups !== undefined) {
    const groups = obj.isolationGroups;
    if (!groups || typeof groups !== "object" || Array.isArray(groups)) {
      throw new InputError(
        `config file "${path}": "isolationGroups" must map VPC ids to {untrack, isolation, forensicEgress}`,
      );
    }
    for (const [vpc, ids] of Object.entries(groups as Record<string, Record<string, unknown>>)) {
      for (const k of ["untrack", "isolation"]) {
        if (typeof ids?.[k] !== "string" || !/^sg-[0-9a-f]{8,17}$/.test(ids[k] as string)) {
          throw new InputError(
            `config file "${path}": isolationGroups["${vpc}"].${k} must be a security group id (sg-...)`,
          );
        }
      }
    }
  }
  if (obj.forensic !== undefined) checkForensicFile(path, obj.forensic);
  return obj as Partial<ResponderSettings>;
}

function checkForensicFile(path: string, forensic: unknown): void {
  if (!forensic || typeof forensic !== "object" || Array.isArray(forensic)) {
    throw new InputError(
      `config file "${path}": "forensic" must be an object {vpcId, subnetIds, workstationSecurityGroupId, workstationInstanceProfile, amiParameter}`,
    );
  }
  const f = forensic as Record<string, unknown>;
  for (const field of ["vpcId", "workstationSecurityGroupId", "workstationInstanceProfile", "amiParameter"]) {
    if (f[field] !== undefined && typeof f[field] !== "string") {
      throw new InputError(
        `config file "${path}": "forensic.${field}" must be a string, got ${JSON.stringify(f[field])}`,
      );
    }
  }
  if (
    f.subnetIds !== undefined &&
    (!Array.isArray(f.subnetIds) || f.subnetIds.some((x) => typeof x !== "string"))
  ) {
    throw new InputError(
      `config file "${path}": "forensic.subnetIds" must be a list of subnet ids, got ${JSON.stringify(f.subnetIds)}`,
    );
  }
}

/**
 * Forensic settings: flags > IR_FORENSIC_* > the config file's `forensic` object. Only the AMI
 * parameter has a default (the baseline's name); `ir investigate` checks the rest when it needs them.
 */
function resolveForensic(
  flags: SettingFlags,
  env: NodeJS.ProcessEnv,
  file: Partial<ResponderSettings>,
  sources: Record<string, SettingSource>,
): ForensicSettings {
  const fromFile = (file.forensic ?? {}) as Partial<ResponderSettings["forensic"]>;
  const envList = (name: string) =>
    env[name]
      ?.split(",")
      .map((x) => x.trim())
      .filter(Boolean);
  const out: Record<string, unknown> = {};
  const choose = (field: string, flag: unknown, fromEnv: unknown, inFile: unknown) => {
    const empty = (v: unknown) => v === undefined || v === "" || (Array.isArray(v) && v.length === 0);
    const [value, source] = !empty(flag)
      ? [flag, "flag" as const]
      : !empty(fromEnv)
        ? [fromEnv, "env" as const]
        : !empty(inFile)
          ? [inFile, "config" as const]
          : [undefined, undefined];
    if (value !== undefined && source) {
      out[field] = value;
      sources[`forensic.${field}`] = source;
    }
  };
  choose("vpcId", flags.forensicVpc, env[ENV.forensicVpc], fromFile.vpcId);
  choose("subnetIds", flags.forensicSubnet, envList(ENV.forensicSubnets), fromFile.subnetIds);
  choose(
    "workstationSecurityGroupId",
    flags.forensicSecurityGroup,
    env[ENV.forensicSecurityGroup],
    fromFile.workstationSecurityGroupId,
  );
  choose(
    "workstationInstanceProfile",
    flags.forensicProfile,
    env[ENV.forensicProfile],
    fromFile.workstationInstanceProfile,
  );
  choose("amiParameter", flags.forensicAmiParameter, env[ENV.forensicAmiParameter], fromFile.amiParameter);
  if (out.amiParameter === undefined) {
    out.amiParameter = SSM.forensicAmi;
    sources["forensic.amiParameter"] = "default";
  }
  return out as ForensicSettings;
}

function positiveInt(value: string | number | undefined, name: string): number | undefined {
  if (value === undefined || value === "") return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0)
    throw new InputError(`${name} "${value}" is not valid: expected a whole number >= 0`);
  return n;
}

export function resolveSettings(
  flags: SettingFlags = {},
  env: NodeJS.ProcessEnv = process.env,
): ResolvedSettings {
  const sources: Record<string, SettingSource> = {};
  const configPath =
    flags.config ?? env[ENV.config] ?? (existsSync("ir.config.json") ? "ir.config.json" : undefined);
  const file = configPath ? loadConfigFile(resolve(configPath)) : {};
  const pick = <T>(
    name: string,
    flag: T | undefined,
    envName: string | undefined,
    fromFile: T | undefined,
    dflt?: T,
  ) => {
    if (flag !== undefined && flag !== "") {
      sources[name] = "flag";
      return flag;
    }
    const e = envName ? env[envName] : undefined;
    if (e !== undefined && e !== "") {
      sources[name] = "env";
      return e as unknown as T;
    }
    if (fromFile !== undefined && fromFile !== "") {
      sources[name] = "config";
      return fromFile;
    }
    if (dflt !== undefined) sources[name] = "default";
    return dflt;
  };
  // Region: flag, then IR_REGION, then the SDK's own variables, then the config file, then us-east-1.
  const sdkRegion = env.AWS_REGION || env.AWS_DEFAULT_REGION;
  let region = pick<string>("region", flags.region, ENV.region, undefined);
  if (region === undefined && sdkRegion) {
    sources.region = "env";
    region = sdkRegion;
  }
  region ??= pick<string>("region", undefined, undefined, file.region, "us-east-1")!;
  if (!/^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/.test(region)) {
    throw new InputError(
      `region "${region}" is not valid: expected a region name such as us-east-1 (--region or AWS_REGION)`,
    );
  }
  const endpoint = flags.endpoint || env.AWS_ENDPOINT_URL || undefined;
  const leaseSeconds = positiveInt(env[ENV.leaseSeconds], ENV.leaseSeconds);
  const retention = positiveInt(env[ENV.retentionDays], ENV.retentionDays);
  return {
    region,
    ...(endpoint ? { endpoint } : {}),
    ...(file.accountId ? { accountId: file.accountId } : {}),
    evidenceBucket: pick("evidenceBucket", flags.evidenceBucket, ENV.evidenceBucket, file.evidenceBucket),
    toolsBucket: pick("toolsBucket", undefined, ENV.toolsBucket, file.toolsBucket),
    ...captureToolOf(env, file, sources),
    journalTable: pick(
      "journalTable",
      flags.journalTable,
      ENV.journalTable,
      file.journalTable,
      JOURNAL_TABLE_NAME,
    )!,
    denyAllInstanceProfile: pick(
      "denyAllInstanceProfile",
      undefined,
      ENV.denyAllInstanceProfile,
      file.denyAllInstanceProfile,
      DENY_ALL_PROFILE_NAME,
    )!,
    ...roleWriterOf(
      pick<string>("roleWriterFunction", undefined, ENV.roleWriterFunction, file.roleWriterFunction),
    ),
    isolationGroups: file.isolationGroups ?? {},
    ...(file.evidenceKmsKeyArn ? { evidenceKmsKeyArn: file.evidenceKmsKeyArn } : {}),
    forensic: resolveForensic(flags, env, file, sources),
    retentionDays: retention ?? DEFAULT_EVIDENCE_RETENTION_DAYS,
    stateDir: flags.stateDir ?? env[ENV.stateDir] ?? ".ir",
    leaseMs: (leaseSeconds ?? 60) * 1000,
    maxAttempts: positiveInt(flags.maxAttempts ?? env[ENV.maxAttempts], "max attempts") || 6,
    latencyMs: positiveInt(env[ENV.latencyMs], ENV.latencyMs) ?? 0,
    sources,
  };
}

/** The role writer's name or ARN (a Lambda function name: letters, digits, - and _, or its ARN). */
function roleWriterOf(name: string | undefined): { roleWriterFunction?: string } {
  if (name === undefined) return {};
  if (!/^(arn:aws[\w-]*:lambda:[a-z0-9-]+:\d{12}:function:)?[A-Za-z0-9_-]{1,64}$/.test(name))
    throw new InputError(
      `role writer function "${name}" is not a Lambda function name or ARN: set ${ENV.roleWriterFunction} or "roleWriterFunction" to the baseline's (ir-role-writer), or unset it to write role policies with your own credentials`,
    );
  return { roleWriterFunction: name };
}

/** The capture tool's pin: the config file's, its digest overridable by IR_CAPTURE_TOOL_SHA256. */
function captureToolOf(
  env: NodeJS.ProcessEnv,
  file: Partial<ResponderSettings>,
  sources: Record<string, SettingSource>,
): { captureTool?: CaptureToolPin } {
  const sha = env[ENV.captureToolSha256];
  if (sha !== undefined && sha !== "") {
    if (!/^[0-9a-f]{64}$/.test(sha))
      throw new InputError(
        `${ENV.captureToolSha256} "${sha}" is not a SHA-256: expected 64 lower-case hex digits (sha256sum of the capture tool)`,
      );
    sources.captureTool = "env";
    return { captureTool: { key: file.captureTool?.key ?? "avml/avml", sha256: sha } };
  }
  if (!file.captureTool) return {};
  sources.captureTool = "config";
  return { captureTool: file.captureTool };
}
