import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { NAME_PREFIX } from "../facts";
import { ARCHIVE_PREFIX } from "./log-archive";
import { policyJson, serviceRole } from "./service-role";
import { baseTags } from "./tags";

export const TRAIL_NAME = `${NAME_PREFIX}-audit`;

export interface AuditTrailArgs {
  /** Log archive bucket name. */
  bucketName: pulumi.Input<string>;
  /** The audit CMK: encrypts the trail's files and its CloudWatch log group. */
  kmsKeyArn: pulumi.Input<string>;
  /** CloudWatch Logs retention in days (a value CloudWatch accepts). */
  logRetentionDays: number;
  /** Data events to record besides management events. @default [] */
  dataEvents?: ("s3" | "lambda")[];
  /** CloudTrail Insights on API call and error rates. @default false */
  insights?: boolean;
  /** Bucket policy of the archive: the trail checks it on creation, so it must exist first. */
  bucketPolicy?: pulumi.Resource;
}

/** Advanced event selectors: all management events, plus the requested data events. */
export function eventSelectors(
  dataEvents: ("s3" | "lambda")[],
): aws.types.input.cloudtrail.TrailAdvancedEventSelector[] {
  const selectors: aws.types.input.cloudtrail.TrailAdvancedEventSelector[] = [
    { name: "All management events", fieldSelectors: [{ field: "eventCategory", equals: ["Management"] }] },
  ];
  const resourceType = { s3: "AWS::S3::Object", lambda: "AWS::Lambda::Function" } as const;
  for (const kind of dataEvents)
    selectors.push({
      name: `All ${kind} data events`,
      fieldSelectors: [
        { field: "eventCategory", equals: ["Data"] },
        { field: "resources.type", equals: [resourceType[kind]] },
      ],
    });
  return selectors;
}

/**
 * The account's audit trail: every region, global service events, log-file validation, KMS, delivered
 * to the log archive and to CloudWatch Logs (where metric filters and `ir analyze` can read it).
 */
export class AuditTrail extends pulumi.ComponentResource {
  readonly trail: aws.cloudtrail.Trail;
  readonly logGroup: aws.cloudwatch.LogGroup;
  readonly arn: pulumi.Output<string>;

  constructor(name: string, args: AuditTrailArgs, opts?: pulumi.ComponentResourceOptions) {
    super("incident-ready:logging:AuditTrail", name, {}, opts);
    const parent = { parent: this };
    this.logGroup = new aws.cloudwatch.LogGroup(
      name,
      {
        name: `/${NAME_PREFIX}/cloudtrail`,
        retentionInDays: args.logRetentionDays,
        kmsKeyId: args.kmsKeyArn,
        tags: baseTags(),
      },
      parent,
    );
    const { role, policy: rolePolicy } = serviceRole(
      `${name}-to-logs`,
      "cloudtrail.amazonaws.com",
      this.logGroup.arn.apply((arn) =>
        policyJson({
          Effect: "Allow",
          Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
          Resource: `${arn}:log-stream:*`,
        }),
      ),
      parent,
    );
    this.trail = new aws.cloudtrail.Trail(
      name,
      {
        name: TRAIL_NAME,
        s3BucketName: args.bucketName,
        s3KeyPrefix: ARCHIVE_PREFIX.cloudtrail,
        isMultiRegionTrail: true,
        includeGlobalServiceEvents: true,
        enableLogFileValidation: true,
        enableLogging: true,
        kmsKeyId: args.kmsKeyArn,
        cloudWatchLogsGroupArn: pulumi.interpolate`${this.logGroup.arn}:*`,
        cloudWatchLogsRoleArn: role.arn,
        advancedEventSelectors: eventSelectors(args.dataEvents ?? []),
        insightSelectors: args.insights
          ? [{ insightType: "ApiCallRateInsight" }, { insightType: "ApiErrorRateInsight" }]
          : undefined,
        tags: baseTags(),
      },
      { parent: this, dependsOn: [rolePolicy, ...(args.bucketPolicy ? [args.bucketPolicy] : [])] },
    );
    this.arn = this.trail.arn;
    this.registerOutputs({ arn: this.arn });
  }
}
