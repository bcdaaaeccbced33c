import { resourcePolicy } from "../../lib/define";
import { NACL_TYPES, SG_TYPES } from "../../lib/network";
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

/** Network ACL entries allowing administration ports from anywhere (CIS 5.1). */
export const naclAdminPortsOpenToWorld = resourcePolicy<PortSettings>({
  name: "nacl-admin-ports-open-to-world",
  description:
    "Network ACLs must not allow remote administration ports (SSH, RDP...) from 0.0.0.0/0 or ::/0: the subnet-level filter is the backstop when a security group is too open.",
  severity: "high",
  remediationSteps:
    "Replace the allow entry with one that names a known source CIDR, or add a lower-numbered deny entry for the administration ports.",
  cis: ["5.1"],
  configRule: "nacl-no-unrestricted-ssh-rdp",
  resourceTypes: [NACL_TYPES.acl, NACL_TYPES.defaultAcl, NACL_TYPES.rule],
  settings: portSettingsSchema([22, 3389], "Administration ports that must not be allowed from the world"),
  parse: parsePorts([22, 3389]),
  check: (r, s, report) => checkWorldPorts(r, s.ports, report, "Allow only a known source CIDR."),
});
