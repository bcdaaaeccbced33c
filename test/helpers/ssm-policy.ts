/**
 * The SSM agent's managed policy. The test emulator loads AWS managed policies
 * (automation/emulator/moto.ts), so this is AWS's own AmazonSSMManagedInstanceCore: the strict layer's
 * simulated agent reaches SSM only with its actions, and the responder may attach only this ARN.
 */
import type { IAMClient } from "@aws-sdk/client-iam";

export const SSM_MANAGED_INSTANCE_CORE_ARN = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore";

/** The policy's ARN (kept as a function: callers once created a customer-managed stand-in here). */
export async function ssmManagedInstanceCoreStandIn(_iam: IAMClient): Promise<string> {
  return SSM_MANAGED_INSTANCE_CORE_ARN;
}
