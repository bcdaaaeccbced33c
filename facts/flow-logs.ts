/**
 * The VPC flow log record format the baseline configures, shared with `ir analyze` which parses the
 * records: the default fields plus the ones that matter in an EC2 investigation (the instance, the
 * original packet addresses behind NAT, direction and TCP flags).
 */
export const FLOW_LOG_FIELDS = [
  "version",
  "account-id",
  "interface-id",
  "srcaddr",
  "dstaddr",
  "srcport",
  "dstport",
  "protocol",
  "packets",
  "bytes",
  "start",
  "end",
  "action",
  "log-status",
  "vpc-id",
  "subnet-id",
  "instance-id",
  "tcp-flags",
  "pkt-srcaddr",
  "pkt-dstaddr",
  "flow-direction",
  "traffic-path",
] as const;

/** The `logFormat` string of a flow log: `${version} ${account-id} ...`. */
export const FLOW_LOG_FORMAT = FLOW_LOG_FIELDS.map((f) => "${" + f + "}").join(" ");

/** S3 key prefix of flow logs in the log archive (AWS appends AWSLogs/<account>/vpcflowlogs/<region>/...). */
export const FLOW_LOG_PREFIX = "vpc-flow-logs";
