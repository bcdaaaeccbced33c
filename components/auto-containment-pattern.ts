/**
 * The EventBridge pattern of the findings the auto-containment function acts on: GuardDuty findings
 * that name an EC2 instance, at or above the threshold. Pure data, matched against real-format sample
 * events by the emulator's EventBridge in the tests (test/baseline/auto-contain.test.ts).
 *
 * A finding names an instance in two shapes:
 * - EC2 findings: `resource.resourceType` is `Instance`, the instance in `resource.instanceDetails`.
 * - IAM findings about an instance's role credentials
 *   (`UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS` and `.InsideAWS`): every IAM
 *   finding has `resourceType` `AccessKey`
 *   (https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_finding-types-iam.html), and these carry
 *   the instance the credentials were issued to in `resource.instanceDetails`
 *   (https://docs.aws.amazon.com/guardduty/latest/APIReference/API_Resource.html). Matching on
 *   `resourceType: Instance` alone never invokes the function for stolen instance credentials.
 * An IAM user's key (`AccessKey` without `instanceDetails.instanceId`), S3, EKS or RDS findings never
 * invoke the function: there is no instance to contain.
 */
import { NAME_PREFIX } from "../facts";
import type { EventPattern } from "./event-patterns";

/** The function and its rule share this name (`ir-auto-contain`). */
export const AUTO_CONTAIN_FUNCTION_NAME = `${NAME_PREFIX}-auto-contain`;

/** Checks a severity threshold (GuardDuty scale): a number from 1 to 8.9. */
export function checkAutoContainSeverity(minSeverity: number): number {
  if (!Number.isFinite(minSeverity) || minSeverity < 1 || minSeverity > 8.9)
    throw new Error(
      `auto-containment severity ${minSeverity} is not allowed: expected a number from 1 to 8.9 (7 = high)`,
    );
  return minSeverity;
}

/** GuardDuty findings that name an EC2 instance, with severity >= `minSeverity`. */
export const autoContainmentPattern = (minSeverity: number): EventPattern => ({
  source: ["aws.guardduty"],
  "detail-type": ["GuardDuty Finding"],
  detail: {
    severity: [{ numeric: [">=", checkAutoContainSeverity(minSeverity)] }],
    resource: {
      $or: [
        { resourceType: ["Instance"] },
        // `exists` matches leaf values only: the instance id, not the instanceDetails object.
        { resourceType: ["AccessKey"], instanceDetails: { instanceId: [{ exists: true }] } },
      ],
    },
  },
});
