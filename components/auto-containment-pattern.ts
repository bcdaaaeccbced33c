/**
 * The EventBridge pattern of the findings the auto-containment function acts on: GuardDuty findings
 * about EC2 instances at or above the threshold. Pure data, matched against sample events by the
 * emulator's EventBridge in the tests. Findings about access keys, S3 buckets or EKS clusters never
 * invoke the function (the handler would only ignore them).
 */
import type { EventPattern } from "./event-patterns";

/** Checks a severity threshold (GuardDuty scale): a number from 1 to 8.9. */
export function checkAutoContainSeverity(minSeverity: number): number {
  if (!Number.isFinite(minSeverity) || minSeverity < 1 || minSeverity > 8.9)
    throw new Error(
      `auto-containment severity ${minSeverity} is not allowed: expected a number from 1 to 8.9 (7 = high)`,
    );
  return minSeverity;
}

/** GuardDuty findings about an EC2 instance with severity >= `minSeverity`. */
export const autoContainmentPattern = (minSeverity: number): EventPattern => ({
  source: ["aws.guardduty"],
  "detail-type": ["GuardDuty Finding"],
  detail: {
    severity: [{ numeric: [">=", checkAutoContainSeverity(minSeverity)] }],
    resource: { resourceType: ["Instance"] },
  },
});
