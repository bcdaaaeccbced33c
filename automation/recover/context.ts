/** What the recover playbook's steps share: the contained case's records plus the recovery request. */

import type { CaseContext } from "../case/context";
import type { Journals } from "../journal/open";
import type { WorkloadStacks } from "./pulumi-workload";

export interface PulumiTarget {
  workDir: string;
  stackName: string;
  amiConfigKey: string;
  stacks: WorkloadStacks;
  onOutput?: (line: string) => void;
}

/** Health of one target group at the gate (also the shape of RecoverResult.health). */
export interface TargetGroupHealth {
  targetGroupArn: string;
  /** Known-good targets the gate waits for (measured before the rebuild). */
  expected: number;
  /** Healthy targets whose instance runs the selected AMI (the compromised instance's never count). */
  healthy: number;
  /** Targets that did not count and why ("i-0abc healthy on ami-old, not ami-new"), at most ten. */
  notCounted?: string[];
}

export interface RecoverOptions {
  via: "asg" | "pulumi";
  /** Known-good AMI SSM parameter. */
  parameter: string;
  /** Start of the compromise: only AMI versions published before it qualify. */
  before: Date;
  /** Where `before` came from (for the report): "--before", "finding first seen", "case opened". */
  beforeSource: string;
  /** Explicit AMI (--ami): still checked to exist and not to be the compromised one. */
  ami?: string;
  allowAmi: boolean;
  pulumi?: PulumiTarget;
  healthTimeoutMs: number;
  healthIntervalMs: number;
  terminate: "yes" | "ask" | "no";
  confirm?: (question: string) => Promise<boolean>;
  journals: Journals;
}

/** Mutable state of this run that the result reads (not journaled). */
export interface RecoverState {
  /** Set when AMI selection refused on the merits (bad input: nothing changed). */
  selectionRefused?: string;
  /** Last health counts seen (also when the gate timed out). */
  health?: TargetGroupHealth[];
  /** The operator answered no at the termination prompt. */
  declined?: boolean;
  terminated?: boolean;
}

export interface RecoverContext extends CaseContext {
  recover: RecoverOptions;
  state: RecoverState;
}

/** The AMI the select step chose (its record). */
export interface SelectedAmi {
  imageId: string;
  parameter: string;
  /** Parameter version; 0 when the operator named an AMI outside the parameter's history. */
  version: number;
  publishedAt: string;
  reason: string;
  before: string;
  beforeSource: string;
  compromisedAmi: string | null;
  /** Versions published at or after the compromise began (ignored). */
  ignoredAfter: { imageId: string; version: number; publishedAt: string }[];
  /** Versions whose AMI no longer exists (skipped). */
  missing: { imageId: string; version: number }[];
  /**
   * When the selected AMI was (or will be) deprecated, null when it is not. Deprecation only hides an
   * image from DescribeImages listings; it still launches, so it stays a candidate.
   */
  deprecatedAt?: string | null;
}

export function selectedAmi(ctx: RecoverContext): SelectedAmi {
  const s = ctx.records.get("recover-select-ami") as unknown as SelectedAmi | undefined;
  if (!s) throw new Error("no AMI was selected: the recover-select-ami step did not run");
  return s;
}

/** The compromised instance's Auto Scaling group, as containment recorded it. */
export function recordedGroup(ctx: RecoverContext): string | undefined {
  const asg = ctx.records.get("asg-out-of-service") as { group?: string } | undefined;
  return asg?.group ?? (ctx.records.get("discover") as { asg?: { name?: string } } | undefined)?.asg?.name;
}

/** Whether containment detached with a decrement (no replacement was launched then). */
export function recordedDecrement(ctx: RecoverContext): boolean {
  return Boolean(
    (ctx.records.get("asg-out-of-service") as { decremented?: boolean } | undefined)?.decremented,
  );
}
