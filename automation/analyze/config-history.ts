/**
 * AWS Config's recorded history of one resource within the window, paginated, plus the last item
 * before the window so the first change in it can be shown as a difference and not a full document.
 */
import {
  type ConfigServiceClient,
  type ConfigurationItem,
  GetResourceConfigHistoryCommand,
  ListDiscoveredResourcesCommand,
  type ResourceType,
} from "@aws-sdk/client-config-service";
import type { IncidentWindow } from "./subject";

export interface HistoryPage {
  items: ConfigurationItem[];
  baseline?: ConfigurationItem;
  truncated: boolean;
}

export async function configHistory(
  config: ConfigServiceClient,
  resourceType: string,
  resourceId: string,
  window: IncidentWindow,
  maxPages = 20,
): Promise<HistoryPage> {
  const type = resourceType as ResourceType;
  const before = await config.send(
    new GetResourceConfigHistoryCommand({
      resourceType: type,
      resourceId,
      laterTime: window.start,
      chronologicalOrder: "Reverse",
      limit: 1,
    }),
  );
  const items: ConfigurationItem[] = [];
  let token: string | undefined;
  let pages = 0;
  do {
    const page = await config.send(
      new GetResourceConfigHistoryCommand({
        resourceType: type,
        resourceId,
        earlierTime: window.start,
        laterTime: window.end,
        chronologicalOrder: "Forward",
        limit: 100,
        ...(token ? { nextToken: token } : {}),
      }),
    );
    pages++;
    items.push(...(page.configurationItems ?? []));
    token = page.nextToken;
  } while (token && pages < maxPages);
  const baseline = before.configurationItems?.[0];
  // earlierTime is inclusive: the baseline item can come back in the window too.
  const fresh = baseline
    ? items.filter((i) => i.configurationStateId !== baseline.configurationStateId)
    : items;
  return { items: fresh, ...(baseline ? { baseline } : {}), truncated: !!token };
}

/** Config keys an IAM role by its role id (AROA...), not its name: find it from the name. */
export async function roleResourceId(
  config: ConfigServiceClient,
  roleName: string,
): Promise<string | undefined> {
  const res = await config.send(
    new ListDiscoveredResourcesCommand({
      resourceType: "AWS::IAM::Role",
      resourceName: roleName,
      includeDeletedResources: true,
    }),
  );
  return res.resourceIdentifiers?.find((r) => r.resourceName === roleName)?.resourceId;
}
