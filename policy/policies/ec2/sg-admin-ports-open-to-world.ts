import { resourcePolicy } from "../../lib/define";
import { SG_TYPES } from "../../lib/network";
import { checkWorldPorts, type PortSettings, parsePorts, portSettingsSchema } from "../../lib/open-ports";
import { DEFAULT_ADMIN_PORTS } from "../../lib/ports";

/** Remote administration ports (SSH, RDP, WinRM...) open to 0.0.0.0/0 or ::/0: the first door attackers try. */
export const sgAdminPortsOpenToWorld = resourcePolicy<PortSettings>({
  name: "sg-admin-ports-open-to-world",
  description:
    "Security group rules must not open remote administration ports (SSH, RDP, WinRM, Docker, kubelet...) to 0.0.0.0/0 or ::/0: internet-wide scanners find and brute-force them within minutes.",
  severity: "critical",
  remediationSteps:
    "Remove the rule, or restrict the source to a known CIDR or security group. Prefer Session Manager (no inbound port at all) or EC2 Instance Connect Endpoint for administration.",
  cis: ["5.2", "5.3"],
  configRule: "restricted-ssh",
  resourceTypes: [SG_TYPES.group, SG_TYPES.defaultGroup, SG_TYPES.rule, SG_TYPES.ingressRule],
  settings: portSettingsSchema(
    DEFAULT_ADMIN_PORTS,
    "Administration ports that must not be open to the world",
  ),
  parse: parsePorts(DEFAULT_ADMIN_PORTS),
  check: (r, s, report) =>
    checkWorldPorts(
      r,
      s.ports,
      report,
      "Restrict the source, or use Session Manager instead of an open port.",
    ),
});
