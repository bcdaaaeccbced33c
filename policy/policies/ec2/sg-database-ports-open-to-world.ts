import { resourcePolicy } from "../../lib/define";
import { SG_TYPES } from "../../lib/network";
import { checkWorldPorts, type PortSettings, parsePorts, portSettingsSchema } from "../../lib/open-ports";
import { DEFAULT_DATABASE_PORTS } from "../../lib/ports";

/** Databases and caches reachable from the internet: ransom-wiped MongoDB/Redis/Elasticsearch are a classic. */
export const sgDatabasePortsOpenToWorld = resourcePolicy<PortSettings>({
  name: "sg-database-ports-open-to-world",
  description:
    "Security group rules must not open database and cache ports (MySQL, PostgreSQL, SQL Server, MongoDB, Redis, Elasticsearch, Memcached...) to 0.0.0.0/0 or ::/0: exposed data stores are scanned, dumped and ransomed automatically.",
  severity: "high",
  remediationSteps:
    "Allow the port only from the application's security group (referencedSecurityGroupId / sourceSecurityGroupId) or a private CIDR.",
  configRule: "restricted-common-ports",
  resourceTypes: [SG_TYPES.group, SG_TYPES.defaultGroup, SG_TYPES.rule, SG_TYPES.ingressRule],
  settings: portSettingsSchema(
    DEFAULT_DATABASE_PORTS,
    "Database and cache ports that must not be open to the world",
  ),
  parse: parsePorts(DEFAULT_DATABASE_PORTS),
  check: (r, s, report) =>
    checkWorldPorts(
      r,
      s.ports,
      report,
      "Allow it only from the application's security group or a private CIDR.",
    ),
});
