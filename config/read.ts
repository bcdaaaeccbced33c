/**
 * Reads and validates the baseline configuration. Every problem is collected (not just the first) and
 * reported in one error that names each key, the bad value and what is allowed, so `pulumi preview`
 * fails at once, before anything is declared.
 */

import { checkResponderMfa, type ResponderMfa } from "../components/responder-policy";
import type { GuardDutyFeature } from "./guardduty-features";
import { type ConfigKey, type KeySpec, SCHEMA } from "./schema";
import { parseVpcRef, subnetId, TOOL_PIN, vpcRef } from "./validators";

type Raw = (key: ConfigKey) => string | undefined;

export interface VpcRef {
  region: string;
  vpcId: string;
}

export interface BaselineConfig {
  homeRegion: string;
  /** All regions, home region first. */
  regions: string[];
  logRetentionDays: number;
  trailDataEvents: ("s3" | "lambda")[];
  trailInsights: boolean;
  logArchiveTransitionDays: number;
  logArchiveExpirationDays: number;
  logArchiveObjectLockDays: number;
  flowLogDestination: "s3" | "cloudwatch";
  flowLogVpcs: VpcRef[];
  guardDutyFeatures: GuardDutyFeature[];
  configRecorder: "create" | "existing";
  configDisabledRules: string[];
  approvedAmiIds: string[];
  securityHub: boolean;
  securityHubStandards: string[];
  detective: boolean;
  accessAnalyzer: boolean;
  alertEmails: string[];
  alertMinSeverity: number;
  autoContain: "off" | "approve" | "contain";
  autoContainMinSeverity: number;
  autoContainMemoryCapture: boolean;
  accountGuardrails: boolean;
  imdsDefaultHopLimit: number;
  forensicVpcCidr: string;
  forensicAzCount: number;
  forensicAmiPipeline: boolean;
  forensicAmiSchedule: string;
  /** Tool pins by tool name (from forensicToolPins). */
  forensicToolPins: Record<string, { version: string; sha256: string }>;
  evidenceRetentionDays: number;
  responderPrincipals: string[];
  responderMfa: ResponderMfa;
  analystPrincipals: string[];
  /** Other accounts whose analysts read evidence (cross-account Allows in the bucket and key policies). */
  analystAccountIds: string[];
  /** Role or user ARN, or "" for none (log archive retention bypass; configuration changes). */
  breakGlassPrincipal: string;
  workloadRoleArns: string[];
  protectedVpcs: VpcRef[];
  referenceWorkload: boolean;
  workloadName: string;
  workloadVpcId: string;
  workloadPublicSubnetIds: string[];
  workloadPrivateSubnetIds: string[];
  workloadCertificateArn: string;
}

export class ConfigError extends Error {
  constructor(
    readonly problems: string[],
    project: string,
  ) {
    super(
      `invalid configuration for project "${project}" (${problems.length} problem${problems.length > 1 ? "s" : ""}):\n` +
        problems.map((p) => `  - ${p}`).join("\n") +
        `\nfix with \`pulumi config set ${project}:<key> <value>\` (see the config table in README.md)`,
    );
    this.name = "ConfigError";
  }
}

function parseValue(key: string, spec: KeySpec, raw: string, problems: string[]): unknown {
  const bad = (what: string) => {
    problems.push(`${key}: ${JSON.stringify(raw)} is not ${what}`);
    return undefined;
  };
  switch (spec.type) {
    case "integer":
      return /^-?\d+$/.test(raw.trim()) ? Number(raw) : bad("a whole number");
    case "boolean":
      return raw === "true" ? true : raw === "false" ? false : bad("a boolean: expected true or false");
    case "array": {
      let parsed: unknown;
      try {
        parsed = JSON.parse(raw);
      } catch {
        return bad("a list: expected a YAML list of strings in the stack file, e.g. [a, b]");
      }
      if (!Array.isArray(parsed) || parsed.some((x) => typeof x !== "string"))
        return bad("a list of strings");
      return parsed;
    }
    default:
      if (spec.numeric)
        return Number.isFinite(Number(raw)) && raw.trim() !== "" ? Number(raw) : bad("a number");
      return raw;
  }
}

/** Reads every key through `raw` (undefined = unset), applies defaults and validates. */
export function readConfig(raw: Raw, project = "incident-ready"): BaselineConfig {
  const problems: string[] = [];
  const values: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(SCHEMA) as [ConfigKey, KeySpec][]) {
    const given = raw(key);
    const fq = `${project}:${key}`;
    let value: unknown =
      given === undefined
        ? spec.numeric
          ? Number(spec.default)
          : spec.default
        : parseValue(fq, spec, given, problems);
    if (value === undefined) continue;
    if (spec.check) {
      const items = Array.isArray(value) ? value : [value];
      for (const item of items) {
        const msg = spec.check(item);
        if (msg) problems.push(`${fq}: ${msg}`);
      }
      if (Array.isArray(value)) value = [...new Set(value)];
    }
    values[key] = value;
  }
  const c = values as Record<ConfigKey, any>;
  if (problems.length) throw new ConfigError(problems, project);

  // Cross-key rules.
  const regions: string[] = c.regions.length ? c.regions : [c.homeRegion];
  if (!regions.includes(c.homeRegion))
    problems.push(
      `${project}:regions: ${JSON.stringify(regions)} does not include the home region "${c.homeRegion}": add it, or change ${project}:homeRegion`,
    );
  const vpcs = (key: "flowLogVpcIds" | "protectedVpcIds"): VpcRef[] =>
    (c[key] as string[]).map((ref) => {
      const parsed = parseVpcRef(ref, c.homeRegion);
      if (!regions.includes(parsed.region))
        problems.push(
          `${project}:${key}: ${JSON.stringify(ref)} is in region "${parsed.region}", which is not in ${project}:regions (${regions.join(", ")}): add the region or fix the reference`,
        );
      return parsed;
    });
  const flowLogVpcs = vpcs("flowLogVpcIds");
  const protectedVpcs = vpcs("protectedVpcIds");
  if (
    c.workloadCertificateArn &&
    !/^arn:aws:acm:[a-z0-9-]+:\d{12}:certificate\/[\w-]+$/.test(c.workloadCertificateArn)
  )
    problems.push(
      `${project}:workloadCertificateArn: ${JSON.stringify(c.workloadCertificateArn)} is not an ACM certificate ARN: expected arn:aws:acm:<region>:<account>:certificate/<id>, or empty for HTTP with redirect`,
    );
  if (!/^(cron|rate)\(.+\)$/.test(c.forensicAmiSchedule))
    problems.push(
      `${project}:forensicAmiSchedule: ${JSON.stringify(c.forensicAmiSchedule)} is not a schedule expression: expected cron(...) as Image Builder takes it, e.g. "cron(0 4 ? * sun *)"`,
    );
  const pins = Object.fromEntries(
    (c.forensicToolPins as string[]).map((pin) => {
      const [, tool, version, sha256] = TOOL_PIN.exec(pin)!;
      return [tool, { version, sha256 }];
    }),
  );
  if (c.forensicAmiPipeline) {
    const missing = ["sleuthkit", "volatility3", "plaso"].filter((t) => !pins[t]);
    if (missing.length)
      problems.push(
        `${project}:forensicToolPins: ${JSON.stringify(c.forensicToolPins)} does not pin ${missing.join(", ")}: stage them in the tools bucket and pin them (see components/image-builder/README.md), or set ${project}:forensicAmiPipeline false`,
      );
  }
  try {
    checkResponderMfa(c.responderPrincipals, c.responderMfa);
  } catch (err) {
    problems.push(`${project}:responderMfa: ${(err as Error).message}`);
  }
  problems.push(...analystAccountProblems(project, c.analystPrincipals, c.analystAccountIds));
  // Other regions forward only findings that alert (AlertForwarding): a lower threshold would act on
  // home-region findings only, silently.
  if (c.autoContain !== "off" && c.autoContainMinSeverity < c.alertMinSeverity)
    problems.push(
      `${project}:autoContainMinSeverity: ${c.autoContainMinSeverity} is below ${project}:alertMinSeverity (${c.alertMinSeverity}): findings from other regions reach the home region only when they alert, so the function would never see them; raise autoContainMinSeverity or lower alertMinSeverity`,
    );
  if (c.referenceWorkload) {
    const vpcProblem = vpcRef(c.workloadVpcId);
    if (!c.workloadVpcId || c.workloadVpcId.includes(":") || vpcProblem)
      problems.push(
        `${project}:workloadVpcId: ${JSON.stringify(c.workloadVpcId)} is not a home-region VPC id: the reference workload needs one (vpc-...)`,
      );
    for (const key of ["workloadPublicSubnetIds", "workloadPrivateSubnetIds"] as const) {
      const ids = c[key] as string[];
      if (ids.length < 2)
        problems.push(
          `${project}:${key}: ${JSON.stringify(ids)} has fewer than 2 subnets: a load balancer needs two AZs`,
        );
      for (const id of ids) {
        const bad = subnetId(id);
        if (bad) problems.push(`${project}:${key}: ${bad}`);
      }
    }
  }
  if (problems.length) throw new ConfigError(problems, project);

  return {
    ...(c as unknown as BaselineConfig),
    forensicToolPins: pins,
    regions: [c.homeRegion, ...regions.filter((r) => r !== c.homeRegion)],
    flowLogVpcs,
    protectedVpcs,
  };
}

/**
 * analystAccountIds against analystPrincipals. The deploying account is not known here (only at
 * deployment, where EvidenceStore checks the rest), but two things are: a listed account with no analyst
 * in it grants nothing (a typo), and analysts of two or more unlisted accounts cannot all be in the
 * deploying one.
 */
function analystAccountProblems(project: string, analysts: string[], accounts: string[]): string[] {
  const problems: string[] = [];
  const accountOf = (arn: string) => /^arn:aws:(iam|sts)::(\d{12}):/.exec(arn)?.[2] ?? "";
  for (const a of accounts)
    if (!analysts.some((p) => accountOf(p) === a))
      problems.push(
        `${project}:analystAccountIds: account ${JSON.stringify(a)} has no principal in ${project}:analystPrincipals, so it admits nobody: add its analysts' roles to analystPrincipals, or remove it`,
      );
  const unlisted = [...new Set(analysts.map(accountOf).filter((a) => !accounts.includes(a)))];
  if (unlisted.length > 1)
    problems.push(
      `${project}:analystPrincipals: principals of accounts ${unlisted.join(", ")} are not in ${project}:analystAccountIds, and at most one of them can be the deploying account: list the other accounts in analystAccountIds to let their analysts read evidence across accounts`,
    );
  return problems;
}
