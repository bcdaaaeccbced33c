/**
 * The forensic settings `ir investigate` needs, checked up front: a missing or malformed one is named
 * with the flag, the environment variable and the config field that provide it.
 */
import { SSM } from "../../facts/names";
import { InputError } from "../input/targets";
import type { ForensicSettings, ResolvedSettings } from "../settings/settings";

export interface ForensicTarget {
  vpcId?: string;
  subnetIds: string[];
  workstationSecurityGroupId: string;
  workstationInstanceProfile: string;
  amiParameter: string;
}

const WHERE =
  "(`pulumi stack output responderSettings --json > ir.config.json` writes it from the baseline; `ir bootstrap --forensic` creates a minimal forensic VPC and prints the settings)";

const SOURCES: Record<string, { flag: string; env: string }> = {
  vpcId: { flag: "--forensic-vpc", env: "IR_FORENSIC_VPC" },
  subnetIds: { flag: "--forensic-subnet", env: "IR_FORENSIC_SUBNETS" },
  workstationSecurityGroupId: { flag: "--forensic-security-group", env: "IR_FORENSIC_SECURITY_GROUP" },
  workstationInstanceProfile: { flag: "--forensic-profile", env: "IR_FORENSIC_PROFILE" },
  amiParameter: { flag: "--forensic-ami-parameter", env: "IR_FORENSIC_AMI_PARAMETER" },
};

const hint = (field: string) => {
  const s = SOURCES[field]!;
  return `pass ${s.flag}, set ${s.env} or put forensic.${field} in the config file ${WHERE}`;
};

const FORMATS: Record<string, [RegExp, string]> = {
  vpcId: [/^vpc-(?:[0-9a-f]{8}|[0-9a-f]{17})$/, "vpc- followed by 8 or 17 hex digits"],
  subnetIds: [/^subnet-(?:[0-9a-f]{8}|[0-9a-f]{17})$/, "subnet- followed by 8 or 17 hex digits"],
  workstationSecurityGroupId: [/^sg-(?:[0-9a-f]{8}|[0-9a-f]{17})$/, "sg- followed by 8 or 17 hex digits"],
  workstationInstanceProfile: [/^[\w+=,.@-]{1,128}$/, "an instance profile name (not an ARN)"],
  amiParameter: [/^[\w./-]{1,2048}$/, "an SSM parameter name such as /ir/forensic-ami"],
};

function checkFormat(field: string, value: string): void {
  const [pattern, expected] = FORMATS[field]!;
  if (!pattern.test(value)) {
    throw new InputError(
      `forensic setting ${field} "${value}" is not valid: expected ${expected}; ${hint(field)}`,
    );
  }
}

/** The forensic settings, complete and well formed, or an InputError naming the first problem. */
export function requireForensic(settings: ResolvedSettings): ForensicTarget {
  const f: Partial<ForensicSettings> = settings.forensic ?? {};
  for (const field of ["subnetIds", "workstationSecurityGroupId", "workstationInstanceProfile"] as const) {
    const v = f[field];
    if (v === undefined || v === "" || (Array.isArray(v) && v.length === 0)) {
      throw new InputError(`forensic setting ${field} is missing: ${hint(field)}`);
    }
  }
  for (const id of f.subnetIds!) checkFormat("subnetIds", id);
  checkFormat("workstationSecurityGroupId", f.workstationSecurityGroupId!);
  checkFormat("workstationInstanceProfile", f.workstationInstanceProfile!);
  const amiParameter = f.amiParameter ?? SSM.forensicAmi;
  checkFormat("amiParameter", amiParameter);
  if (f.vpcId) checkFormat("vpcId", f.vpcId);
  return {
    ...(f.vpcId ? { vpcId: f.vpcId } : {}),
    subnetIds: [...new Set(f.subnetIds!)],
    workstationSecurityGroupId: f.workstationSecurityGroupId!,
    workstationInstanceProfile: f.workstationInstanceProfile!,
    amiParameter,
  };
}
