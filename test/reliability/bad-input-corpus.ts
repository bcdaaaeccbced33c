/**
 * The bad-input corpus: one row per case, each with the exact fragment its error must contain (the bad
 * value and the fix) and, for the CLI, the exit code. `bad-input.test.ts` turns every row into a test.
 * These are NEW cases: the ones already covered by test/automation/targets.test.ts,
 * test/integration/plan-and-input.test.ts, test/integration/cli.test.ts, test/config/read.test.ts and
 * test/policy/pack.test.ts are not repeated here.
 */

/** Where a CLI case's files and ids come from (filled in by the test). */
export interface CaseContext {
  /** Path of a file the case wrote (see `files`). */
  file(name: string): string;
  /** A directory that exists. */
  dir: string;
  /** A running instance of the emulated account: bad flags next to a good target must change nothing. */
  instance: string;
}

export interface CliCase {
  name: string;
  argv: (c: CaseContext) => string[];
  /** Files to write before the run, by name. */
  files?: Record<string, string | Buffer | (() => string | Buffer)>;
  /** Environment variables set for the run only. */
  env?: Record<string, string>;
  code: number;
  /** Fragment the error (stderr, or the --json document) must contain. */
  error: string;
  /** The tool does not behave as the row says yet: the test is registered as pending with this reason. */
  knownBug?: string;
}

export interface BaselineCase {
  name: string;
  values: Record<string, string>;
  error: string;
}

export interface PolicyCase {
  name: string;
  policy: string;
  type: string;
  config: Record<string, unknown>;
  error: string;
}

const ID = "i-0123456789abcdef0";
const gd = (resource: unknown, extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    schemaVersion: "2.0",
    accountId: "123456789012",
    region: "us-east-1",
    id: "f-corpus",
    type: "UnauthorizedAccess:EC2/SSHBruteForce",
    resource,
    ...extra,
  });
const asff = (resources: unknown) =>
  JSON.stringify({
    SchemaVersion: "2018-10-08",
    Id: "sh-corpus",
    AwsAccountId: "123456789012",
    Resources: resources,
  });
const instanceResource = { resourceType: "Instance", instanceDetails: { instanceId: ID } };

const USAGE = 2;

export const CLI_CASES: CliCase[] = [
  // --- instance and case ids -------------------------------------------------------------------
  {
    name: "an id with 20 hex digits",
    argv: () => ["respond", "i-0123456789abcdef0123", "--yes"],
    code: USAGE,
    error: 'instance id "i-0123456789abcdef0123" is not valid: expected i- followed by 8 or 17 hex digits',
  },
  {
    name: "an id with a trailing newline",
    argv: () => ["respond", `${ID}\n`, "--yes"],
    code: USAGE,
    error: `instance id "${ID}`,
  },
  {
    name: "an id with an ANSI escape (rendered with the escape removed)",
    argv: () => ["respond", "i-\u001b[2Jdeadbeef", "--yes"],
    code: USAGE,
    error: 'instance id "i-deadbeef" is not valid',
  },
  {
    name: "an id with a shell metacharacter",
    argv: () => ["plan", "i-0123abcd;reboot"],
    code: USAGE,
    error: 'instance id "i-0123abcd;reboot" is not valid',
  },
  {
    name: "status of a malformed case id",
    argv: () => ["status", "c-123"],
    code: USAGE,
    error: '"c-123" is neither a case id (c-...) nor an instance id (i-...)',
  },
  {
    name: "status of an instance that has no case",
    argv: () => ["status", ID],
    code: USAGE,
    error: `instance "${ID}" has no case in journal table`,
  },
  {
    name: "release of a malformed case id",
    argv: () => ["release", "C-20261128T154924Z-D4A56A", "--yes"],
    code: USAGE,
    error:
      'case id "C-20261128T154924Z-D4A56A" is not valid: expected c-<yyyymmdd>t<hhmmss>z-<6 hex digits>, as `ir respond` prints',
  },
  {
    name: "release of a well-formed case nobody opened",
    argv: () => ["release", "c-20261128t154924z-d4a56a", "--yes"],
    code: USAGE,
    error: 'case "c-20261128t154924z-d4a56a" was not found in journal table',
  },
  {
    name: "a directory instead of a finding file",
    argv: (c) => ["respond", c.dir, "--yes"],
    code: USAGE,
    error: "is neither an instance id (i- followed by 8 or 17 hex digits) nor a readable finding file",
  },
  // --- finding files ---------------------------------------------------------------------------
  {
    name: "a GuardDuty finding cut off in the middle",
    files: { "truncated.json": gd(instanceResource).slice(0, 120) },
    argv: (c) => ["respond", c.file("truncated.json"), "--yes"],
    code: USAGE,
    error: "is not valid JSON (",
  },
  {
    name: "an empty finding file",
    files: { "empty.json": "" },
    argv: (c) => ["respond", c.file("empty.json"), "--yes"],
    code: USAGE,
    error: "is not valid JSON (Unexpected end of JSON input): export the finding as JSON",
  },
  {
    name: "a finding file over 5 MB",
    files: { "huge.json": () => Buffer.alloc(5 * 1024 * 1024 + 1, 0x20) },
    argv: (c) => ["respond", c.file("huge.json"), "--yes"],
    code: USAGE,
    error: "is 5242881 bytes: larger than the 5242880-byte limit for a finding",
  },
  {
    name: "binary garbage",
    files: { "garbage.json": Buffer.from([0xff, 0xfe, 0x00, 0x01, 0x7b, 0x80]) },
    argv: (c) => ["respond", c.file("garbage.json"), "--yes"],
    code: USAGE,
    error: "is not valid JSON",
  },
  {
    name: "JSON null",
    files: { "null.json": "null" },
    argv: (c) => ["respond", c.file("null.json"), "--yes"],
    code: USAGE,
    error: "holds null, not a finding: expected a GuardDuty or Security Hub finding object",
  },
  {
    name: "a JSON string holding an instance id",
    files: { "string.json": JSON.stringify(ID) },
    argv: (c) => ["respond", c.file("string.json"), "--yes"],
    code: USAGE,
    error: `holds "${ID}", not a finding`,
  },
  {
    name: "an empty list of findings",
    files: { "none.json": "[]" },
    argv: (c) => ["respond", c.file("none.json"), "--yes"],
    code: USAGE,
    error: "names no finding (an empty list): export the finding itself",
  },
  {
    name: "a Security Hub import with no findings",
    files: { "no-findings.json": JSON.stringify({ Findings: [] }) },
    argv: (c) => ["respond", c.file("no-findings.json"), "--yes"],
    code: USAGE,
    error: "names no finding (an empty list): export the finding itself",
  },
  {
    name: "a GuardDuty finding whose instance id is a number",
    files: { "number-id.json": gd({ resourceType: "Instance", instanceDetails: { instanceId: 1234 } }) },
    argv: (c) => ["respond", c.file("number-id.json"), "--yes"],
    code: USAGE,
    error: 'finding "f-corpus"',
  },
  {
    name: "a GuardDuty EKS finding",
    files: { "eks.json": gd({ resourceType: "EKSCluster" }, { type: "Kubernetes/PrivilegeEscalation" }) },
    argv: (c) => ["respond", c.file("eks.json"), "--yes"],
    code: USAGE,
    error: 'names no EC2 instance: resource.resourceType is "EKSCluster"; pass the instance id instead',
  },
  {
    name: "a GuardDuty Lambda finding",
    files: { "lambda.json": gd({ resourceType: "Lambda" }, { type: "Backdoor:Lambda/C&CActivity.B" }) },
    argv: (c) => ["respond", c.file("lambda.json"), "--yes"],
    code: USAGE,
    error: 'resource.resourceType is "Lambda"',
  },
  {
    name: "a GuardDuty RDS finding",
    files: {
      "rds.json": gd({ resourceType: "RDSDBInstance" }, { type: "CredentialAccess:RDS/AnomalousBehavior" }),
    },
    argv: (c) => ["respond", c.file("rds.json"), "--yes"],
    code: USAGE,
    error: 'resource.resourceType is "RDSDBInstance"',
  },
  {
    name: "a GuardDuty finding without a resource",
    files: {
      "no-resource.json": JSON.stringify({ schemaVersion: "2.0", id: "f", type: "Recon:EC2/Portscan" }),
    },
    argv: (c) => ["respond", c.file("no-resource.json"), "--yes"],
    code: USAGE,
    error: "is JSON but not a finding this tool knows",
  },
  {
    name: "a Security Hub finding about an IAM role only",
    files: { "iam-only.json": asff([{ Type: "AwsIamRole", Id: "arn:aws:iam::123456789012:role/app" }]) },
    argv: (c) => ["respond", c.file("iam-only.json"), "--yes"],
    code: USAGE,
    error: 'finding "sh-corpus"',
  },
  {
    name: "a Security Hub finding whose Resources is an object",
    files: { "resources-object.json": asff({ Type: "AwsEc2Instance", Id: ID }) },
    argv: (c) => ["respond", c.file("resources-object.json"), "--yes"],
    code: USAGE,
    error: "is JSON but not a finding this tool knows",
  },
  {
    name: "a Security Hub EC2 resource with a malformed ARN",
    files: {
      "bad-arn.json": asff([
        { Type: "AwsEc2Instance", Id: "arn:aws:ec2:us-east-1:123456789012:instance/i-XYZ" },
      ]),
    },
    argv: (c) => ["respond", c.file("bad-arn.json"), "--yes"],
    code: USAGE,
    error: 'instance id "arn:aws:ec2:us-east-1:123456789012:instance/i-XYZ" is not valid',
  },
  {
    name: "an EventBridge envelope whose detail is null",
    files: {
      "null-detail.json": JSON.stringify({
        source: "aws.guardduty",
        "detail-type": "GuardDuty Finding",
        detail: null,
      }),
    },
    argv: (c) => ["respond", c.file("null-detail.json"), "--yes"],
    code: USAGE,
    error: "is JSON but not a finding this tool knows",
  },
  {
    name: "findings from two regions against an explicit --region",
    files: {
      "east.json": gd(instanceResource),
      "west.json": gd(
        { resourceType: "Instance", instanceDetails: { instanceId: "i-0abcdef0123456789" } },
        { region: "eu-west-1" },
      ),
    },
    argv: (c) => ["respond", c.file("east.json"), c.file("west.json"), "--region", "us-east-1", "--yes"],
    code: USAGE,
    error: 'but --region is "us-east-1": drop --region or pass --region eu-west-1',
  },
  {
    name: "a finding from another account",
    files: { "other-account.json": gd(instanceResource, { accountId: "999999999999" }) },
    argv: (c) => ["respond", c.file("other-account.json"), "--yes"],
    code: USAGE,
    error: "999999999999",
  },
  {
    name: "a finding nested 50 000 arrays deep",
    files: { "deep.json": () => `${"[".repeat(50_000)}${"]".repeat(50_000)}` },
    argv: (c) => ["respond", c.file("deep.json"), "--yes"],
    code: USAGE,
    error: "nests lists or envelopes more than 8 deep",
  },
  // --- flags and responder settings ------------------------------------------------------------
  {
    name: "a dwell time that is not a number, next to a good target",
    argv: (c) => ["respond", c.instance, "--dwell-seconds", "soon", "--yes"],
    code: USAGE,
    error: '"soon"',
  },
  {
    name: "a negative dwell time, next to a good target",
    argv: (c) => ["respond", c.instance, "--dwell-seconds", "-5", "--yes"],
    code: USAGE,
    error: '"-5"',
  },
  {
    name: "a region with shell characters",
    argv: () => ["plan", ID, "--region", "us-east-1;id"],
    code: USAGE,
    error: 'region "us-east-1;id" is not valid: expected a region name such as us-east-1',
  },
  {
    name: "a settings file that does not exist",
    argv: (c) => ["plan", ID, "--config", `${c.dir}/missing.json`],
    code: USAGE,
    error: "missing.json",
  },
  {
    name: "a settings file that is not JSON",
    files: { "settings.json": "region: us-east-1\n" },
    argv: (c) => ["plan", ID, "--config", c.file("settings.json")],
    code: USAGE,
    error: "settings.json",
  },
  {
    name: "a settings file with a bad isolation group id",
    files: {
      "groups.json": JSON.stringify({
        isolationGroups: { "vpc-0a1b2c3d": { untrack: "sg-1", isolation: "sg-0a1b2c3d" } },
      }),
    },
    argv: (c) => ["respond", c.instance, "--config", c.file("groups.json"), "--yes"],
    code: USAGE,
    error: 'isolationGroups["vpc-0a1b2c3d"].untrack must be a security group id (sg-...)',
  },
  {
    name: "a settings file whose isolationGroups is a list",
    files: { "groups-list.json": JSON.stringify({ isolationGroups: ["sg-0a1b2c3d"] }) },
    argv: (c) => ["respond", c.instance, "--config", c.file("groups-list.json"), "--yes"],
    code: USAGE,
    error: '"isolationGroups" must map VPC ids to {untrack, isolation, forensicEgress}',
  },
  {
    name: "a lease that is not a number",
    env: { IR_LEASE_SECONDS: "forever" },
    argv: (c) => ["respond", c.instance, "--yes"],
    code: USAGE,
    error: 'IR_LEASE_SECONDS "forever" is not valid: expected a whole number >= 0',
  },
  {
    name: "a negative retry count",
    env: { IR_MAX_ATTEMPTS: "-1" },
    argv: (c) => ["respond", c.instance, "--yes"],
    code: USAGE,
    error: 'max attempts "-1" is not valid: expected a whole number >= 0',
  },
  {
    name: "an unknown option",
    argv: (c) => ["respond", c.instance, "--yes", "--terminate-now"],
    code: USAGE,
    error: "unknown option '--terminate-now'",
  },
  {
    name: "respond without a target",
    argv: () => ["respond", "--yes"],
    code: USAGE,
    error: "missing required argument 'target'",
  },
];

export const BASELINE_CASES: BaselineCase[] = [
  {
    name: "a workload role given as an instance profile",
    values: { workloadRoleArns: '["arn:aws:iam::123456789012:instance-profile/web"]' },
    error:
      'workloadRoleArns: "arn:aws:iam::123456789012:instance-profile/web" is not an IAM role ARN: expected arn:aws:iam::<12-digit account>:role/<name>',
  },
  {
    name: "an unknown trail data event",
    values: { trailDataEvents: '["ec2"]' },
    error: 'trailDataEvents: "ec2" is not allowed',
  },
  {
    name: "insights as a word",
    values: { trailInsights: "maybe" },
    error: 'trailInsights: "maybe" is not a boolean: expected true or false',
  },
  {
    name: "a negative archive expiry",
    values: { logArchiveExpirationDays: "-1" },
    error: "logArchiveExpirationDays: -1",
  },
  {
    name: "an object lock of 30 years",
    values: { logArchiveObjectLockDays: "10950" },
    error: "logArchiveObjectLockDays: 10950",
  },
  {
    name: "an unknown recorder mode",
    values: { configRecorder: "reuse" },
    error: 'configRecorder: "reuse" is not allowed: expected one of create, existing',
  },
  {
    name: "an unknown Security Hub standard",
    values: { securityHubStandards: '["pci"]' },
    error: 'securityHubStandards: "pci" is not allowed',
  },
  { name: "a hop limit of 0", values: { imdsDefaultHopLimit: "0" }, error: "imdsDefaultHopLimit: 0" },
  { name: "a hop limit of 100", values: { imdsDefaultHopLimit: "100" }, error: "imdsDefaultHopLimit: 100" },
  { name: "five forensic AZs", values: { forensicAzCount: "5" }, error: "forensicAzCount: 5" },
  {
    name: "a tool pin without version or hash",
    values: { forensicToolPins: '["sleuthkit"]' },
    error: 'forensicToolPins: "sleuthkit"',
  },
  {
    name: "the AMI pipeline without pins",
    values: { forensicAmiPipeline: "true" },
    error: "does not pin sleuthkit, volatility3, plaso",
  },
  {
    name: "an analyst that is a user name",
    values: { analystPrincipals: '["bob"]' },
    error: 'analystPrincipals: "bob" is not an IAM principal ARN',
  },
  {
    name: "the reference workload without a VPC",
    values: { referenceWorkload: "true" },
    error: 'workloadVpcId: "" is not a home-region VPC id',
  },
  {
    name: "a workload with one public subnet",
    values: {
      referenceWorkload: "true",
      workloadVpcId: "vpc-0a1b2c3d",
      workloadPublicSubnetIds: '["subnet-0a1b2c3d"]',
      workloadPrivateSubnetIds: '["subnet-0a1b2c3e","subnet-0a1b2c3f"]',
    },
    error: 'workloadPublicSubnetIds: ["subnet-0a1b2c3d"] has fewer than 2 subnets',
  },
  {
    name: "a list of numbers",
    values: { regions: "[1, 2]" },
    error: 'regions: "[1, 2]" is not a list of strings',
  },
  {
    name: "a list given as an object",
    values: { approvedAmiIds: '{"ami": "ami-0a1b2c3d"}' },
    error: "approvedAmiIds",
  },
  { name: "a detective flag as 1", values: { detective: "1" }, error: 'detective: "1" is not a boolean' },
];

export const POLICY_CASES: PolicyCase[] = [
  {
    name: "a hop limit given as a string",
    policy: "imds-hop-limit",
    type: "aws:ec2/instance:Instance",
    config: { maxHopLimit: "2" },
    error: 'config maxHopLimit = "2" is not valid: expected an integer from 1 to 64',
  },
  {
    name: "a fractional hop limit",
    policy: "imds-hop-limit",
    type: "aws:ec2/instance:Instance",
    config: { maxHopLimit: 1.5 },
    error: "config maxHopLimit = 1.5 is not valid",
  },
  {
    name: "requireExplicitRoot as a word",
    policy: "ec2-block-devices-encrypted",
    type: "aws:ec2/instance:Instance",
    config: { requireExplicitRoot: "yes" },
    error: 'config requireExplicitRoot = "yes" is not valid: expected true or false',
  },
  {
    name: "trustAccountDefault as a number",
    policy: "imdsv2-required",
    type: "aws:ec2/instance:Instance",
    config: { trustAccountDefault: 1 },
    error: "config trustAccountDefault = 1 is not valid: expected true or false",
  },
  {
    name: "requireKms as a string",
    policy: "s3-bucket-encryption",
    type: "aws:s3/bucketV2:BucketV2",
    config: { requireKms: "true" },
    error: 'config requireKms = "true" is not valid',
  },
  {
    name: "an unknown flow-log traffic type",
    policy: "vpc-flow-logs",
    type: "aws:ec2/vpc:Vpc",
    config: { trafficTypes: ["SOME"] },
    error: 'config trafficTypes[0] = "SOME" is not valid',
  },
  {
    name: "allowed TLS policies as a string",
    policy: "elb-tls-policy",
    type: "aws:lb/listener:Listener",
    config: { allowedPolicies: "ELBSecurityPolicy-TLS13-1-2-2021-06" },
    error: "is not valid: expected a list of strings",
  },
  {
    name: "an empty AMI parameter prefix",
    policy: "approved-ami",
    type: "aws:ec2/instance:Instance",
    config: { allowedParameterPrefixes: [""] },
    error: 'config allowedParameterPrefixes[0] = "" is not valid: expected a non-empty string',
  },
  {
    name: "exemptions as a string",
    policy: "sg-admin-ports-open-to-world",
    type: "aws:ec2/securityGroup:SecurityGroup",
    config: { exemptions: "bastion-*" },
    error: 'config exemptions = "bastion-*" is not valid: expected a list of',
  },
  {
    name: "an exemption without a reason",
    policy: "sg-admin-ports-open-to-world",
    type: "aws:ec2/securityGroup:SecurityGroup",
    config: { exemptions: [{ resourceName: "bastion-*" }] },
    error: "exemptions[0]",
  },
  {
    name: "a negative port",
    policy: "sg-database-ports-open-to-world",
    type: "aws:ec2/securityGroup:SecurityGroup",
    config: { ports: [-1] },
    error: "config ports[0] = -1 is not valid",
  },
  {
    name: "a snapshot share account that is not 12 digits",
    policy: "snapshot-not-public",
    type: "aws:ec2/snapshotCreateVolumePermission:SnapshotCreateVolumePermission",
    config: { allowedAccountIds: ["123"] },
    error: 'config allowedAccountIds[0] = "123" is not valid',
  },
];
