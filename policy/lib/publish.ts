/**
 * How a rule's findings reach the engine: violations at the policy's level, notes as advisory
 * diagnostics, exemptions as advisory notes that name the policy and the reason, and violations on
 * resources whose tags are unknown during preview downgraded to notes.
 */
import type { ReportViolation } from "@pulumi/policy";
import type { Reporter, RuleResource } from "./define";
import { describeExemption, type Exemption, missingReasonMessage } from "./exemptions";

/** Reports an advisory diagnostic (the object form of reportViolation, supported at runtime). */
function advisory(report: ReportViolation, message: string, urn?: string) {
  (report as unknown as (d: object) => void)({ message, urn, enforcementLevel: "advisory" });
}

export interface Outcome {
  violations: string[];
  notes: string[];
  undetermined: string[];
}

/** Applies an exemption to an outcome and reports it. Shared by resource and stack rules. */
export function publish(
  policy: string,
  resource: RuleResource,
  exemption: Exemption,
  outcome: Outcome,
  report: ReportViolation,
  urn?: string,
) {
  const { violations, notes, undetermined } = outcome;
  if (exemption.kind === "tag-without-reason")
    report(missingReasonMessage(exemption.tagKey, resource.name), urn);
  if (exemption.kind === "tag" || exemption.kind === "config") {
    const head = `"${resource.name}" is exempted from ${policy} by ${describeExemption(exemption)} (reason: "${exemption.reason}")`;
    advisory(
      report,
      violations.length
        ? `${head}; without it the policy would report: ${violations.join(" | ")}`
        : `${head}; it complies anyway, so the exemption may no longer be needed`,
      urn,
    );
    return;
  }
  if (exemption.kind === "tags-unknown") {
    for (const v of violations)
      advisory(
        report,
        `${v} (not enforced during preview: the tags, and so any exemption, are not known yet)`,
        urn,
      );
  } else for (const v of violations) report(v, urn);
  for (const n of notes) advisory(report, n, urn);
  if (!violations.length && undetermined.length)
    advisory(
      report,
      `"${resource.name}" could not be fully checked during preview: ${[...new Set(undetermined)].join(", ")} ` +
        "not known until the update runs (the policy checks it again then)",
      urn,
    );
}

export function collector(): [Outcome, Reporter] {
  const outcome: Outcome = { violations: [], notes: [], undetermined: [] };
  return [
    outcome,
    {
      violation: (m) => outcome.violations.push(m),
      note: (m) => outcome.notes.push(m),
      undetermined: (p) => outcome.undetermined.push(p),
    },
  ];
}
