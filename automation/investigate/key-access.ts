/**
 * Before any copy is made: can EBS, in the responder's name, read each case snapshot's key and encrypt
 * under the incident key? A key that certainly cannot be used (disabled, pending deletion, gone, or a
 * key policy that does not admit the responder) is named with what to do, the key-policy statements to
 * add (or the grant) among them, and nothing is created: on AWS the refusal would come later, as a copy
 * in `error` (docs/investigate.md).
 */
import { DescribeSnapshotsCommand } from "@aws-sdk/client-ec2";
import { DescribeKeyCommand, GetKeyPolicyCommand, type KeyMetadata } from "@aws-sdk/client-kms";
import { EBS_COPY_SOURCE_KMS_ACTIONS, EBS_KMS_ACTIONS } from "../../facts/responder-actions";
import type { AwsClients } from "../aws/clients";
import { errorName } from "../aws/errors";
import type { CaseSnapshot } from "./context";
import { grantCommand, type KeyUser, refusedByKeyPolicy, statementsToAdd } from "./key-policy";

export interface KeyProblem {
  keyArn: string;
  /** The case snapshots it stops (all of them for the incident key). */
  snapshotIds: string[];
  /** What is wrong, naming the key. */
  reason: string;
  /** What to do about it. */
  fix: string;
  /** The statements to add to the key's policy, and the grant that would do instead (one line each). */
  notes: string[];
}

const DENIED = /AccessDenied/;

/** What to do about a key that is not Enabled (the copy cannot read or write under it). */
const STATE_FIX: Record<string, string> = {
  Disabled: "enable it (aws kms enable-key --key-id <key>)",
  PendingDeletion:
    "cancel its deletion and enable it (aws kms cancel-key-deletion, then aws kms enable-key): once deleted, every snapshot under it is unreadable for good",
  PendingReplicaDeletion:
    "cancel its deletion and enable it (aws kms cancel-key-deletion, aws kms enable-key)",
  PendingImport: "import its key material (aws kms import-key-material)",
};

function refusedProblem(
  keyArn: string,
  ids: string[],
  who: KeyUser,
  actions: readonly string[],
  why: string,
) {
  return {
    keyArn,
    snapshotIds: ids,
    reason: `key ${keyArn} does not let ${who.principalArn} use it through EC2 (${why})`,
    fix: "add the key-policy statements in the notes to the key's policy (or create the grant there)",
    // One line each: the CLI prints a note on one line, clipped at 500 characters.
    notes: [
      ...statementsToAdd(who, actions).map((s) => `key policy statement for ${keyArn}: ${JSON.stringify(s)}`),
      `or, for the EC2 use, a grant: ${grantCommand(keyArn, who, actions)}`,
    ],
  } satisfies KeyProblem;
}

/** One key: undefined when EBS can use it for the responder, as far as can be told before the copy. */
async function inspectKey(
  clients: AwsClients,
  keyId: string,
  ids: string[],
  actions: readonly string[],
  who: KeyUser,
): Promise<KeyProblem | undefined> {
  let meta: KeyMetadata | undefined;
  try {
    meta = (await clients.kms.send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata;
  } catch (err) {
    if (DENIED.test(errorName(err)))
      return refusedProblem(
        keyId,
        ids,
        who,
        actions,
        "kms:DescribeKey refused: its policy does not admit it",
      );
    if (errorName(err) !== "NotFoundException") throw err;
    return {
      keyArn: keyId,
      snapshotIds: ids,
      reason: `key ${keyId} does not exist`,
      fix: "no one can read a snapshot whose key is deleted; the snapshots cannot be investigated",
      notes: [],
    };
  }
  const arn = meta?.Arn ?? keyId;
  // aws/ebs and the like: their own policy admits every principal of the account through EC2.
  if (meta?.KeyManager === "AWS") return undefined;
  if (meta?.KeyState && meta.KeyState !== "Enabled")
    return {
      keyArn: arn,
      snapshotIds: ids,
      reason: `key ${arn} is ${meta.KeyState}`,
      fix: (STATE_FIX[meta.KeyState] ?? "make it Enabled again").replace("<key>", arn),
      notes: [],
    };
  let policy: unknown;
  try {
    const text = (await clients.kms.send(new GetKeyPolicyCommand({ KeyId: arn, PolicyName: "default" })))
      .Policy;
    policy = text ? JSON.parse(text) : undefined;
  } catch (err) {
    // Unreadable: EBS decides; a refusal then shows as the copy in error (the copy step names the key).
    if (DENIED.test(errorName(err))) return undefined;
    throw err;
  }
  const refused = policy === undefined ? [] : refusedByKeyPolicy(policy, actions, who);
  return refused.length > 0
    ? refusedProblem(arn, ids, who, actions, `${refused.join(", ")} not allowed by its key policy`)
    : undefined;
}

/** The Region of a key ARN (undefined for a bare key id or alias: the request's Region then). */
const regionOf = (key: string) => (key.startsWith("arn:") ? key.split(":")[3] : undefined);

/**
 * Every key problem that stops copying `snapshots` (the case snapshots without a copy yet) under
 * `incidentKeyArn`, for the responder `who`; [] when the copies can go ahead.
 */
export async function keyProblems(
  clients: AwsClients,
  incidentKeyArn: string,
  snapshots: CaseSnapshot[],
  who: KeyUser,
): Promise<KeyProblem[]> {
  if (snapshots.length === 0) return [];
  const all = snapshots.map((s) => s.snapshotId);
  const keyRegion = regionOf(incidentKeyArn);
  if (keyRegion && keyRegion !== clients.region)
    return [
      {
        keyArn: incidentKeyArn,
        snapshotIds: all,
        reason: `incident key ${incidentKeyArn} is in ${keyRegion}, the case snapshots in ${clients.region}`,
        fix: `a snapshot is copied only under a key of its own Region: set evidenceKmsKeyArn to a key in ${clients.region}`,
        notes: [],
      },
    ];
  const found = (await clients.ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: all }))).Snapshots ?? [];
  const bySourceKey = new Map<string, string[]>();
  for (const s of found)
    if (s.Encrypted && s.KmsKeyId && s.KmsKeyId !== incidentKeyArn)
      bySourceKey.set(s.KmsKeyId, [...(bySourceKey.get(s.KmsKeyId) ?? []), s.SnapshotId!]);
  const checks = [
    inspectKey(clients, incidentKeyArn, all, EBS_KMS_ACTIONS, who),
    ...[...bySourceKey].map(([key, ids]) => inspectKey(clients, key, ids, EBS_COPY_SOURCE_KMS_ACTIONS, who)),
  ];
  return (await Promise.all(checks)).filter((p): p is KeyProblem => p !== undefined);
}

/** One message for them all: which snapshots, which key, what is wrong, what to do. */
export function keyProblemMessage(caseId: string, problems: KeyProblem[]): string {
  const parts = problems.map((p) => `snapshot ${p.snapshotIds.join(", ")}: ${p.reason}: ${p.fix}`);
  return `case ${caseId} cannot be investigated yet, nothing was changed: ${parts.join("; ")}; then run \`ir investigate ${caseId}\` again`;
}
