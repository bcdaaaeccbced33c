import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { checkInstanceId, parseTargets, targetsFromFinding } from "../../automation/input/targets";

const dir = mkdtempSync(join(tmpdir(), "ir-targets-"));
const file = (name: string, body: unknown) => {
  const p = join(dir, name);
  writeFileSync(p, typeof body === "string" ? body : JSON.stringify(body));
  return p;
};

const guardDuty = {
  schemaVersion: "2.0",
  accountId: "123456789012",
  region: "eu-west-1",
  id: "gd-1",
  type: "UnauthorizedAccess:EC2/SSHBruteForce",
  severity: 8,
  resource: { resourceType: "Instance", instanceDetails: { instanceId: "i-0123456789abcdef0" } },
  service: { eventFirstSeen: "2026-11-28T10:00:00Z" },
};
const asff = {
  SchemaVersion: "2018-10-08",
  Id: "sh-1",
  AwsAccountId: "123456789012",
  Types: ["TTPs/Initial Access"],
  Severity: { Normalized: 70 },
  Resources: [
    {
      Type: "AwsEc2Instance",
      Id: "arn:aws:ec2:us-west-2:123456789012:instance/i-0abcdef0123456789",
      Region: "us-west-2",
    },
    { Type: "AwsS3Bucket", Id: "arn:aws:s3:::b" },
  ],
};

describe("input: instance ids and findings", () => {
  it("1. accepts 8- and 17-digit instance ids", () => {
    expect(checkInstanceId("i-0123abcd")).to.equal("i-0123abcd");
    expect(checkInstanceId("i-0123456789abcdef0")).to.equal("i-0123456789abcdef0");
  });
  for (const bad of ["i-12", "i-0123456789ABCDEF0", "i-0123456789abcdef", "instance", "i-01234567g"]) {
    it(`2. refuses "${bad}" naming it and the expected form`, () => {
      expect(() => checkInstanceId(bad)).to.throw(
        `instance id "${bad}" is not valid: expected i- followed by 8 or 17 hex digits`,
      );
    });
  }
  it("3. reads a bare GuardDuty finding with its region, account and first-seen time", () => {
    const [t] = parseTargets([file("gd.json", guardDuty)]);
    expect(t).to.deep.include({
      instanceId: "i-0123456789abcdef0",
      region: "eu-west-1",
      accountId: "123456789012",
    });
    expect(t!.source).to.deep.include({
      kind: "guardduty",
      findingId: "gd-1",
      severity: 8,
      firstSeen: "2026-11-28T10:00:00Z",
    });
  });
  it("4. reads a GuardDuty finding inside its EventBridge envelope", () => {
    const env = {
      version: "0",
      source: "aws.guardduty",
      "detail-type": "GuardDuty Finding",
      region: "eu-west-1",
      detail: guardDuty,
    };
    expect(parseTargets([file("gd-env.json", env)])[0]!.instanceId).to.equal("i-0123456789abcdef0");
  });
  it("5. reads Security Hub ASFF: bare, in a Findings list and in an envelope; ignores non-EC2 resources", () => {
    expect(targetsFromFinding(asff)).to.have.length(1);
    expect(targetsFromFinding({ Findings: [asff] })[0]).to.deep.include({
      instanceId: "i-0abcdef0123456789",
      region: "us-west-2",
    });
    const env = {
      source: "aws.securityhub",
      "detail-type": "Security Hub Findings - Imported",
      detail: { findings: [asff] },
    };
    expect(targetsFromFinding(env)[0]!.source.kind).to.equal("securityhub");
  });
  it("6. refuses a finding that names no EC2 instance", () => {
    expect(() => targetsFromFinding({ ...asff, Resources: [{ Type: "AwsS3Bucket", Id: "b" }] })).to.throw(
      /names no EC2 instance/,
    );
    expect(() => targetsFromFinding({ ...guardDuty, resource: { resourceType: "AccessKey" } })).to.throw(
      /names no EC2 instance: resource.resourceType is "AccessKey"/,
    );
  });
  it("6b. takes an IAM finding about an instance's credentials (AccessKey with instanceDetails)", () => {
    const exfiltration = {
      ...guardDuty,
      type: "UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS",
      resource: {
        resourceType: "AccessKey",
        accessKeyDetails: { accessKeyId: "ASIAEXAMPLE", principalId: "AROAEXAMPLE:i-0123456789abcdef0" },
        instanceDetails: { instanceId: "i-0123456789abcdef0" },
      },
    };
    const [t] = targetsFromFinding(exfiltration);
    expect(t!.instanceId).to.equal("i-0123456789abcdef0");
    expect(t!.source.kind).to.equal("guardduty");
  });
  it("7. refuses a file that is not JSON, and JSON that is not a finding", () => {
    expect(() => parseTargets([file("bad.json", "not json {")])).to.throw(/is not valid JSON/);
    expect(() => parseTargets([file("arr.json", [1])])).to.throw(/holds 1, not a finding/);
    expect(() => parseTargets([file("obj.json", { hello: 1 })])).to.throw(
      /is JSON but not a finding this tool knows/,
    );
  });
  it("8. refuses a finding's region that contradicts --region", () => {
    expect(() => parseTargets([file("gd2.json", guardDuty)], "us-east-1")).to.throw(
      /is in region "eu-west-1" according to .* but --region is "us-east-1": drop --region or pass --region eu-west-1/,
    );
  });
  it("9. refuses an argument that is neither an id nor a file, and an empty list", () => {
    expect(() => parseTargets(["nope"])).to.throw(/target "nope" is neither an instance id/);
    expect(() => parseTargets([])).to.throw(/no target given/);
  });
  it("10. merges duplicates", () => {
    expect(parseTargets(["i-0123abcd", "i-0123abcd"])).to.have.length(1);
  });
  it("11. refuses a malformed instance id inside a finding", () => {
    expect(() =>
      targetsFromFinding({
        ...guardDuty,
        resource: { resourceType: "Instance", instanceDetails: { instanceId: "i-x" } },
      }),
    ).to.throw('instance id "i-x" is not valid');
  });
});
