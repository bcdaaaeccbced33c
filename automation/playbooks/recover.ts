/**
 * The recover playbook (GUIDE §3 steps 11 and 12): pick the known-good AMI, rebuild, gate on health;
 * beside them, verify the evidence; then, only when both hold, terminate the compromised instance.
 */
import type { Step } from "../engine/types";
import type { RecoverContext } from "../recover/context";
import { evidenceStep } from "../recover/evidence-step";
import { healthStep } from "../recover/health-step";
import { rebuildStep } from "../recover/rebuild-step";
import { selectAmiStep } from "../recover/select-ami-step";
import { terminateStep } from "../recover/terminate-step";

export const RECOVER_STEPS = [
  "recover-select-ami",
  "recover-rebuild",
  "recover-health",
  "recover-verify-evidence",
  "terminate",
];

export function recoverPlaybook(o: { healthTimeoutMs: number }): Step<RecoverContext>[] {
  return [selectAmiStep, rebuildStep, healthStep(o.healthTimeoutMs), evidenceStep, terminateStep];
}
