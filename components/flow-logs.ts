import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { FLOW_LOG_FORMAT, FLOW_LOG_PREFIX, NAME_PREFIX } from "../facts";
import { policyJson, serviceRole } from "./service-role";
import { baseTags } from "./tags";

export interface FlowLogsArgs {
  /** VPCs (ids or outputs) in this component's region. */
  vpcIds: pulumi.Input<string>[];
  /** "s3" delivers to the log archive; "cloudwatch" to a KMS-encrypted log group per VPC. */
  destination: "s3" | "cloudwatch";
  /** Log archive bucket ARN (destination "s3"). */
  archiveBucketArn?: pulumi.Input<string>;
  /** CMK for the log groups (destination "cloudwatch"); must be in this region and admit CloudWatch Logs. */
  kmsKeyArn?: pulumi.Input<string>;
  /** @default 365 */
  logRetentionDays?: number;
}

/**
 * Flow logs for a set of VPCs: all traffic (accepted and rejected), one-minute aggregation, and the
 * extended record format `ir analyze` reads (instance id, packet addresses, direction, TCP flags).
 */
export class FlowLogs extends pulumi.ComponentResource {
  readonly flowLogs: aws.ec2.FlowLog[] = [];

  constructor(name: string, args: FlowLogsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("incident-ready:logging:FlowLogs", name, {}, opts);
    if (args.destination === "s3" && !args.archiveBucketArn)
      throw new Error(`flow logs "${name}": destination "s3" needs archiveBucketArn`);
    if (args.destination === "cloudwatch" && !args.kmsKeyArn)
      throw new Error(`flow logs "${name}": destination "cloudwatch" needs kmsKeyArn for the log groups`);
    const role = args.destination === "cloudwatch" ? this.deliveryRole(name) : undefined;
    args.vpcIds.forEach((vpcId, i) => {
      const id = `${name}-${i}`;
      const common = {
        vpcId,
        trafficType: "ALL",
        maxAggregationInterval: 60,
        logFormat: FLOW_LOG_FORMAT,
        tags: { ...baseTags(), Name: pulumi.interpolate`${NAME_PREFIX}-flow-logs-${vpcId}` },
      };
      if (args.destination === "s3") {
        this.flowLogs.push(
          new aws.ec2.FlowLog(
            id,
            {
              ...common,
              logDestinationType: "s3",
              logDestination: pulumi.interpolate`${args.archiveBucketArn}/${FLOW_LOG_PREFIX}/`,
              destinationOptions: { fileFormat: "plain-text", perHourPartition: true },
            },
            { parent: this },
          ),
        );
      } else {
        const group = new aws.cloudwatch.LogGroup(
          id,
          {
            name: pulumi.interpolate`/${NAME_PREFIX}/vpc-flow-logs/${vpcId}`,
            retentionInDays: args.logRetentionDays ?? 365,
            kmsKeyId: args.kmsKeyArn,
            tags: baseTags(),
          },
          { parent: this },
        );
        this.flowLogs.push(
          new aws.ec2.FlowLog(
            id,
            {
              ...common,
              logDestinationType: "cloud-watch-logs",
              logDestination: group.arn,
              iamRoleArn: role!.arn,
            },
            { parent: this },
          ),
        );
      }
    });
    this.registerOutputs({});
  }

  private deliveryRole(name: string): aws.iam.Role {
    const policy = policyJson({
      Effect: "Allow",
      Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
      Resource: `arn:aws:logs:*:*:log-group:/${NAME_PREFIX}/vpc-flow-logs/*`,
    });
    return serviceRole(`${name}-delivery`, "vpc-flow-logs.amazonaws.com", policy, { parent: this }).role;
  }
}
