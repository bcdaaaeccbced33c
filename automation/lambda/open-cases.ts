/**
 * Whether an instance already has an open case (a responder, or an earlier delivery, already acted):
 * approve mode then asks nobody again. Reads the journal only; changes nothing.
 */
import type { AwsClients } from "../aws/clients";
import type { Target } from "../input/targets";
import { findCaseOfInstance, openJournals } from "../journal/open";
import type { ResolvedSettings } from "../settings/settings";

/** The open case of the target's instance, if any. AWS errors propagate (a retry can fix them). */
export async function openCaseOf(
  clients: AwsClients,
  settings: ResolvedSettings,
  target: Target,
): Promise<string | undefined> {
  const region = target.region ?? settings.region;
  const found = await findCaseOfInstance(
    openJournals(clients.forRegion(region), { ...settings, region }),
    target.instanceId,
  );
  return found?.open ? found.caseId : undefined;
}
