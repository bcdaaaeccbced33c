/**
 * Argument validation shared by the forensic-readiness components and the config layer. Every
 * function throws an `Error` whose message is lower-case, names the bad value and says what is
 * allowed (docs/architecture.md, conventions), and returns the value when it is valid so calls can be chained.
 *
 * The functions only check plain values: a component validates an argument when it is given as a
 * plain value and skips the check when it is an unresolved `Output` (config values are plain).
 */

const show = (value: unknown) => JSON.stringify(value) ?? String(value);

/** `vpc-` followed by 8 or 17 lower-case hex digits. */
export function validateVpcId(value: string, what = "vpc id"): string {
  if (typeof value !== "string" || !/^vpc-([0-9a-f]{8}|[0-9a-f]{17})$/.test(value))
    throw new Error(`${what} ${show(value)} is not valid: expected vpc- followed by 8 or 17 hex digits`);
  return value;
}

/** `subnet-` followed by 8 or 17 lower-case hex digits. */
export function validateSubnetId(value: string, what = "subnet id"): string {
  if (typeof value !== "string" || !/^subnet-([0-9a-f]{8}|[0-9a-f]{17})$/.test(value))
    throw new Error(`${what} ${show(value)} is not valid: expected subnet- followed by 8 or 17 hex digits`);
  return value;
}

/** `ami-` followed by 8 or 17 lower-case hex digits. */
export function validateAmiId(value: string, what = "ami id"): string {
  if (typeof value !== "string" || !/^ami-([0-9a-f]{8}|[0-9a-f]{17})$/.test(value))
    throw new Error(`${what} ${show(value)} is not valid: expected ami- followed by 8 or 17 hex digits`);
  return value;
}

/** A whole number of days between 1 and 36500 (100 years, the S3 Object Lock maximum). */
export function validateRetentionDays(value: number, what = "evidence retention days"): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > 36500)
    throw new Error(`${what} ${show(value)} is not valid: expected a whole number of days from 1 to 36500`);
  return value;
}

/** A 12-digit AWS account id. */
export function validateAccountId(value: string, what = "account id"): string {
  if (typeof value !== "string" || !/^\d{12}$/.test(value))
    throw new Error(`${what} ${show(value)} is not valid: expected 12 digits`);
  return value;
}

const PRINCIPAL =
  /^arn:aws(-cn|-us-gov)?:(iam::\d{12}:(root|user\/[\w+=,.@\-/]+|role\/[\w+=,.@\-/]+)|sts::\d{12}:assumed-role\/[\w+=,.@-]+\/[\w+=,.@-]+)$/;
const PRINCIPAL_PATTERN =
  /^arn:aws(-cn|-us-gov)?:(iam::\d{12}:(root|user\/[\w+=,.@\-/*?]+|role\/[\w+=,.@\-/*?]+)|sts::\d{12}:assumed-role\/[\w+=,.@\-*?]+\/[\w+=,.@\-*?]+)$/;

/**
 * An IAM principal ARN: `arn:aws:iam::<account>:root`, `...:user/<path/name>`, `...:role/<path/name>`
 * or `arn:aws:sts::<account>:assumed-role/<role>/<session>`. With `allowWildcards`, `*` and `?` are
 * accepted in the name (for `aws:PrincipalArn` conditions, e.g. IAM Identity Center roles).
 */
export function validatePrincipalArn(
  value: string,
  options: { allowWildcards?: boolean; what?: string } = {},
): string {
  const what = options.what ?? "principal arn";
  const re = options.allowWildcards ? PRINCIPAL_PATTERN : PRINCIPAL;
  if (typeof value !== "string" || !re.test(value))
    throw new Error(
      `${what} ${show(value)} is not valid: expected arn:aws:iam::<12-digit account>:root, ` +
        `arn:aws:iam::<account>:user/<name>, arn:aws:iam::<account>:role/<name> or ` +
        `arn:aws:sts::<account>:assumed-role/<role>/<session>` +
        (options.allowWildcards ? " (* and ? allowed in names)" : " (no wildcards)"),
    );
  return value;
}

/** An IPv4 CIDR block with a prefix between `min` and `max` (VPC limits: /16 to /28). */
export function validateCidr(value: string, what = "cidr block", min = 16, max = 28): string {
  const m =
    typeof value === "string" ? /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(value) : null;
  const ok =
    !!m && m.slice(1, 5).every((o) => Number(o) <= 255) && Number(m[5]) >= min && Number(m[5]) <= max;
  if (!ok)
    throw new Error(
      `${what} ${show(value)} is not valid: expected an ipv4 cidr such as 10.0.0.0/16 with a prefix from /${min} to /${max}`,
    );
  return value;
}

/** Lower-case SHA-256 hex digest (64 characters). */
export function validateSha256(value: string, what = "sha-256"): string {
  if (typeof value !== "string" || !/^[0-9a-f]{64}$/.test(value))
    throw new Error(`${what} ${show(value)} is not valid: expected 64 lower-case hex characters`);
  return value;
}

/** Semantic version `x.y.z` (Image Builder component and recipe versions). */
export function validateSemver(value: string, what = "version"): string {
  if (typeof value !== "string" || !/^\d+\.\d+\.\d+$/.test(value))
    throw new Error(`${what} ${show(value)} is not valid: expected a semantic version such as 1.0.0`);
  return value;
}

/** Workload name used in `/ir/known-good-ami/<workload>`: lower-case letters, digits and `-`, 1–63 chars. */
export function validateWorkloadName(value: string, what = "workload name"): string {
  if (typeof value !== "string" || !/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(value))
    throw new Error(
      `${what} ${show(value)} is not valid: expected 1 to 63 lower-case letters, digits or -, not starting or ending with -`,
    );
  return value;
}

/** At least `min` availability zones (or subnets). */
export function validateAzCount(value: number, what = "availability zone count", min = 2, max = 6): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max)
    throw new Error(`${what} ${show(value)} is not valid: expected a whole number from ${min} to ${max}`);
  return value;
}

/** An EventBridge / Image Builder schedule: `cron(...)` with six fields, or `rate(...)`. */
export function validateScheduleExpression(value: string, what = "schedule expression"): string {
  const ok =
    typeof value === "string" &&
    (/^cron\((\S+\s+){5}\S+\)$/.test(value) ||
      /^rate\(\d+ (minute|minutes|hour|hours|day|days)\)$/.test(value));
  if (!ok)
    throw new Error(
      `${what} ${show(value)} is not valid: expected cron(<min> <hour> <day> <month> <weekday> <year>) or rate(<n> <unit>)`,
    );
  return value;
}

/** A KMS key ARN (not an alias, not a key id: IAM policies and grants need the key ARN). */
export function validateKmsKeyArn(value: string, what = "kms key arn"): string {
  if (typeof value !== "string" || !/^arn:aws(-cn|-us-gov)?:kms:[a-z0-9-]+:\d{12}:key\/[\w-]+$/.test(value))
    throw new Error(
      `${what} ${show(value)} is not valid: expected arn:aws:kms:<region>:<account>:key/<key-id>`,
    );
  return value;
}

/** Runs `check` on a value when it is known at construction time (a plain value, not an Output). */
export function checkIfPlain<T>(value: unknown, check: (v: T) => unknown): void {
  if (value === undefined || value === null) return;
  if (
    typeof value === "object" &&
    !Array.isArray(value) &&
    typeof (value as { apply?: unknown }).apply === "function"
  )
    return;
  if (value instanceof Promise) return;
  if (Array.isArray(value)) {
    for (const v of value) checkIfPlain(v, check);
    return;
  }
  check(value as T);
}
