import { resourcePolicy } from "../../lib/define";
import { checkWorldEgress, EGRESS_TYPES } from "../../lib/egress";
import { invalidCidrNote } from "../../lib/network";

/** All-protocol egress to the internet: the first thing malware and exfiltration rely on. */
export const sgEgressAllToWorld = resourcePolicy({
  name: "sg-egress-all-to-world",
  description:
    'Security groups should not allow all protocols and ports (IpProtocol "-1") out to 0.0.0.0/0 or ::/0: a compromised host can then reach any command-and-control server, mining pool or exfiltration endpoint, on any port, and a responder has no egress choke point to close.',
  severity: "low",
  enforcementLevel: "advisory",
  remediationSteps:
    "Allow only the outbound protocols, ports and destinations the workload needs (e.g. TCP 443 to a prefix list or VPC endpoints); send general internet egress through a proxy or NAT with logging. Groups that must be open (the baseline's untrack group) carry an exemption tag with the reason.",
  resourceTypes: EGRESS_TYPES,
  check: (r, _s, report) =>
    checkWorldEgress(r.type, r.props, {
      open: (path, cidr) =>
        report.violation(
          `${path || "rule"} allows all protocols and ports out to ${cidr}. Allow only the outbound ports and destinations the workload needs.`,
        ),
      undetermined: (path) => report.undetermined(path),
      invalid: (path, cidr) => report.note(invalidCidrNote(path, cidr)),
    }),
});
