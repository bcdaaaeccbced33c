import { expect } from "chai";
import { EvidenceStore } from "../../components/evidence-store";
import { responderSettings } from "../../components/forensic-settings";
import { ForensicVpc } from "../../components/forensic-vpc";
import { IsolationGroups } from "../../components/isolation-groups";
import { ResponderAccess } from "../../components/responder-access";
import { isolationGroupNames, SSM } from "../../facts";
import { ACCOUNT_ID, installMocks, outputValue, settle } from "../helpers/pulumi-mocks";

const KEY = `arn:aws:kms:us-east-1:${ACCOUNT_ID}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const VPCS = ["vpc-0123456789abcdef0", "vpc-89abcdef"];

describe("responderSettings", () => {
  it("assembles every ResponderSettings field from the components", async () => {
    const resources = await installMocks();
    const evidence = new EvidenceStore("ev", { kmsKeyArn: KEY });
    const access = new ResponderAccess("ra", {
      actions: ["ec2:DescribeInstances"],
      // The role must trust someone (an error otherwise): an automation role here.
      automationPrincipalArns: [`arn:aws:iam::${ACCOUNT_ID}:role/soar`],
      evidenceBucketArn: evidence.evidenceBucketArn,
      toolsBucketArn: evidence.toolsBucketArn,
      journalTableArn: evidence.journalTableArn,
      kmsKeyArns: [KEY],
    });
    const isolation = VPCS.map(
      (vpcId, n) => new IsolationGroups(`iso-${n}`, { vpcId, s3PrefixListId: "pl-63a5400a" }),
    );
    const forensicVpc = new ForensicVpc("fx");
    const settings = await outputValue(
      responderSettings({
        region: "us-east-1",
        accountId: ACCOUNT_ID,
        evidenceKmsKeyArn: KEY,
        alertTopicArn: `arn:aws:sns:us-east-1:${ACCOUNT_ID}:ir-alerts`,
        evidence,
        access,
        isolation,
        forensicVpc,
        forensicAmiParameter: SSM.forensicAmi,
        roleWriterFunction: `arn:aws:lambda:us-east-1:${ACCOUNT_ID}:function:ir-role-writer`,
      }),
    );
    await settle(resources);
    expect(settings).to.deep.equal({
      region: "us-east-1",
      accountId: ACCOUNT_ID,
      evidenceBucket: `ir-evidence-${ACCOUNT_ID}-us-east-1`,
      toolsBucket: `ir-tools-${ACCOUNT_ID}-us-east-1`,
      journalTable: "ir-case-journal",
      evidenceKmsKeyArn: KEY,
      denyAllInstanceProfile: "ir-deny-all",
      responderRoleArn: `arn:aws:iam::${ACCOUNT_ID}:role/ir-responder`,
      isolationGroups: Object.fromEntries(
        VPCS.map((v) => {
          const n = isolationGroupNames(v);
          return [v, { untrack: n.untrack, isolation: n.isolation, forensicEgress: n.forensicEgress }];
        }),
      ),
      forensic: {
        vpcId: "fx-vpc-id",
        subnetIds: ["fx-private-0-id", "fx-private-1-id"],
        workstationSecurityGroupId: "fx-workstation-id",
        workstationInstanceProfile: "ir-forensic-workstation",
        amiParameter: "/ir/forensic-ami",
      },
      alertTopicArn: `arn:aws:sns:us-east-1:${ACCOUNT_ID}:ir-alerts`,
      roleWriterFunction: `arn:aws:lambda:us-east-1:${ACCOUNT_ID}:function:ir-role-writer`,
    });
  });
});
