/**
 * Stop protection (the `disableApiStop` attribute) protects an instance from termination through the
 * API too, whatever its termination protection says: TerminateInstances is refused with
 * OperationNotPermitted until the attribute is false again. moto checks it on StopInstances only and
 * terminates a stop-protected instance.
 *
 * "Stop protection not only prevents your instance from being accidentally stopped, but also from
 * accidental termination when using the console, AWS CLI, or API" (the source below); the refusal as
 * tools meet it: cloud-custodian/cloud-custodian#7597 (force terminate failing on disableApiStop).
 */
import { DescribeInstanceAttributeCommand } from "@aws-sdk/client-ec2";
import { indexed, isEc2, motoLookup } from "../ec2-query";
import type { StrictRule } from "../types";

export const ec2StopProtectionBlocksTerminate: StrictRule = {
  id: "ec2-stop-protection-blocks-terminate",
  title:
    "TerminateInstances on an instance with stop protection (disableApiStop) is refused with OperationNotPermitted, whatever its termination protection",
  source: "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/ec2-stop-protection.html",
  matches: (req) => isEc2(req, "TerminateInstances"),
  async before(req, ctx) {
    for (const id of indexed(req.params, "InstanceId")) {
      const stop = await motoLookup(ctx, req, async (ec2) => {
        const res = await ec2.send(
          new DescribeInstanceAttributeCommand({ InstanceId: id, Attribute: "disableApiStop" }),
        );
        return res.DisableApiStop?.Value;
      });
      if (stop === true)
        return {
          status: 400,
          code: "OperationNotPermitted",
          message: `The instance '${id}' may not be terminated. Modify its 'disableApiStop' instance attribute and try again.`,
        };
    }
    return undefined;
  },
};
