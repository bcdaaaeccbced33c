import { COMPUTE } from "../../lib/compute";
import { resourcePolicy } from "../../lib/define";
import { isUnknown } from "../../lib/unknown";
import { num, obj } from "../../lib/values";

interface Settings {
  maxHopLimit: number;
}

/** A hop limit above 1 lets containers (or anything one hop away) reach IMDS and the role's credentials. */
export const imdsHopLimit = resourcePolicy<Settings>({
  name: "imds-hop-limit",
  description:
    "The metadata service's response hop limit must be 1 (or the configured maximum): a higher limit lets containers and forwarded traffic on the host reach IMDS and take the instance role's credentials.",
  severity: "medium",
  remediationSteps:
    "Set metadataOptions.httpPutResponseHopLimit to 1. If containers on the host genuinely need IMDS, set maxHopLimit to 2 for this policy, or exempt the resource with a reason.",
  configRule: "ec2-token-hop-limit-check",
  resourceTypes: [
    COMPUTE.instance,
    COMPUTE.spot,
    COMPUTE.launchTemplate,
    COMPUTE.launchConfiguration,
    COMPUTE.metadataDefaults,
  ],
  settings: {
    maxHopLimit: {
      type: "integer",
      minimum: 1,
      maximum: 64,
      default: 1,
      description: "Highest hop limit allowed.",
    },
  },
  parse: (r) => ({ maxHopLimit: r.integer("maxHopLimit", 1, 1, 64) }),
  check: (r, s, report) => {
    const path =
      r.type === COMPUTE.metadataDefaults
        ? "httpPutResponseHopLimit"
        : "metadataOptions.httpPutResponseHopLimit";
    const mo =
      r.type === COMPUTE.metadataDefaults
        ? { known: true as const, value: r.props }
        : obj(r.props.metadataOptions);
    if (!mo.known) return report.undetermined("metadataOptions");
    if (!mo.value) return;
    if (mo.value.httpEndpoint === "disabled") return;
    const hops = num(mo.value.httpPutResponseHopLimit);
    if (!hops.known) return report.undetermined(path);
    if (hops.value !== undefined && hops.value > s.maxHopLimit && isUnknown(mo.value.httpEndpoint))
      return report.undetermined("metadataOptions.httpEndpoint");
    if (hops.value !== undefined && hops.value > s.maxHopLimit)
      report.violation(
        `${path} is ${hops.value}; at most ${s.maxHopLimit} is allowed, so that only the instance itself can reach IMDS.`,
      );
  },
});
