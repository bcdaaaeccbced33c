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

/**
 * Someone changing or deleting the policy of the buckets whose policy is all that stands between an
 * administrator and the history (the log archive) or the evidence. The stack's own updates alert too:
 * a policy change is rare enough to be looked at each time.
 */
export const bucketPolicyChangedPattern = (bucketNames: string[]): EventPattern => ({
  source: ["aws.s3"],
  "detail-type": [API_CALL],
  detail: {
    eventSource: ["s3.amazonaws.com"],
    eventName: ["PutBucketPolicy", "DeleteBucketPolicy"],
    requestParameters: { bucketName: [...bucketNames].sort() },
  },
});

/** A key by ARN and id: a request names a key either way, and CloudTrail records what it named. */
export interface WatchedKey {
  arn: string;
  keyId: string;
}

/**
 * Someone disabling, or scheduling the deletion of, one of the project's keys: logs and evidence become
 * unreadable with it. `DisableKey` and `ScheduleKeyDeletion` take a key id or key ARN (no alias), and
 * CloudTrail records `requestParameters.keyId` as given: both forms are matched.
 */
export const keyDisabledPattern = (keys: WatchedKey[]): EventPattern => ({
  source: ["aws.kms"],
  "detail-type": [API_CALL],
  detail: {
    eventSource: ["kms.amazonaws.com"],
    eventName: ["DisableKey", "ScheduleKeyDeletion"],
    requestParameters: { keyId: [...new Set(keys.flatMap((k) => [k.keyId, k.arn]))].sort() },
  },
});

/** Rule ids of the resource-bound rules (their patterns name the resources, known at deployment). */
export const BUCKET_POLICY_RULE = {
  id: "bucket-policy-changed",
  description: "Policy of the log archive or evidence bucket changed or deleted",
} as const;
export const KEY_DISABLED_RULE = {
  id: "key-disabled",
  description: "A key of the project disabled or scheduled for deletion",
} as const;

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
