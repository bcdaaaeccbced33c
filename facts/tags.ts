/**
 * Tag keys shared by the baseline, the responder and the policy pack. Defined once so that the
 * resources the baseline creates, the resources the responder looks up and the exemptions the policy
 * pack honours can never disagree about a key's spelling.
 */
export const TAG = {
  /** The incident case a resource belongs to (snapshots, volumes, workstations, deny policies...). */
  caseId: "ir:case-id",
  /** The engine step that created a resource: with the case id, the idempotency key for lookups. */
  step: "ir:step",
  /** Status of a contained instance: "contained", "released"... */
  status: "ir:status",
  /** What an incident-response resource is for: see ROLE_TAG_VALUES. */
  role: "ir:role",
  /** The VPC an isolation group serves (so the responder finds it without guessing names). */
  vpc: "ir:vpc",
  /** Marks a resource created by this project (baseline or responder). */
  managedBy: "ir:managed-by",
  /** The responder (caller identity ARN) who owns a forensic workstation. */
  owner: "ir:owner",
  /** ISO-8601 UTC time after which a forensic workstation is reported as expired. */
  expiresAt: "ir:expires-at",
  /** Workload name on a workload's resources (recovery finds its ASG and known-good AMI parameter). */
  workload: "ir:workload",
  /**
   * Policy-pack exemption: `ir:policy-exempt:<policy-name>` = "<reason>". The reason is mandatory;
   * an empty value is reported as a violation with a message explaining it.
   */
  policyExemptPrefix: "ir:policy-exempt:",
} as const;

/** Values of the `ir:role` tag. */
export const ROLE_TAG_VALUES = {
  untrackGroup: "untrack",
  isolationGroup: "isolation",
  forensicEgressGroup: "forensic-egress",
  denyAllProfile: "deny-all-profile",
  evidenceBucket: "evidence",
  toolsBucket: "tools",
  journalTable: "journal",
  forensicWorkstation: "forensic-workstation",
  evidenceSnapshot: "evidence-snapshot",
  evidenceVolume: "evidence-volume",
} as const;

/** Value of the `ir:managed-by` tag. */
export const MANAGED_BY = "ec2-incident-ready";
