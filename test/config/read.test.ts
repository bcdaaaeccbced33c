/**
 * Invalid configuration fails at once, before anything is declared, with a message that names the key,
 * the bad value and what is allowed.
 */
import { expect } from "chai";
import { ConfigError, readConfig } from "../../config/read";
import { loadProgram, stackConfig } from "../helpers/program";

const read = (values: Record<string, string>) => readConfig((key) => values[key]);
const problemsOf = (values: Record<string, string>): string[] => {
  try {
    read(values);
  } catch (e) {
    expect(e).to.be.instanceOf(ConfigError);
    return (e as ConfigError).problems;
  }
  throw new Error("expected a ConfigError");
};

describe("baseline configuration", () => {
  it("applies the documented defaults when nothing is set", () => {
    const c = read({});
    expect(c.homeRegion).to.equal("us-east-1");
    expect(c.regions).to.deep.equal(["us-east-1"]);
    expect(c.alertMinSeverity).to.equal(7);
    expect(c.evidenceRetentionDays).to.equal(365);
    expect(c.guardDutyFeatures).to.have.length(6);
  });

  it("puts the home region first and parses region-qualified VPC references", () => {
    const c = read({
      homeRegion: "eu-west-1",
      regions: '["us-east-1","eu-west-1"]',
      protectedVpcIds: '["vpc-0a1b2c3d","us-east-1:vpc-0123456789abcdef0"]',
    });
    expect(c.regions).to.deep.equal(["eu-west-1", "us-east-1"]);
    expect(c.protectedVpcs).to.deep.equal([
      { region: "eu-west-1", vpcId: "vpc-0a1b2c3d" },
      { region: "us-east-1", vpcId: "vpc-0123456789abcdef0" },
    ]);
  });

  const cases: [string, Record<string, string>, RegExp][] = [
    [
      "an unknown region",
      { regions: '["us-east-1","moon-west-1"]' },
      /incident-ready:regions: "moon-west-1" is not a known AWS region: expected one of .*eu-west-1/,
    ],
    [
      "a GovCloud home region",
      { homeRegion: "us-gov-west-1" },
      /incident-ready:homeRegion: region "us-gov-west-1" is in a partition this baseline does not support yet/,
    ],
    [
      "regions without the home region",
      { homeRegion: "eu-west-1", regions: '["us-east-1"]' },
      /incident-ready:regions: \["us-east-1"\] does not include the home region "eu-west-1"/,
    ],
    [
      "a bad email",
      { alertEmails: '["oncall@example.com","not-an-email"]' },
      /incident-ready:alertEmails: "not-an-email" is not an email address: expected name@example.com/,
    ],
    [
      "a negative retention",
      { logRetentionDays: "-5" },
      /incident-ready:logRetentionDays: -5 is not a CloudWatch Logs retention period: expected one of 1, 3, 5/,
    ],
    [
      "a retention CloudWatch refuses",
      { logRetentionDays: "100" },
      /logRetentionDays: 100 is not a CloudWatch Logs retention period/,
    ],
    [
      "a severity above 8.9",
      { alertMinSeverity: "9.5" },
      /incident-ready:alertMinSeverity: 9.5 is not a GuardDuty severity threshold: expected a number from 1 to 8.9/,
    ],
    [
      "a severity below 1",
      { alertMinSeverity: "0" },
      /alertMinSeverity: 0 is not a GuardDuty severity threshold/,
    ],
    [
      "a severity that is not a number",
      { alertMinSeverity: "high" },
      /incident-ready:alertMinSeverity: "high" is not a number/,
    ],
    [
      "a bad VPC id",
      { protectedVpcIds: '["vpc-12"]' },
      /incident-ready:protectedVpcIds: "vpc-12" is not a VPC id: expected vpc- followed by 8 or 17 lower-case hex digits/,
    ],
    [
      "a VPC in a region not deployed",
      { flowLogVpcIds: '["eu-west-1:vpc-0a1b2c3d"]' },
      /flowLogVpcIds: "eu-west-1:vpc-0a1b2c3d" is in region "eu-west-1", which is not in incident-ready:regions/,
    ],
    [
      "evidence retention 0",
      { evidenceRetentionDays: "0" },
      /incident-ready:evidenceRetentionDays: 0 is not allowed: expected whole days from 1 to 3650/,
    ],
    [
      "an unknown principal format",
      { responderPrincipals: '["alice"]' },
      /incident-ready:responderPrincipals: "alice" is not an IAM principal ARN: expected arn:aws:iam::<12-digit account>:role\/<name>/,
    ],
    [
      "an unknown GuardDuty plan",
      { guardDutyFeatures: '["s3","kubernetes"]' },
      /guardDutyFeatures: "kubernetes" is not allowed: expected one of s3, ebs-malware, runtime, rds, eks, lambda/,
    ],
    [
      "an unknown Config rule to disable",
      { configDisabledRules: '["restricted-sshh"]' },
      /configDisabledRules: "restricted-sshh" is not allowed: expected one of restricted-ssh/,
    ],
    ["a malformed AMI id", { approvedAmiIds: '["ami-xyz"]' }, /approvedAmiIds: "ami-xyz" is not an AMI id/],
    [
      "a list given as a scalar",
      { alertEmails: "oncall@example.com" },
      /incident-ready:alertEmails: "oncall@example.com" is not a list/,
    ],
    [
      "a boolean that is not one",
      { securityHub: "yes" },
      /incident-ready:securityHub: "yes" is not a boolean: expected true or false/,
    ],
    [
      "a non-integer",
      { logArchiveTransitionDays: "ninety" },
      /logArchiveTransitionDays: "ninety" is not a whole number/,
    ],
    [
      "a bad flow-log destination",
      { flowLogDestination: "kinesis" },
      /flowLogDestination: "kinesis" is not allowed: expected one of s3, cloudwatch/,
    ],
    [
      "a forensic CIDR too large",
      { forensicVpcCidr: "10.0.0.0/8" },
      /forensicVpcCidr: "10.0.0.0\/8" is not an IPv4 CIDR block from \/16 to \/24/,
    ],
    [
      "a bad certificate ARN",
      { workloadCertificateArn: "my-cert" },
      /workloadCertificateArn: "my-cert" is not an ACM certificate ARN/,
    ],
    [
      "a bad schedule",
      { forensicAmiSchedule: "weekly" },
      /forensicAmiSchedule: "weekly" is not a schedule expression/,
    ],
    [
      "an analysts' account that is not an account id",
      { analystAccountIds: '["4444-5555-6666"]' },
      /incident-ready:analystAccountIds: "4444-5555-6666" is not an AWS account id: expected 12 digits/,
    ],
    [
      "an analysts' account with no analyst in it",
      {
        analystPrincipals: '["arn:aws:iam::111122223333:role/Analysts"]',
        analystAccountIds: '["444455556666"]',
      },
      /incident-ready:analystAccountIds: account "444455556666" has no principal in incident-ready:analystPrincipals, so it admits nobody/,
    ],
    [
      "analysts of two unlisted accounts",
      {
        analystPrincipals:
          '["arn:aws:iam::111122223333:role/Analysts","arn:aws:iam::444455556666:role/Analysts"]',
      },
      /incident-ready:analystPrincipals: principals of accounts 111122223333, 444455556666 are not in incident-ready:analystAccountIds, and at most one of them can be the deploying account/,
    ],
    [
      "a break-glass principal given as a pattern",
      { breakGlassPrincipal: "arn:aws:iam::111122223333:role/Break*" },
      /incident-ready:breakGlassPrincipal: "arn:aws:iam::111122223333:role\/Break\*" is not a role or user ARN/,
    ],
    [
      "a break-glass principal given as a role session",
      { breakGlassPrincipal: "arn:aws:sts::111122223333:assumed-role/BreakGlass/alice" },
      /incident-ready:breakGlassPrincipal: .* is not a role or user ARN: .*not an assumed-role session/,
    ],
  ];
  for (const [what, values, message] of cases)
    it(`refuses ${what}, naming the key, the value and what is allowed`, () => {
      const problems = problemsOf(values);
      expect(problems.join("\n")).to.match(message);
    });

  it("reads the break-glass principal and the analysts' accounts", () => {
    const c = read({
      breakGlassPrincipal: "arn:aws:iam::111122223333:role/BreakGlass",
      analystPrincipals: '["arn:aws:iam::111122223333:role/A","arn:aws:iam::444455556666:role/B"]',
      analystAccountIds: '["444455556666"]',
    });
    expect(c.breakGlassPrincipal).to.equal("arn:aws:iam::111122223333:role/BreakGlass");
    expect(c.analystAccountIds).to.deep.equal(["444455556666"]);
    expect(read({}).breakGlassPrincipal).to.equal("");
    expect(read({}).analystAccountIds).to.deep.equal([]);
  });

  it("reports every problem at once, with the fix", () => {
    try {
      read({ alertMinSeverity: "12", alertEmails: '["x"]', logRetentionDays: "-1" });
      expect.fail("no error");
    } catch (e) {
      const msg = (e as Error).message;
      expect(msg).to.match(/^invalid configuration for project "incident-ready" \(3 problems\)/);
      expect(msg).to.include("alertMinSeverity").and.include("alertEmails").and.include("logRetentionDays");
      expect(msg).to.include("pulumi config set incident-ready:<key> <value>");
    }
  });

  it("makes the program fail before it declares any resource", async () => {
    const config = { ...stackConfig("prod"), "incident-ready:alertMinSeverity": "9.5" };
    let error: Error | undefined;
    try {
      await loadProgram(config);
    } catch (e) {
      error = e as Error;
    }
    expect(error?.message).to.match(/alertMinSeverity: 9.5 is not a GuardDuty severity threshold/);
  });
});
