/**
 * Small validators for baseline configuration values. Each returns an error message (lower-case, naming
 * the bad value and what is allowed) or undefined. The config reader prefixes the key name.
 */
import { COMMERCIAL_REGIONS } from "./regions";

export type Check<T> = (value: T) => string | undefined;

const show = (v: unknown) => JSON.stringify(v);

export const region: Check<string> = (v) => {
  if (COMMERCIAL_REGIONS.includes(v)) return undefined;
  if (/^(us-gov|cn|us-iso|eu-isoe?)-/.test(v))
    return `region ${show(v)} is in a partition this baseline does not support yet: use a commercial AWS region`;
  return `${show(v)} is not a known AWS region: expected one of ${COMMERCIAL_REGIONS.join(", ")}`;
};

/** CloudWatch Logs accepts only these retention periods (days). */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

export const logRetention: Check<number> = (v) =>
  LOG_RETENTION_DAYS.includes(v as (typeof LOG_RETENTION_DAYS)[number])
    ? undefined
    : `${v} is not a CloudWatch Logs retention period: expected one of ${LOG_RETENTION_DAYS.join(", ")} (days)`;

export const positiveDays =
  (max: number): Check<number> =>
  (v) =>
    Number.isInteger(v) && v >= 1 && v <= max
      ? undefined
      : `${v} is not allowed: expected whole days from 1 to ${max}`;

export const nonNegativeDays =
  (max: number): Check<number> =>
  (v) =>
    Number.isInteger(v) && v >= 0 && v <= max
      ? undefined
      : `${v} is not allowed: expected whole days from 0 (off) to ${max}`;

// Deliberately simple: SNS accepts any address with one @ and a dotted domain; typos are what we catch.
const EMAIL = /^[^\s@,;]+@[^\s@,;]+\.[A-Za-z]{2,}$/;
export const email: Check<string> = (v) =>
  EMAIL.test(v) ? undefined : `${show(v)} is not an email address: expected name@example.com`;

/** GuardDuty severities: low 1.0–3.9, medium 4.0–6.9, high 7.0–8.9. */
export const severity: Check<number> = (v) =>
  Number.isFinite(v) && v >= 1 && v <= 8.9
    ? undefined
    : `${v} is not a GuardDuty severity threshold: expected a number from 1 to 8.9 (4 = medium, 7 = high)`;

const VPC_ID = /^vpc-([0-9a-f]{8}|[0-9a-f]{17})$/;
/** A VPC reference: `vpc-0abc...` (home region) or `<region>:vpc-0abc...`. */
export const vpcRef: Check<string> = (v) => {
  const [maybeRegion, id] = v.includes(":") ? v.split(":", 2) : [undefined, v];
  if (maybeRegion !== undefined) {
    const bad = region(maybeRegion);
    if (bad) return `VPC reference ${show(v)} names an unknown region: ${bad}`;
  }
  return VPC_ID.test(id)
    ? undefined
    : `${show(v)} is not a VPC id: expected vpc- followed by 8 or 17 lower-case hex digits, optionally prefixed by a region ("eu-west-1:vpc-0abc12345678def01")`;
};

/** Splits a validated VPC reference into region (home region when omitted) and id. */
export function parseVpcRef(ref: string, homeRegion: string): { region: string; vpcId: string } {
  if (!ref.includes(":")) return { region: homeRegion, vpcId: ref };
  const [r, id] = ref.split(":", 2);
  return { region: r, vpcId: id };
}

const PRINCIPAL =
  /^arn:aws:(iam::\d{12}:(root|user\/[\w+=,.@/-]+|role\/[\w+=,.@/-]+)|sts::\d{12}:assumed-role\/[\w+=,.@/-]+)$/;
export const principalArn: Check<string> = (v) =>
  PRINCIPAL.test(v)
    ? undefined
    : `${show(v)} is not an IAM principal ARN: expected arn:aws:iam::<12-digit account>:role/<name>, :user/<name> or :root`;

/** A 12-digit AWS account id. */
export const accountId: Check<string> = (v) =>
  /^\d{12}$/.test(v) ? undefined : `${show(v)} is not an AWS account id: expected 12 digits`;

/**
 * A role or user ARN, or "" for none: what `aws:PrincipalArn` is for a role's sessions or a user (an
 * assumed-role session ARN never is, and a pattern would exempt more than one principal).
 */
export const breakGlassPrincipal: Check<string> = (v) =>
  v === "" || /^arn:aws:iam::\d{12}:(role|user)\/[\w+=,.@/-]+$/.test(v)
    ? undefined
    : `${show(v)} is not a role or user ARN: expected arn:aws:iam::<12-digit account>:role/<name> or :user/<name> (no wildcards, not an assumed-role session), or "" for none`;

const ROLE_ARN = /^arn:aws[\w-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/;
export const roleArn: Check<string> = (v) =>
  ROLE_ARN.test(v)
    ? undefined
    : `${show(v)} is not an IAM role ARN: expected arn:aws:iam::<12-digit account>:role/<name> (the role of the instance profile in the workload's launch template)`;

export const amiId: Check<string> = (v) =>
  /^ami-([0-9a-f]{8}|[0-9a-f]{17})$/.test(v)
    ? undefined
    : `${show(v)} is not an AMI id: expected ami- followed by 8 or 17 lower-case hex digits`;

export const oneOf =
  <T extends string>(allowed: readonly T[]): Check<string> =>
  (v) =>
    allowed.includes(v as T) ? undefined : `${show(v)} is not allowed: expected one of ${allowed.join(", ")}`;

export const cidr: Check<string> = (v) => {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(v);
  const ok = m?.slice(1, 5).every((o) => Number(o) <= 255) && Number(m[5]) >= 16 && Number(m[5]) <= 24;
  return ok
    ? undefined
    : `${show(v)} is not an IPv4 CIDR block from /16 to /24: expected e.g. "10.200.0.0/16"`;
};

export const integerRange =
  (min: number, max: number): Check<number> =>
  (v) =>
    Number.isInteger(v) && v >= min && v <= max
      ? undefined
      : `${v} is not allowed: expected a whole number from ${min} to ${max}`;

export const resourceName: Check<string> = (v) =>
  /^[a-z][a-z0-9-]{0,30}$/.test(v)
    ? undefined
    : `${show(v)} is not a valid name: expected lower-case letters, digits and hyphens, starting with a letter, at most 31 characters`;

/** A forensic tool pin: `<tool>=<version>@<sha256>`. */
export const TOOL_PIN = /^(avml|sleuthkit|volatility3|plaso)=([0-9A-Za-z.+_-]+)@([0-9a-f]{64})$/;
export const toolPin: Check<string> = (v) =>
  TOOL_PIN.test(v)
    ? undefined
    : `${show(v)} is not a tool pin: expected "<tool>=<version>@<64 hex sha256>" with tool one of avml, sleuthkit, volatility3, plaso`;

export const subnetId: Check<string> = (v) =>
  /^subnet-([0-9a-f]{8}|[0-9a-f]{17})$/.test(v)
    ? undefined
    : `${show(v)} is not a subnet id: expected subnet- followed by 8 or 17 lower-case hex digits`;
