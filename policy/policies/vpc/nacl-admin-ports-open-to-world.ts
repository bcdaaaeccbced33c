import { resourcePolicy } from "../../lib/define";
import { NACL_TYPES } from "../../lib/network";
import { checkWorldPorts, type PortSettings, parsePorts, portSettingsSchema } from "../../lib/open-ports";

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
