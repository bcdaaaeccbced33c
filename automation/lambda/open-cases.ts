/**
 * The function's journal, and whether an instance already has an open case (a responder, or an
 * earlier delivery, already acted): approve mode then asks nobody again. Reads only; changes nothing.
 */
import type { AwsClients } from "../aws/clients";
import { findCaseOfInstance, type Journals, openJournals } from "../journal/open";
import type { ResolvedSettings } from "../settings/settings";

/**
 * The home region's journal table for every case, whatever region the instance is in: the baseline
 * creates the table in the home region only, and the local fallback in Lambda's /tmp would not outlive
 * the container.
 */
export function homeJournals(homeClients: AwsClients, settings: ResolvedSettings): Journals {
  return openJournals(homeClients, settings);
}

/** The open case of an instance, if any. AWS errors propagate (a retry can fix them). */
export async function openCaseOf(journals: Journals, instanceId: string): Promise<string | undefined> {
  const found = await findCaseOfInstance(journals, instanceId);
  return found?.open ? found.caseId : undefined;
}
