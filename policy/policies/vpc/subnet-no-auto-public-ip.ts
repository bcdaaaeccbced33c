import { resourcePolicy } from "../../lib/define";
import { bool } from "../../lib/values";

const SUBNET = "aws:ec2/subnet:Subnet";
const DEFAULT_SUBNET = "aws:ec2/defaultSubnet:DefaultSubnet";

/** Subnets that hand out public addresses make every instance launched into them internet-facing. */
export const subnetNoAutoPublicIp = resourcePolicy({
  name: "subnet-no-auto-public-ip",
  description:
    "Subnets must not assign public IPv4 addresses (or, unless intended, IPv6 addresses) on launch: every instance launched there, including ones nobody reviewed, becomes reachable from the internet.",
  severity: "medium",
  remediationSteps:
    "Set mapPublicIpOnLaunch: false (default subnets default to true: declare it explicitly). Public subnets should hold only load balancers and NAT gateways; exempt them with a tag giving the reason.",
  configRule: "subnet-auto-assign-public-ip-disabled",
  resourceTypes: [SUBNET, DEFAULT_SUBNET],
  check: (r, _s, report) => {
    const v4 = bool(r.props.mapPublicIpOnLaunch);
    if (!v4.known) report.undetermined("mapPublicIpOnLaunch");
    else if (v4.value === true || (r.type === DEFAULT_SUBNET && v4.value === undefined))
      report.violation(
        `mapPublicIpOnLaunch is ${v4.value === undefined ? "not set (a default subnet assigns public IPs)" : "true"}: every instance launched here gets a public IPv4 address. Set it to false.`,
      );
    const v6 = bool(r.props.assignIpv6AddressOnCreation);
    if (!v6.known) report.undetermined("assignIpv6AddressOnCreation");
    else if (v6.value === true)
      report.violation(
        "assignIpv6AddressOnCreation is true: every instance gets a globally routable IPv6 address. Set it to false, or route IPv6 through an egress-only internet gateway and exempt the subnet.",
      );
  },
});
