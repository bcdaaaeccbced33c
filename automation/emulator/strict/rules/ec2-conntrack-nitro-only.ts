/**
 * Configurable connection-tracking timeouts exist only on instances built on the Nitro System: EC2
 * refuses a ConnectionTrackingSpecification for a Xen instance type (InvalidParameterValue, "The
 * instance type t2.medium does not support configurable connection tracking", as quoted in
 * aws/karpenter-provider-aws#9152). moto accepts it on any type (and never returns it).
 *
 * Checked where the instance type is known: ModifyNetworkInterfaceAttribute on an attached ENI (its
 * instance's type, looked up in moto) and RunInstances (the request's type, else its launch template's,
 * else EC2's documented default m1.small). CreateNetworkInterface makes a detached ENI: no instance yet,
 * so nothing to refuse.
 */
import { DescribeLaunchTemplateVersionsCommand } from "@aws-sdk/client-ec2";
import { isEc2, motoEni, motoInstance, motoLookup, stateMap } from "../ec2-query";
import type { Refusal, RuleContext, StrictRequest, StrictRule } from "../types";

/**
 * Instance families built on Xen, from "Instances built on the AWS Nitro System"
 * (https://docs.aws.amazon.com/ec2/latest/instancetypes/ec2-nitro-instances.html): every family that
 * page does not list. All current-generation families are Nitro, so an unknown family counts as Nitro.
 */
const XEN_FAMILIES = new Set([
  "t1",
  "t2",
  "m1",
  "m2",
  "m3",
  "m4",
  "c1",
  "c3",
  "c4",
  "cc1",
  "cc2",
  "cg1",
  "cr1",
  "r3",
  "r4",
  "i2",
  "i3",
  "d2",
  "h1",
  "hi1",
  "hs1",
  "x1",
  "x1e",
  "g2",
  "g3",
  "g3s",
  "p2",
  "p3",
  "f1",
]);

/** Sizes of Xen families that the Nitro page lists as Nitro all the same. */
const NITRO_EXCEPTIONS = new Set(["i3.metal", "p3dn.24xlarge"]);

/** True when `instanceType` (e.g. "t3.micro") is built on the Nitro System. */
export function isNitroInstanceType(instanceType: string): boolean {
  const type = instanceType.trim().toLowerCase();
  if (NITRO_EXCEPTIONS.has(type)) return true;
  return !XEN_FAMILIES.has(type.split(".")[0] ?? "");
}

/** RunInstances' default type when neither the request nor a launch template names one. */
const DEFAULT_INSTANCE_TYPE = "m1.small";

const refusal = (instanceType: string): Refusal => ({
  status: 400,
  code: "InvalidParameterValue",
  message: `The instance type ${instanceType} does not support configurable connection tracking`,
});

const hasConntrack = (params: Record<string, string>): boolean =>
  Object.keys(params).some((k) => k.includes("ConnectionTrackingSpecification."));

/** Instance types by instance id: a type changes only through ModifyInstanceAttribute. */
const typeCache = stateMap<string>("ec2-conntrack-nitro-only");

async function instanceType(ctx: RuleContext, req: StrictRequest, instanceId: string) {
  const key = `${req.accountId}/${req.region}/${instanceId}`;
  const cached = typeCache(ctx).get(key);
  if (cached) return cached;
  const type = (await motoInstance(ctx, req, instanceId))?.InstanceType;
  if (type) typeCache(ctx).set(key, type);
  return type;
}

function launchTemplateType(ctx: RuleContext, req: StrictRequest): Promise<string | undefined> {
  const p = req.params;
  const id = p["LaunchTemplate.LaunchTemplateId"];
  const name = p["LaunchTemplate.LaunchTemplateName"];
  if (!id && !name) return Promise.resolve(undefined);
  return motoLookup(ctx, req, async (ec2) => {
    const res = await ec2.send(
      new DescribeLaunchTemplateVersionsCommand({
        LaunchTemplateId: id,
        LaunchTemplateName: id ? undefined : name,
        Versions: [p["LaunchTemplate.Version"] ?? "$Default"],
      }),
    );
    return res.LaunchTemplateVersions?.[0]?.LaunchTemplateData?.InstanceType;
  });
}

export const ec2ConntrackNitroOnly: StrictRule = {
  id: "ec2-conntrack-nitro-only",
  title:
    "a ConnectionTrackingSpecification for an instance type not built on Nitro (Xen: t2, m4, c4, r4...) is refused with InvalidParameterValue",
  source:
    "https://aws.amazon.com/about-aws/whats-new/2023/11/ec2-security-connection-tracking-idle-timeouts/",
  matches: (req) =>
    (isEc2(req, "ModifyNetworkInterfaceAttribute", "RunInstances") && hasConntrack(req.params)) ||
    (isEc2(req, "ModifyInstanceAttribute") && req.params["InstanceId"] !== undefined),
  async before(req, ctx) {
    let type: string | undefined;
    if (req.operation === "RunInstances") {
      type = req.params.InstanceType ?? (await launchTemplateType(ctx, req)) ?? DEFAULT_INSTANCE_TYPE;
    } else if (req.operation === "ModifyNetworkInterfaceAttribute") {
      const eniId = req.params.NetworkInterfaceId;
      const instanceId = eniId ? (await motoEni(ctx, req, eniId))?.Attachment?.InstanceId : undefined;
      if (instanceId) type = await instanceType(ctx, req, instanceId);
    }
    return type && !isNitroInstanceType(type) ? refusal(type) : undefined;
  },
  after(req, _answer, ctx) {
    // A resize (ModifyInstanceAttribute InstanceType) makes the cached type stale: forget it.
    if (req.operation === "ModifyInstanceAttribute")
      typeCache(ctx).delete(`${req.accountId}/${req.region}/${req.params.InstanceId}`);
  },
};
