/** The case header's sections: where the case came from, and what the instance was when it opened. */
import type { Json } from "../engine/types";
import type { CaseReport, ReportSource } from "./model";
import { defined, MAX_ROWS, num, obj, str } from "./read-json";
import { bound } from "./text";

/**
 * The case's source, summarised: the header keeps the whole finding for `ir analyze`, the report shows
 * what identifies it and what it says (its title and description, which an attacker can shape).
 */
export function sourceSection(source: Json | undefined): ReportSource | undefined {
  const s = obj(source);
  if (!s) return undefined;
  const f = obj(s.finding);
  return defined({
    kind: str(s.kind, 40) ?? "unknown",
    file: str(s.file, 500),
    findingId: str(s.findingId, 300),
    type: str(s.type, 300),
    severity: num(s.severity),
    firstSeen: str(s.firstSeen, 100),
    lastSeen: str(s.lastSeen, 100),
    title: str(f?.title ?? f?.Title, 500),
    description: str(f?.description ?? f?.Description),
  });
}

export function instanceSection(discover: Json | undefined): CaseReport["case"]["instance"] {
  const d = obj(discover);
  if (!d) return undefined;
  const tags = Object.entries(obj(d.tags) ?? {}).map(([key, value]) => ({
    key: bound(key, 300),
    value: str(value) ?? "",
  }));
  return defined({
    name: str(obj(d.tags)?.Name),
    instanceType: str(d.instanceType),
    imageId: str(d.imageId),
    vpcId: str(d.vpcId),
    launchTime: str(d.launchTime),
    autoScalingGroup: str(obj(d.asg)?.name),
    tags: tags.slice(0, MAX_ROWS.tags),
  });
}
