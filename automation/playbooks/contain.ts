/**
 * The response playbook, in the order of docs/architecture.md, "The response, in order". Steps start as soon as the steps they come after have run,
 * so the critical path with the baseline's groups in place is four round trips:
 *   1. lock + DescribeInstances / DescribeAutoScalingInstances / profile / EIPs / load balancers
 *   2. CreateSnapshots | DescribeTargetHealth, GetInstanceProfile, group check | journal of the original state
 *   3. ASG protection + detach | deregister | untrack ENIs | deny policy | profile swap | protection
 *   4. (after the dwell) isolation group on every ENI | EIPs off
 * Preservation (metadata, memory, manifest) runs beside and after it, never in its way.
 */

import type { CaseContext } from "../case/context";
import type { Discovery } from "../case/discovery";
import type { Step } from "../engine/types";
import { asgStep } from "../steps/asg";
import { AsgWriter } from "../steps/asg-writer";
import { closeEgressStep } from "../steps/close-egress";
import { type CollectLogsOptions, collectLogsStep } from "../steps/collect-logs";
import { DenyAllProfileResolver, denyAllProfileStep } from "../steps/deny-all-profile";
import { discoverStep } from "../steps/discover";
import { eipStep } from "../steps/eip";
import { elbStep } from "../steps/elb";
import { evidenceBucketStep } from "../steps/evidence-bucket";
import { foldDeniesStep } from "../steps/fold-denies";
import { isolateStep } from "../steps/isolate";
import { IsolationGroupResolver, isolationGroupsStep } from "../steps/isolation-groups";
import { manifestStep } from "../steps/manifest";
import { DEFAULT_MEMORY, type MemoryOptions, memoryStep } from "../steps/memory";
import { metadataAfterStep, metadataBeforeStep } from "../steps/metadata";
import { protectStep } from "../steps/protect";
import { resolveStep } from "../steps/resolve";
import { revokeStep } from "../steps/revoke";
import { snapshotStep } from "../steps/snapshot";
import { ssmCheckStep } from "../steps/ssm-check";
import { DEFAULT_SSM_REACH, type SsmReachOptions, ssmReachStep } from "../steps/ssm-reach";
import { swapProfileStep } from "../steps/swap-profile";
import { tagInstanceStep } from "../steps/tag-instance";
import { untrackStep } from "../steps/untrack";
import { UntrackWindow } from "../steps/untrack-window";

/** Per-run shared lookups (one per region): many cases, one read or create each. */
export interface PlaybookDeps {
  discovery: Discovery;
  groups: IsolationGroupResolver;
  denyAll: DenyAllProfileResolver;
  /** One writer per Auto Scaling group for the whole response (batched, no self-contention). */
  asg: AsgWriter;
  /** How many ENIs of the response may sit in the untrack group at once (untrack-window.ts). */
  untrackWindow: UntrackWindow;
  memory?: MemoryOptions;
  collectLogs?: CollectLogsOptions;
  /** The agent's reach probe before memory and logs. @default DEFAULT_SSM_REACH */
  ssmReach?: SsmReachOptions;
}

export function sharedDeps(
  discovery: Discovery,
  memory?: MemoryOptions,
  collectLogs?: CollectLogsOptions,
  ssmReach?: SsmReachOptions,
): PlaybookDeps {
  return {
    discovery,
    groups: new IsolationGroupResolver(),
    denyAll: new DenyAllProfileResolver(),
    asg: new AsgWriter(),
    untrackWindow: new UntrackWindow(),
    ...(memory ? { memory } : {}),
    ...(collectLogs ? { collectLogs } : {}),
    ...(ssmReach ? { ssmReach } : {}),
  };
}

export function containPlaybook(deps: PlaybookDeps): Step<CaseContext>[] {
  return [
    discoverStep,
    snapshotStep,
    resolveStep(deps.discovery),
    isolationGroupsStep(deps.groups),
    denyAllProfileStep(deps.denyAll),
    ssmCheckStep,
    evidenceBucketStep,
    asgStep(deps.asg),
    elbStep,
    untrackStep(deps.untrackWindow),
    revokeStep,
    swapProfileStep,
    protectStep,
    isolateStep(deps.untrackWindow),
    eipStep,
    tagInstanceStep("contained", ["isolate"]),
    foldDeniesStep,
    metadataBeforeStep,
    metadataAfterStep,
    ssmReachStep(deps.ssmReach ?? DEFAULT_SSM_REACH),
    memoryStep(deps.memory ?? DEFAULT_MEMORY),
    collectLogsStep(deps.collectLogs),
    // The host uploads its logs through the forensic egress too: close it once both are done.
    { ...closeEgressStep, after: [...(closeEgressStep.after ?? []), "ssm-reach", "collect-logs"] },
    manifestStep,
  ];
}

/** Steps whose effect is containment (time to containment ends when the last of them ran). */
export const CONTAINMENT_STEPS = [
  "asg-out-of-service",
  "elb-deregister",
  "untrack",
  "isolate",
  "revoke-credentials",
  "swap-profile",
  "disassociate-eips",
];
