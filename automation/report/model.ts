/**
 * The case report's model: everything the three renderers show, built from the journal (and the
 * manifest) by `buildReport`. Strings are kept as AWS or the finding gave them (bounded in length);
 * the renderers escape them for their medium.
 */
import type { Json } from "../engine/types";

/** The phases of a case, in the order they happen (docs/architecture.md, "The response, in order"). */
export const PHASES = ["contain", "preserve", "investigate", "analyze", "recover", "terminate"] as const;
export type Phase = (typeof PHASES)[number];

/**
 * A step's last state in the journal: the engine's final states, plus "started" (a run stopped while
 * the step ran) and "ran" (it ran but its verification was never recorded).
 */
export type ReportStepStatus =
  | "verified"
  | "skipped"
  | "failed"
  | "unverified"
  | "blocked"
  | "refused"
  | "started"
  | "ran";

export interface ReportStep {
  id: string;
  phase: Phase | "release";
  status: ReportStepStatus;
  /** First journal entry of the step (its start, or the block/refusal). */
  startedAt: string;
  /** Last journal entry of the step. */
  endedAt: string;
  durationMs: number;
  /** Skip reason, verification detail or error message. */
  detail?: string;
  /** Attempts of the step's run that failed with a transient AWS error and were run again. */
  retries?: number;
  /** Times the engine re-applied the step's change after finding it undone by something else. */
  reapplied?: number;
}

/** What the engine did beyond one run, for the status column: "retried 2x, re-applied 1x". */
export function extraAttempts(s: Pick<ReportStep, "retries" | "reapplied">): string | undefined {
  const parts = [
    ...(s.retries ? [`retried ${s.retries}x`] : []),
    ...(s.reapplied ? [`re-applied ${s.reapplied}x`] : []),
  ];
  return parts.length > 0 ? parts.join(", ") : undefined;
}

/** "complete": every step verified or skipped; "incomplete": one failed, was blocked or refused. */
export type PhaseStatus = "complete" | "incomplete" | "in progress" | "not run";

export interface ReportPhase {
  phase: Phase;
  status: PhaseStatus;
  startedAt?: string;
  endedAt?: string;
  durationMs?: number;
  /** Ids of the steps of this phase that ran, in journal order. */
  steps: string[];
}

export interface Figure {
  /** Milliseconds from the case opening; null when the phase has not reached its end. */
  ms: number | null;
  /** "1.2 s", "3 min 12 s", or why there is no figure ("not reached: isolate failed"). */
  human: string;
  /** When it was reached (ISO-8601 UTC). */
  at?: string;
}

export interface EvidenceArtefact {
  name: string;
  key: string;
  sha256: string;
  size: number;
  versionId?: string;
  collectedAt?: string;
}

export interface ReportEvidence {
  /** Where the list comes from: the manifest in the bucket, or the journal's records when it is missing. */
  source: "manifest" | "journal";
  manifest?: { key: string; versionId?: string; sha256: string; writtenAt?: string; verified: boolean };
  /** Why the manifest is not the source, or what is wrong with it. */
  note?: string;
  snapshots: { snapshotId: string; volumeId: string }[];
  artefacts: EvidenceArtefact[];
  memory?: { status: string; reason?: string };
  tools: Record<string, string>;
}

export interface ReportAttackerAddress {
  address: string;
  scope: string;
  sources: string[];
  firstSeen?: string;
  lastSeen?: string;
  /** Events made with the role's credentials from this address (CloudTrail). */
  credentialEvents?: number;
  action?: string;
  contacts: string[];
}

export interface ReportChange {
  time: string;
  source: string;
  resource: string;
  summary: string;
  who?: string;
  sourceIp?: string;
  eventName?: string;
  errorCode?: string;
}

export interface ReportAnalysis {
  attackerIps?: {
    window?: { start: string; end: string };
    addresses: ReportAttackerAddress[];
    /** Addresses the analysis or this report left out. */
    omitted: number;
    domains: string[];
    warnings: string[];
    /** Each source of the analysis (cloudtrail, finding, flowLogs): done, or skipped/failed and why. */
    sources: { source: string; status: string; reason?: string }[];
  };
  changeHistory?: {
    window?: { start: string; end: string };
    entries: ReportChange[];
    omitted: number;
    gaps: string[];
  };
}

export interface ReportRecovery {
  /** The known-good image and why it was chosen (`recover-select-ami`). */
  ami?: { imageId: string; parameter?: string; version?: number; publishedAt?: string; reason?: string };
  health: { targetGroupArn: string; expected: number; healthy: number }[];
}

/** Where the case came from: the command line, or a finding (its own words included: attacker-shaped). */
export interface ReportSource {
  kind: string;
  file?: string;
  findingId?: string;
  type?: string;
  severity?: number;
  firstSeen?: string;
  lastSeen?: string;
  /** The finding's title and description (GuardDuty `title`/`description`, ASFF `Title`/`Description`). */
  title?: string;
  description?: string;
}

export interface CaseReport {
  schema: "ir-case-report/1";
  generatedAt: string;
  case: {
    caseId: string;
    instanceId: string;
    region: string;
    accountId?: string;
    operator?: string;
    openedAt: string;
    /** "open" (contained), "released" (`ir release` ran), "terminated" (the terminate step verified). */
    state: "open" | "released" | "terminated";
    source?: ReportSource;
    options: Json;
    /** From the discover step: what the instance was when the case opened. */
    instance?: {
      name?: string;
      instanceType?: string;
      imageId?: string;
      vpcId?: string;
      launchTime?: string;
      autoScalingGroup?: string;
      tags: { key: string; value: string }[];
    };
  };
  journal: { entries: number; chainOk: boolean; problem?: string; head?: string };
  phases: ReportPhase[];
  steps: ReportStep[];
  figures: {
    timeToContain: Figure;
    timeToEvidence: Figure;
    timeToRecover: Figure;
    counts: {
      artefacts: number;
      snapshots: number;
      steps: Partial<Record<ReportStepStatus, number>>;
    };
  };
  evidence: ReportEvidence;
  analysis: ReportAnalysis;
  recovery?: ReportRecovery;
}
