/** The investigate playbooks: copy the evidence and set up the forensic workstation, and tear it down (`--stop`). */
import type { Step } from "../engine/types";
import type { InvestigateContext, MountTiming } from "./context";
import { copyStep } from "./copy";
import { amiStep, launchStep } from "./launch";
import { mountStep } from "./mount";
import { stopInstanceStep, stopVolumesStep, type TeardownContext } from "./teardown";
import { attachStep, volumesStep } from "./volumes";

export function investigatePlaybook(timing: MountTiming): Step<InvestigateContext>[] {
  return [copyStep, amiStep, launchStep, volumesStep, attachStep, mountStep(timing)];
}

export function stopPlaybook(): Step<TeardownContext>[] {
  return [stopInstanceStep, stopVolumesStep];
}
