/**
 * The recover playbook (the response, steps 11 and 12: docs/architecture.md): pick the known-good AMI, rebuild, replace what the
 * group runs from another image, gate on known-good health; beside them, verify the evidence; then, only
 * when both hold, terminate the compromised instance.
 */
import type { Step } from "../engine/types";
import type { RecoverContext } from "../recover/context";
import { evidenceStep } from "../recover/evidence-step";
import { healthStep } from "../recover/health-step";
import { rebuildStep } from "../recover/rebuild-step";
import { replaceStep } from "../recover/replace-step";
import { selectAmiStep } from "../recover/select-ami-step";
import { terminateStep } from "../recover/terminate-step";

export const RECOVER_STEPS = [
  "recover-select-ami",
  "recover-rebuild",
  "recover-replace",
  "recover-health",
  "recover-verify-evidence",
  "terminate",
];

export function recoverPlaybook(o: { healthTimeoutMs: number }): Step<RecoverContext>[] {
  return [
    selectAmiStep,
    rebuildStep,
    replaceStep(o.healthTimeoutMs),
    healthStep(o.healthTimeoutMs),
    evidenceStep,
    terminateStep,
  ];
}
