import { resourcePolicy } from "../../lib/define";
import { forEachWorldIngress, invalidCidrNote, SG_TYPES } from "../../lib/network";

/** Every port open to the internet: any service started on the host, now or later, is exposed. */
export const sgAllTrafficOpenToWorld = resourcePolicy({
  name: "sg-all-traffic-open-to-world",
  description:
    "Security group rules must not allow all protocols, or every TCP/UDP port, from 0.0.0.0/0 or ::/0: any service the host runs, now or after a compromise, becomes reachable from the internet.",
  severity: "critical",
  remediationSteps: "Open only the ports the workload serves (e.g. 443), to the sources that need them.",
  configRule: "vpc-sg-open-only-to-authorized-ports",
  resourceTypes: [SG_TYPES.group, SG_TYPES.defaultGroup, SG_TYPES.rule, SG_TYPES.ingressRule],
  check: (r, _s, report) =>
    forEachWorldIngress(
      r.type,
      r.props,
      (_ing, protocol, from, to, cidr, path) => {
        if (protocol === "all")
          report.violation(
            `${path || "rule"} allows all protocols and ports from ${cidr}. Open only the ports the workload serves.`,
          );
        else if (protocol !== "other" && from <= 1 && to >= 65535)
          report.violation(
            `${path || "rule"} allows every ${protocol} port (${from}-${to}) from ${cidr}. Open only the ports the workload serves.`,
          );
      },
      (path) => report.undetermined(path),
      (path, cidr) => report.note(invalidCidrNote(path, cidr)),
    ),
});
