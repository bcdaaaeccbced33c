import { TAG } from "../../../facts/tags";
import { RULES, resourcePolicy } from "../../lib/define";
import { isUnknown } from "../../lib/unknown";
import { obj } from "../../lib/values";

function closest(name: string): string | undefined {
  const words = new Set(name.split("-"));
  let best: [string, number] | undefined;
  for (const candidate of RULES.keys()) {
    const score = candidate.split("-").filter((w) => words.has(w)).length;
    if (score > 0 && (!best || score > best[1])) best = [candidate, score];
  }
  return best?.[0];
}

/** An exemption tag that names no policy (a typo) exempts nothing and misleads the reader. */
export const exemptionTagsValid = resourcePolicy({
  name: "exemption-tags-valid",
  description: `Exemption tags (${TAG.policyExemptPrefix}<policy-name>) must name a policy of this pack that applies to the resource and carry a reason: a misspelt tag exempts nothing, yet tells reviewers the risk was accepted.`,
  severity: "low",
  enforcementLevel: "advisory",
  remediationSteps: `Use ${TAG.policyExemptPrefix}<policy-name> with a policy name from policy/README.md, and a value that says why the exemption is acceptable.`,
  resourceTypes: ["*"],
  check: (r, _s, report) => {
    const tags = obj(r.props.tags);
    if (!tags.known || !tags.value) return;
    for (const [key, value] of Object.entries(tags.value)) {
      if (!key.startsWith(TAG.policyExemptPrefix)) continue;
      const policy = key.slice(TAG.policyExemptPrefix.length);
      const rule = RULES.get(policy);
      if (!rule) {
        const hint = closest(policy);
        report.violation(
          `tag "${key}" names no policy of this pack${hint ? ` (did you mean "${hint}"?)` : ""}, so it exempts nothing.`,
        );
        continue;
      }
      if (!rule.resourceTypes.includes("*") && !rule.resourceTypes.includes(r.type)) {
        report.violation(`tag "${key}" has no effect: ${policy} does not check ${r.type}.`);
        if (!isUnknown(value) && (typeof value !== "string" || value.trim() === ""))
          report.violation(
            `tag "${key}" also has an empty reason: an exemption must say why it is acceptable.`,
          );
      }
    }
  },
});
