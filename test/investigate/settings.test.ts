/**
 * Forensic settings: flags > IR_FORENSIC_* > the config file's `forensic` object (the baseline's
 * responderSettings output as is); `requireForensic` names what is missing or malformed and where it
 * comes from. And the responder policy's scopes for the workstation calls.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { requireForensic } from "../../automation/investigate/settings";
import { resolveSettings } from "../../automation/settings/settings";
import { scopeFor } from "../../components/responder-policy";
import { TAG } from "../../facts/tags";

const dir = mkdtempSync(join(tmpdir(), "ir-forensic-settings-"));
const config = (body: unknown) => {
  const p = join(dir, `c${Math.random()}.json`);
  writeFileSync(p, JSON.stringify(body));
  return p;
};
const FILE = {
  forensic: {
    vpcId: "vpc-0123456789abcdef0",
    subnetIds: ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"],
    workstationSecurityGroupId: "sg-0123456789abcdef0",
    workstationInstanceProfile: "ir-forensic-workstation",
    amiParameter: "/ir/forensic-ami",
  },
};

describe("forensic settings", () => {
  it("reads the baseline's forensic object from the config file", () => {
    const s = resolveSettings({ config: config(FILE) }, {});
    expect(s.forensic).to.deep.equal(FILE.forensic);
    expect(s.sources["forensic.subnetIds"]).to.equal("config");
    expect(requireForensic(s)).to.deep.equal(FILE.forensic);
  });

  it("takes IR_FORENSIC_* over the file and flags over both", () => {
    const env = {
      IR_FORENSIC_SUBNETS: "subnet-11111111, subnet-22222222",
      IR_FORENSIC_PROFILE: "env-profile",
    };
    const s = resolveSettings({ config: config(FILE), forensicProfile: "flag-profile" }, env);
    expect(s.forensic?.subnetIds).to.deep.equal(["subnet-11111111", "subnet-22222222"]);
    expect(s.forensic?.workstationInstanceProfile).to.equal("flag-profile");
    expect(s.sources).to.deep.include({
      "forensic.subnetIds": "env",
      "forensic.workstationInstanceProfile": "flag",
    });
  });

  it("defaults only the AMI parameter, to the baseline's name", () => {
    const s = resolveSettings({}, {});
    expect(s.forensic).to.deep.equal({ amiParameter: "/ir/forensic-ami" });
  });

  it("names the missing setting, its flag, variable and config field", () => {
    const s = resolveSettings({ forensicSubnet: ["subnet-11111111"] }, {});
    expect(() => requireForensic(s)).to.throw(
      "forensic setting workstationSecurityGroupId is missing: pass --forensic-security-group, set IR_FORENSIC_SECURITY_GROUP or put forensic.workstationSecurityGroupId in the config file",
    );
  });

  it("refuses malformed ids before any call", () => {
    const s = resolveSettings(
      { forensicSubnet: ["subnet-xyz"], forensicSecurityGroup: "sg-11111111", forensicProfile: "p" },
      {},
    );
    expect(() => requireForensic(s)).to.throw(
      'forensic setting subnetIds "subnet-xyz" is not valid: expected subnet- followed by 8 or 17 hex digits',
    );
    const arn = resolveSettings(
      {
        forensicSubnet: ["subnet-11111111"],
        forensicSecurityGroup: "sg-11111111",
        forensicProfile: "arn:aws:iam::123456789012:instance-profile/x",
      },
      {},
    );
    expect(() => requireForensic(arn)).to.throw(
      /workstationInstanceProfile ".*" is not valid: expected an instance profile name \(not an ARN\)/,
    );
  });

  it("refuses a config file whose forensic object has the wrong shape", () => {
    expect(() =>
      resolveSettings({ config: config({ forensic: { subnetIds: "subnet-11111111" } }) }, {}),
    ).to.throw(/"forensic\.subnetIds" must be a list of subnet ids, got "subnet-11111111"/);
    expect(() => resolveSettings({ config: config({ forensic: [] }) }, {})).to.throw(
      /"forensic" must be an object/,
    );
  });
});

describe("responder policy scopes for the workstation calls", () => {
  const ctx = {
    partition: "aws",
    accountId: "123456789012",
    regions: ["us-east-1"],
    evidenceBucketArn: "arn:aws:s3:::e",
    toolsBucketArn: "arn:aws:s3:::t",
    journalTableArn: "arn:aws:dynamodb:us-east-1:123456789012:table/j",
    kmsKeyArns: [],
    passableRoleArns: ["arn:aws:iam::123456789012:role/ir-forensic-workstation"],
    responderRoleArn: "arn:aws:iam::123456789012:role/ir-responder",
    requireCaseTagForDestructive: true,
  };

  it("creates workstations and volumes only with the case tag in the request", () => {
    for (const action of ["ec2:RunInstances", "ec2:CreateVolume"])
      expect(scopeFor(action, ctx).condition).to.deep.equal({
        Null: { [`aws:RequestTag/${TAG.caseId}`]: "false" },
      });
  });

  it("attaches and deletes only volumes (and instances) that carry a case tag", () => {
    const attach = scopeFor("ec2:AttachVolume", ctx);
    expect(attach.resources).to.deep.equal([
      "arn:aws:ec2:us-east-1:123456789012:instance/*",
      "arn:aws:ec2:us-east-1:123456789012:volume/*",
    ]);
    const del = scopeFor("ec2:DeleteVolume", ctx);
    expect(del.resources).to.deep.equal(["arn:aws:ec2:us-east-1:123456789012:volume/*"]);
    for (const s of [attach, del])
      expect(s.condition).to.deep.equal({ Null: { [`aws:ResourceTag/${TAG.caseId}`]: "false" } });
  });

  it("bootstrap --forensic: a tagged VPC, the SSM policy on ir- roles only, the forensic AMI parameter only", () => {
    for (const action of ["ec2:CreateVpc", "ec2:CreateSubnet", "ec2:CreateVpcEndpoint"])
      expect(scopeFor(action, ctx).condition).to.deep.equal({
        Null: { [`aws:RequestTag/${TAG.role}`]: "false" },
      });
    expect(scopeFor("ec2:ModifyVpcAttribute", ctx).condition).to.deep.equal({
      Null: { [`aws:ResourceTag/${TAG.role}`]: "false" },
    });
    expect(scopeFor("iam:AttachRolePolicy", ctx)).to.deep.equal({
      resources: ["arn:aws:iam::123456789012:role/ir-*"],
      condition: { ArnEquals: { "iam:PolicyARN": "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore" } },
    });
    expect(scopeFor("ssm:PutParameter", ctx).resources).to.deep.equal([
      "arn:aws:ssm:us-east-1:123456789012:parameter/ir/forensic-ami",
    ]);
  });

  it("passes only the listed roles (the SSM-only workstation role), to EC2", () => {
    const pass = scopeFor("iam:PassRole", ctx);
    expect(pass.resources).to.deep.equal(ctx.passableRoleArns);
    expect(pass.condition).to.deep.equal({ StringEquals: { "iam:PassedToService": "ec2.amazonaws.com" } });
  });
});
