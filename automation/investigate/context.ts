/**
 * What the investigate steps share: the case, its snapshots, where the workstation goes (resolved
 * before anything changes) and who owns it until when.
 */
import type { AwsClients } from "../aws/clients";
import type { EngineContext } from "../engine/runner";
import type { ResolvedSettings } from "../settings/settings";
import type { KeyUser } from "./key-policy";

/** One evidence snapshot of the case (the `snapshot` step's record). */
export interface CaseSnapshot {
  snapshotId: string;
  volumeId: string;
}

/** Where the workstation is launched, all checked before the first change. */
export interface Placement {
  /** SSM parameter the AMI id came from, and the AMI id it holds. */
  amiParameter: string;
  imageId: string;
  vpcId: string;
  subnetId: string;
  /** The AZ of the case's volumes: volumes made from the snapshots are created there. */
  availabilityZone: string;
  securityGroupId: string;
  /** Name of the SSM-only instance profile (never the compromised instance's). */
  instanceProfile: string;
}

/** Bounds of the mount over SSM (the agent of a new instance needs a minute or two to register). */
export interface MountTiming {
  /** Upper bound for registration plus the command. @default 600000 */
  timeoutMs: number;
  /** Between two GetCommandInvocation polls (and SendCommand retries). @default 5000 */
  pollMs: number;
}

export interface InvestigateContext extends EngineContext {
  clients: AwsClients;
  settings: ResolvedSettings;
  /** The compromised instance the case is about (not the workstation). */
  instanceId: string;
  snapshots: CaseSnapshot[];
  placement: Placement;
  /** `ir:owner` of a new workstation: the caller identity ARN unless given. */
  owner: string;
  /** `ir:expires-at` of a new workstation (ISO-8601 UTC). */
  expiresAt: string;
  instanceType: string;
  mount: MountTiming;
  /** Identifies this run in client tokens: a retried call is idempotent, a later run is a new request. */
  runId: string;
  /**
   * The key the case snapshots are copied under before volumes are made of them (the baseline's
   * evidence key, `evidenceKmsKeyArn`). @default none: volumes from the case snapshots themselves
   */
  incidentKeyArn?: string;
  /** The responder as KMS sees it (messages name it in the key-policy statement to add). */
  who: KeyUser;
}

/** Records the steps journal (the report, `--stop` and `ir status` read them back). */
export interface LaunchRecord {
  instanceId: string;
  reused: boolean;
  availabilityZone: string;
  owner: string;
  expiresAt: string;
}

/** The evidence copies: each case snapshot and its copy under the incident key. */
export interface CopyRecord {
  copies: { snapshotId: string; copyId: string; kmsKeyId: string }[];
}

export interface VolumeRecord {
  /** `snapshotId`: the case snapshot; `fromSnapshotId`: what the volume was made from (it, or its copy). */
  volumes: { volumeId: string; snapshotId: string; fromSnapshotId: string }[];
}

export interface AttachRecord {
  volumes: { volumeId: string; snapshotId: string; fromSnapshotId?: string; device: string }[];
}

export interface MountRecord {
  commandId: string;
  status: string;
  /** Parsed `volume=... status=...` lines of the script (empty when the output is unavailable). */
  results: { volumeId: string; status: string; mount?: string; reason?: string }[];
}

/** Where the mount script mounts each volume (`mountReadOnlyScript`'s default root). */
export const MOUNT_ROOT = "/mnt/evidence";

/** A step's record, typed (the engine stores records as JSON). */
export const recordOf = <T>(ctx: EngineContext, stepId: string) =>
  ctx.records.get(stepId) as unknown as T | undefined;
