/**
 * A report full of attacker-controlled strings: in the instance's tags (discover record), the finding
 * (case source), a step's error, the operator, and the analysis records (user agents, finding
 * descriptions, CloudTrail principals, Config gaps).
 */
import type { Json } from "../../automation/engine/types";
import { buildReport } from "../../automation/report/build";
import type { CaseReport } from "../../automation/report/model";
import { containedCase, extend, HOSTILE, laterPhases, reseal } from "./fixture";

export function hostileReport(): CaseReport {
  const base = containedCase();
  const tags: Record<string, string> = {
    Name: HOSTILE.script,
    owner: HOSTILE.img,
    note: HOSTILE.svg,
    color: HOSTILE.ansi,
    file: HOSTILE.bidi,
    table: HOSTILE.markdown,
    blob: HOSTILE.long,
  };
  const entries = base.entries.map((e) =>
    e.stepId === "discover" && e.event === "ran"
      ? {
          ...e,
          data: {
            ...(e.data as { record: Record<string, Json> }),
            record: { ...(e.data as { record: Record<string, Json> }).record, tags },
          },
        }
      : e,
  );
  const meta = {
    ...base.meta,
    operator: `arn:aws:sts::123456789012:assumed-role/${HOSTILE.svg}`,
    source: {
      kind: "guardduty",
      findingId: HOSTILE.script,
      type: HOSTILE.markdown,
      file: HOSTILE.long,
      // The finding as the header keeps it: its title and description are the attacker's to shape.
      finding: {
        id: "f-1",
        title: HOSTILE.svg,
        description: `${HOSTILE.img} ${HOSTILE.ansi} ${HOSTILE.long}`,
      },
    },
  };
  const withLater = extend({ ...base, meta, entries: reseal(entries) }, [
    ...laterPhases({ hostile: true }),
    ["investigate-mount", "started", 9_000_000],
    ["investigate-mount", "failed", 9_001_000, { phase: "run", error: `${HOSTILE.ansi} ${HOSTILE.img}` }],
  ]);
  return buildReport({
    meta,
    entries: withLater,
    manifest: base.manifest,
    generatedAt: "2026-11-29T00:00:00.000Z",
  });
}
