/**
 * Names shared by the baseline, the responder and the policy pack: resource names, SSM parameter
 * names and the journal's key schema. Everything the responder looks up by name is named here.
 */

/** Prefix of every physical name this project creates. */
export const NAME_PREFIX = "ir";

/** Security groups the baseline pre-creates in each protected VPC (and the responder creates if missing). */
export const isolationGroupNames = (vpcId: string) => ({
  /** All traffic in and out, IPv4 and IPv6: moving an ENI here makes its existing flows untracked. */
  untrack: `${NAME_PREFIX}-untrack-${vpcId}`,
  /** No rules at all: the final state of a contained ENI. */
  isolation: `${NAME_PREFIX}-isolation-${vpcId}`,
  /** Outbound HTTPS only to S3 and SSM endpoints: lets a memory capture leave an isolated host. */
  forensicEgress: `${NAME_PREFIX}-forensic-egress-${vpcId}`,
});

/** Instance profile (and its role) with an explicit deny of everything: swapped onto a contained instance. */
export const DENY_ALL_PROFILE_NAME = `${NAME_PREFIX}-deny-all`;

/** Role the responders and the auto-containment function assume. */
export const RESPONDER_ROLE_NAME = `${NAME_PREFIX}-responder`;

/** Name of the inline deny policy the responder puts on a compromised instance's role. */
export const revokePolicyName = (caseId: string) => `${NAME_PREFIX}-revoke-${caseId}`;

/** DynamoDB case journal. */
export const JOURNAL_TABLE_NAME = `${NAME_PREFIX}-case-journal`;
/** Key schema of the journal table (both string attributes). */
export const JOURNAL_KEYS = { partition: "pk", sort: "sk" } as const;

/** Default evidence bucket name: globally unique thanks to the account id and region. */
export const evidenceBucketName = (accountId: string, region: string) =>
  `${NAME_PREFIX}-evidence-${accountId}-${region}`;
/** Default tools bucket (pinned capture binaries) name. */
export const toolsBucketName = (accountId: string, region: string) =>
  `${NAME_PREFIX}-tools-${accountId}-${region}`;

/** Object Lock settings of the evidence bucket: compliance mode cannot be shortened, even by root. */
export const EVIDENCE_LOCK_MODE = "COMPLIANCE";
export const DEFAULT_EVIDENCE_RETENTION_DAYS = 365;

/** SSM parameters. */
export const SSM = {
  /** Root of the known-good AMI convention: one String parameter per workload, each version an AMI id. */
  knownGoodAmiRoot: "/ir/known-good-ami",
  /** Newest forensic workstation AMI, published by the forensic image pipeline. */
  forensicAmi: "/ir/forensic-ami",
  /** Responder settings published by the baseline (bucket, table, VPC ids...), read by `ir` as defaults. */
  responderConfig: "/ir/responder-config",
} as const;

/** Known-good AMI parameter of a workload: `/ir/known-good-ami/<workload>`. */
export const knownGoodAmiParameter = (workload: string) => `${SSM.knownGoodAmiRoot}/${workload}`;

/** The role writer function and its execution role: the only writers of a role's inline policies. */
export const ROLE_WRITER_FUNCTION_NAME = `${NAME_PREFIX}-role-writer`;
