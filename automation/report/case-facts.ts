/**
 * What both human renderings (`report.md`, `report.html`) show about a case, in the same order: its
 * facts as label/value rows (a value left undefined is not shown) and the step count summary. Each
 * renderer escapes the values its own way.
 */
import type { CaseReport } from "./model";

export function caseFacts(r: CaseReport): [string, string | undefined][] {
  const c = r.case;
  return [
    ["state", c.state],
    ["opened", c.openedAt],
    ["region", c.region],
    ["account", c.accountId],
    ["operator", c.operator],
    [
      "source",
      c.source ? [c.source.kind, c.source.findingId, c.source.file].filter(Boolean).join(" ") : undefined,
    ],
    ["finding type", c.source?.type],
    ["severity", c.source?.severity?.toString()],
    [
      "finding seen",
      c.source?.firstSeen ? `${c.source.firstSeen} to ${c.source.lastSeen ?? "?"}` : undefined,
    ],
    ["finding title", c.source?.title],
    ["finding description", c.source?.description],
    ["name", c.instance?.name],
    ["instance type", c.instance?.instanceType],
    ["image", c.instance?.imageId],
    ["VPC", c.instance?.vpcId],
    ["Auto Scaling group", c.instance?.autoScalingGroup],
  ];
}

/** "3 verified, 1 failed": how many steps ended in each status ("" when there were none). */
export function stepCounts(r: CaseReport): string {
  return Object.entries(r.figures.counts.steps)
    .map(([s, n]) => `${n} ${s}`)
    .join(", ");
}
