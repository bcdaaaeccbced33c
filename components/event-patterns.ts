/**
 * EventBridge patterns of the events that must wake someone up. Pure data, tested against realistic
 * sample events (they must match what they should and nothing else).
 */
export type EventPattern = Record<string, unknown>;

const API_CALL = "AWS API Call via CloudTrail";

/** GuardDuty findings at or above a severity (1–8.9). */
export const guardDutyFindingPattern = (minSeverity: number): EventPattern => ({
  source: ["aws.guardduty"],
  "detail-type": ["GuardDuty Finding"],
  detail: { severity: [{ numeric: [">=", minSeverity] }] },
});

/** Someone blinding the audit trail: stopping, deleting or narrowing it. */
export const trailTamperingPattern = (): EventPattern => ({
  source: ["aws.cloudtrail"],
  "detail-type": [API_CALL],
  detail: {
    eventSource: ["cloudtrail.amazonaws.com"],
    eventName: ["StopLogging", "DeleteTrail", "UpdateTrail", "PutEventSelectors"],
  },
});

/** Someone switching off detection: GuardDuty (or suppressing its findings) or AWS Config. */
export const detectionDisabledPattern = (): EventPattern => ({
  source: ["aws.guardduty", "aws.config"],
  "detail-type": [API_CALL],
  detail: {
    $or: [
      {
        eventSource: ["guardduty.amazonaws.com"],
        eventName: [
          "DeleteDetector",
          "DisassociateFromAdministratorAccount",
          "DisassociateFromMasterAccount",
          "StopMonitoringMembers",
          "DeleteMembers",
        ],
      },
      {
        eventSource: ["guardduty.amazonaws.com"],
        eventName: ["UpdateDetector"],
        requestParameters: { enable: [false] },
      },
      // An auto-archive filter hides findings from everyone: a favourite of attackers who got in.
      {
        eventSource: ["guardduty.amazonaws.com"],
        eventName: ["CreateFilter", "UpdateFilter"],
        requestParameters: { action: ["ARCHIVE"] },
      },
      {
        eventSource: ["config.amazonaws.com"],
        eventName: [
          "StopConfigurationRecorder",
          "DeleteConfigurationRecorder",
          "DeleteDeliveryChannel",
          "DeleteConfigRule",
        ],
      },
    ],
  },
});

/** Any console sign-in as the account root user. */
export const rootSignInPattern = (): EventPattern => ({
  source: ["aws.signin"],
  "detail-type": ["AWS Console Sign In via CloudTrail"],
  detail: { userIdentity: { type: ["Root"] } },
});

export interface AlertRule {
  id: string;
  description: string;
  pattern: EventPattern;
}

/** Every alert rule, in the order they are declared. */
export const alertRules = (minSeverity: number): AlertRule[] => [
  {
    id: "guardduty-finding",
    description: `GuardDuty findings of severity ${minSeverity} or more`,
    pattern: guardDutyFindingPattern(minSeverity),
  },
  {
    id: "trail-tampering",
    description: "CloudTrail stopped, deleted or changed",
    pattern: trailTamperingPattern(),
  },
  {
    id: "detection-disabled",
    description: "GuardDuty or AWS Config disabled, or findings suppressed",
    pattern: detectionDisabledPattern(),
  },
  { id: "root-sign-in", description: "Console sign-in as the root user", pattern: rootSignInPattern() },
];
