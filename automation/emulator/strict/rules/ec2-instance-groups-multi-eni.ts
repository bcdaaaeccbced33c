/**
 * Instance-level network attributes exist only while an instance has one network interface: with two
 * or more, ModifyInstanceAttribute with security groups (GroupId.N) or a source/destination check is
 * refused with InvalidInstanceID, "There are multiple interfaces attached to instance 'i-...'. Please
 * specify an interface ID for the operation instead." (met by Terraform, hashicorp/terraform#14299 and
 * #3205, and by NixOps, NixOS/nixops#951). The caller must change each ENI with
 * ModifyNetworkInterfaceAttribute. moto accepts the instance-level call and changes the instance.
 */
import { indexed, isEc2, motoInstance } from "../ec2-query";
import type { StrictRequest, StrictRule } from "../types";

/** An instance-level change of what belongs to a network interface. */
const touchesInterfaces = (req: StrictRequest): boolean =>
  indexed(req.params, "GroupId").length > 0 ||
  req.params["SourceDestCheck.Value"] !== undefined ||
  req.params.Attribute === "groupSet" ||
  req.params.Attribute === "sourceDestCheck";

export const ec2InstanceGroupsMultiEni: StrictRule = {
  id: "ec2-instance-groups-multi-eni",
  title:
    "ModifyInstanceAttribute with security groups or source/destination check on an instance with several network interfaces is refused with InvalidInstanceID",
  source: "https://github.com/hashicorp/terraform/pull/14299",
  matches: (req) => isEc2(req, "ModifyInstanceAttribute") && touchesInterfaces(req),
  async before(req, ctx) {
    const instanceId = req.params.InstanceId;
    if (!instanceId) return undefined;
    const enis = (await motoInstance(ctx, req, instanceId))?.NetworkInterfaces ?? [];
    if (enis.length < 2) return undefined;
    return {
      status: 400,
      code: "InvalidInstanceID",
      message: `There are multiple interfaces attached to instance '${instanceId}'. Please specify an interface ID for the operation instead.`,
    };
  },
};
