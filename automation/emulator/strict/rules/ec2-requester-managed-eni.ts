/**
 * Requester-managed network interfaces: ENIs an AWS service creates in your VPC on your behalf (ECS
 * awsvpc tasks, interface endpoints, NAT gateways, load balancers, RDS...). You can see and tag them, but
 * you cannot change their attributes: ModifyNetworkInterfaceAttribute is refused, security groups
 * included, even for the account's administrator (cloud-custodian/cloud-custodian#3406 met it on ECS task
 * ENIs). AWS documents the restriction, not the error: the layer answers AuthFailure ("You do not have
 * permission to access the specified resource."), EC2's code for a resource the caller may not act on.
 *
 * moto cannot create such ENIs (it marks every ENI requesterManaged=false): a test marks a real moto ENI
 * with `markRequesterManaged`, and the layer then refuses changes to it and shows it as AWS does in
 * DescribeNetworkInterfaces (requesterManaged true, requesterId the service). DescribeInstances has no
 * such field in AWS's API (an instance's ENIs carry only `operator`), so it is left as moto answers it.
 */
import { editSetItems, isEc2, setItemField, stateMap, xmlTag } from "../ec2-query";
import type { RuleContext, StrictRule } from "../types";

/** Requester ids of marked ENIs, by `${accountId}/${eniId}`. */
const marked = stateMap<string>("ec2-requester-managed-eni");

/**
 * Marks a moto ENI as managed by a service (e.g. "amazon-ecs", "amazon-elb", or the service's account
 * id): what the ENI of an ECS awsvpc task or an interface endpoint looks like on AWS.
 */
export function markRequesterManaged(
  ctx: RuleContext,
  accountId: string,
  eniId: string,
  requesterId: string,
) {
  marked(ctx).set(`${accountId}/${eniId}`, requesterId);
}

export const ec2RequesterManagedEni: StrictRule = {
  id: "ec2-requester-managed-eni",
  title:
    "a requester-managed network interface (created by an AWS service, e.g. an ECS task's) cannot be modified: ModifyNetworkInterfaceAttribute is refused",
  source: "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/requester-managed-eni.html",
  matches: (req) => isEc2(req, "ModifyNetworkInterfaceAttribute", "DescribeNetworkInterfaces"),
  before(req, ctx) {
    if (req.operation !== "ModifyNetworkInterfaceAttribute") return undefined;
    const eniId = req.params.NetworkInterfaceId;
    const requester = eniId ? marked(ctx).get(`${req.accountId}/${eniId}`) : undefined;
    if (requester === undefined) return undefined;
    return {
      status: 400,
      code: "AuthFailure",
      message: "You do not have permission to access the specified resource.",
    };
  },
  after(req, answer, ctx) {
    if (req.operation !== "DescribeNetworkInterfaces" || answer.status !== 200) return;
    const mine = marked(ctx);
    if (mine.size === 0) return;
    const xml = answer.body.toString("utf8");
    const edited = editSetItems(xml, "networkInterfaceSet", (item) => {
      const requester = mine.get(`${req.accountId}/${xmlTag(item, "networkInterfaceId")}`);
      if (requester === undefined) return item;
      return setItemField(setItemField(item, "requesterId", requester), "requesterManaged", "true");
    });
    return { ...answer, body: Buffer.from(edited) };
  },
};
