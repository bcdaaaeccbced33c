import { COMPUTE, launchSpecs, SPOT_FLEET } from "../../lib/compute";
import { resourcePolicy } from "../../lib/define";
import { isUnknown } from "../../lib/unknown";
import { bool, list, type Props } from "../../lib/values";

const EIP = "aws:ec2/eip:Eip";
const EIP_ASSOCIATION = "aws:ec2/eipAssociation:EipAssociation";

/** A public address makes every open port and every unpatched service reachable from the internet. */
export const ec2NoPublicIp = resourcePolicy({
  name: "ec2-no-public-ip",
  description:
    "Instances must not get a public IPv4 address (directly, through a launch template or configuration, or through an Elastic IP attached to an instance): a public address turns every open port and unpatched service into an internet-facing one.",
  severity: "high",
  remediationSteps:
    "Put instances in private subnets behind a load balancer or NAT gateway and set associatePublicIpAddress: false. Exempt genuine edge hosts with a tag that gives the reason.",
  configRule: "ec2-instance-no-public-ip",
  resourceTypes: [
    SPOT_FLEET,
    COMPUTE.instance,
    COMPUTE.spot,
    COMPUTE.launchTemplate,
    COMPUTE.launchConfiguration,
    EIP,
    EIP_ASSOCIATION,
  ],
  check: (r, _s, report) => {
    if (r.type === EIP || r.type === EIP_ASSOCIATION) {
      const keys = r.type === EIP ? ["instance", "networkInterface"] : ["instanceId", "networkInterfaceId"];
      for (const key of keys) {
        const target = r.props[key];
        if (target === undefined || target === null || target === "") continue;
        // The attachment is declared even when the target id is only known after apply.
        const what = isUnknown(target) ? "a resource created in this update" : String(target);
        report.violation(
          `${key} attaches an Elastic IP (a public address) to ${what}. Serve traffic through a load balancer or NAT gateway instead.`,
        );
      }
      return;
    }
    if (r.type === COMPUTE.launchTemplate) {
      const nics = list(r.props.networkInterfaces);
      if (!nics.known) return report.undetermined("networkInterfaces");
      nics.value?.forEach((n, i) => {
        const v = bool(isUnknown(n) ? n : (n as Props | undefined)?.associatePublicIpAddress);
        if (!v.known) report.undetermined(`networkInterfaces[${i}].associatePublicIpAddress`);
        else if (v.value === true)
          report.violation(
            `networkInterfaces[${i}].associatePublicIpAddress is "true": every instance launched from the template gets a public IP.`,
          );
      });
      return;
    }
    const specs = launchSpecs(r);
    if (specs === "unknown") return report.undetermined("launchSpecifications");
    for (const { at, props } of specs) {
      const v = bool(props.associatePublicIpAddress);
      if (!v.known) report.undetermined(`${at}associatePublicIpAddress`);
      else if (v.value === true)
        report.violation(
          `${at}associatePublicIpAddress is true: the instance gets a public IPv4 address. Set it to false and use a private subnet.`,
        );
    }
  },
});
