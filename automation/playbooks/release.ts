/** The release playbook: undo containment from the journal (the response of docs/architecture.md, in reverse where it matters). */

import type { CaseContext } from "../case/context";
import type { Step } from "../engine/types";
import {
  removeDenyStep,
  restoreAsgStep,
  restoreEipsStep,
  restoreGroupsStep,
  restoreProfileStep,
  restoreStopProtectionStep,
  restoreTargetsStep,
} from "../steps/release";
import { tagInstanceStep } from "../steps/tag-instance";

export function releasePlaybook(): Step<CaseContext>[] {
  return [
    restoreGroupsStep,
    restoreProfileStep,
    removeDenyStep,
    restoreEipsStep,
    restoreTargetsStep,
    restoreAsgStep,
    restoreStopProtectionStep,
    tagInstanceStep("released", [
      "restore-groups",
      "restore-profile",
      "remove-deny-policy",
      "restore-eips",
      "restore-targets",
      "restore-asg",
      "restore-stop-protection",
    ]),
  ];
}
