/**
 * `ir bootstrap --forensic` against moto: the dry run creates nothing; a real run creates a VPC with no
 * internet path, a subnet per AZ, a workstation group with no inbound rule and HTTPS only to the
 * Session Manager endpoints, the SSM-only profile and the AMI parameter; a re-run creates nothing; and
 * `investigate` works with the settings it prints.
 */
import {
  DescribeInternetGatewaysCommand,
  DescribeSecurityGroupsCommand,
  DescribeVpcEndpointsCommand,
  DescribeVpcsCommand,
} from "@aws-sdk/client-ec2";
import { GetInstanceProfileCommand, ListAttachedRolePoliciesCommand } from "@aws-sdk/client-iam";
import { GetParameterCommand } from "@aws-sdk/client-ssm";
import { expect } from "chai";
import { AwsClients, MemoryRecorder } from "../../automation/aws/clients";
import { bootstrapForensic } from "../../automation/bootstrap/forensic";
import { run } from "../../automation/cli/program";
import { investigate, stopInvestigation } from "../../automation/investigate/investigate";
import { FORENSIC_WORKSTATION_ROLE_NAME } from "../../facts/forensic";
import { SSM } from "../../facts/names";
import { RESPONDER_ACTIONS } from "../../facts/responder-actions";
import type { ResponderSettings } from "../../facts/responder-settings";
import { TEST_CREDENTIALS, TEST_REGION } from "../helpers/moto";
import { type Account, setupAccount } from "../helpers/responder";
import { ssmManagedInstanceCoreStandIn } from "../helpers/ssm-policy";
import { containedCase } from "./forensic-world";

const ZONES = ["us-east-1a", "us-east-1b"];

describe("ir bootstrap --forensic against moto (integration)", function () {
  this.timeout(120_000);
  let a: Account;
  let forensic: ResponderSettings["forensic"];

  /** moto has no AWS managed policies by default: a customer-managed stand-in with the same name. */
  let ssmPolicyArn: string;
  before(async () => {
    a = await setupAccount();
    ssmPolicyArn = await ssmManagedInstanceCoreStandIn(a.clients.iam);
  });

  const vpcCount = async () => (await a.clients.ec2.send(new DescribeVpcsCommand({}))).Vpcs!.length;

  it("the dry run reports what is missing and creates nothing", async () => {
    const before = await vpcCount();
    const r = await bootstrapForensic({
      clients: a.responder,
      dryRun: true,
      amiId: a.world.imageId,
      zones: ZONES,
    });
    expect(r.items.map((i) => [i.kind, i.status])).to.deep.equal([
      ["forensic-vpc", "missing"],
      ["forensic-workstation-profile", "missing"],
      ["forensic-ami", "missing"],
    ]);
    expect(r.forensic).to.equal(undefined);
    expect(await vpcCount()).to.equal(before);
    const p = await a.clients.iam
      .send(new GetInstanceProfileCommand({ InstanceProfileName: FORENSIC_WORKSTATION_ROLE_NAME }))
      .catch((e) => e);
    expect(p.name).to.match(/^NoSuchEntity/);
  });

  it("creates an isolated forensic VPC, the SSM-only profile and the AMI parameter", async () => {
    const recorder = new MemoryRecorder();
    const recorded = new AwsClients({
      endpoint: a.endpoint,
      region: TEST_REGION,
      credentials: TEST_CREDENTIALS,
      retry: { maxAttempts: 1 },
      recorder,
    });
    const r = await bootstrapForensic({
      clients: recorded,
      amiId: a.world.imageId,
      zones: ZONES,
      ssmPolicyArn,
    });
    expect(r.items.map((i) => i.status)).to.deep.equal(["created", "created", "created"]);
    recorded.destroy();
    const unlisted = recorder.actions().filter((x) => !RESPONDER_ACTIONS.includes(x));
    expect(unlisted, "called but missing from RESPONDER_ACTIONS").to.deep.equal([]);
    forensic = r.forensic!;
    expect(forensic.subnetIds).to.have.length(2);
    expect(forensic.workstationInstanceProfile).to.equal(FORENSIC_WORKSTATION_ROLE_NAME);
    const ec2 = a.clients.ec2;
    const igws = await ec2.send(
      new DescribeInternetGatewaysCommand({
        Filters: [{ Name: "attachment.vpc-id", Values: [forensic.vpcId] }],
      }),
    );
    expect(igws.InternetGateways, "no internet gateway").to.deep.equal([]);
    const endpoints = await ec2.send(
      new DescribeVpcEndpointsCommand({ Filters: [{ Name: "vpc-id", Values: [forensic.vpcId] }] }),
    );
    expect(endpoints.VpcEndpoints!.map((e) => e.ServiceName!.split(".").pop()).sort()).to.deep.equal([
      "ec2messages",
      "ssm",
      "ssmmessages",
    ]);
    const ws = (
      await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [forensic.workstationSecurityGroupId] }))
    ).SecurityGroups![0]!;
    expect(ws.IpPermissions, "no inbound rule").to.deep.equal([]);
    expect(ws.IpPermissionsEgress).to.have.length(1);
    expect(ws.IpPermissionsEgress![0]).to.deep.include({ IpProtocol: "tcp", FromPort: 443, ToPort: 443 });
    expect(ws.IpPermissionsEgress![0]!.IpRanges ?? []).to.deep.equal([]);
    const policies = await a.clients.iam.send(
      new ListAttachedRolePoliciesCommand({ RoleName: FORENSIC_WORKSTATION_ROLE_NAME }),
    );
    expect(policies.AttachedPolicies!.map((p) => p.PolicyName)).to.deep.equal([
      "AmazonSSMManagedInstanceCore",
    ]);
    const param = await a.clients.ssm.send(new GetParameterCommand({ Name: SSM.forensicAmi }));
    expect(param.Parameter!.Value).to.equal(a.world.imageId);
  });

  it("a re-run finds everything and creates nothing", async () => {
    const before = await vpcCount();
    const r = await bootstrapForensic({ clients: a.responder, zones: ZONES, ssmPolicyArn });
    expect(r.items.map((i) => i.status)).to.deep.equal(["exists", "exists", "exists"]);
    expect(r.forensic).to.deep.equal(forensic);
    expect(await vpcCount()).to.equal(before);
  });

  it("investigate works with the settings bootstrap printed", async () => {
    const caseId = await containedCase(a, a.world.solo);
    const settings = { ...a.settings, forensic };
    const r = await investigate({
      caseId,
      settings,
      clients: a.responder,
      owner: "dave@example.com",
      mountTiming: { timeoutMs: 5_000, pollMs: 50 },
    });
    expect(r.status, JSON.stringify(r.steps)).to.equal("ready");
    expect((await stopInvestigation({ caseId, settings, clients: a.responder, pollMs: 50 })).status).to.equal(
      "stopped",
    );
  });

  it("the CLI prints the forensic settings for the config file", async () => {
    const lines: string[] = [];
    const err = { isTTY: false, write: () => true } as unknown as NodeJS.WriteStream;
    const saved = { ...process.env };
    Object.assign(process.env, {
      AWS_ENDPOINT_URL: a.endpoint,
      IR_STATE_DIR: a.stateDir,
      IR_MAX_ATTEMPTS: "1",
    });
    try {
      const code = await run(["node", "ir", "bootstrap", "--forensic", "--dry-run", "--json"], {
        out: (s) => lines.push(s),
        err,
      });
      expect(code).to.equal(0);
    } finally {
      for (const k of ["AWS_ENDPOINT_URL", "IR_STATE_DIR", "IR_MAX_ATTEMPTS"]) delete process.env[k];
      Object.assign(process.env, saved);
    }
    const doc = JSON.parse(lines.join("\n"));
    const kinds = doc.items.map((i: { kind: string; status: string }) => `${i.kind}:${i.status}`);
    expect(kinds).to.include.members([
      "forensic-vpc:exists",
      "forensic-workstation-profile:exists",
      "forensic-ami:exists",
    ]);
  });
});
