import { expect } from "chai";
import { ForensicVpc, validateEndpointServices } from "../../components/forensic-vpc";
import { splitCidr } from "../../components/forensic-vpc-policies";
import { FORENSIC_INTERFACE_ENDPOINT_SERVICES, FORENSIC_WORKSTATION_ROLE_NAME } from "../../facts/forensic";
import {
  ACCOUNT_ID,
  installMocks,
  ofType,
  outputValue,
  policyDoc,
  type RecordedResource,
  settle,
} from "../helpers/pulumi-mocks";

const ANY = ["0.0.0.0/0", "::/0"];
const endpoints = (rs: RecordedResource[], kind: string) =>
  ofType(rs, "aws:ec2/vpcEndpoint:VpcEndpoint").filter((r) => r.inputs.vpcEndpointType === kind);

describe("ForensicVpc", () => {
  describe("GIVEN defaults", () => {
    let resources: RecordedResource[];
    let vpc: ForensicVpc;
    before(async () => {
      resources = await installMocks();
      vpc = new ForensicVpc("fx");
      await settle(resources);
    });

    it("has no internet gateway, NAT gateway or egress-only gateway", () => {
      for (const t of [
        "aws:ec2/internetGateway:InternetGateway",
        "aws:ec2/internetGatewayAttachment:InternetGatewayAttachment",
        "aws:ec2/natGateway:NatGateway",
        "aws:ec2/egressOnlyInternetGateway:EgressOnlyInternetGateway",
        "aws:ec2/vpnGateway:VpnGateway",
      ])
        expect(ofType(resources, t), t).to.have.length(0);
    });

    it("has no route to 0.0.0.0/0 or ::/0 in any route table, the default one included", () => {
      const tables = [
        ...ofType(resources, "aws:ec2/routeTable:RouteTable"),
        ...ofType(resources, "aws:ec2/defaultRouteTable:DefaultRouteTable"),
      ];
      expect(tables.length).to.be.at.least(2);
      for (const t of tables)
        for (const r of t.inputs.routes ?? []) {
          expect(ANY).to.not.include(r.cidrBlock);
          expect(ANY).to.not.include(r.ipv6CidrBlock);
        }
      const dflt = ofType(resources, "aws:ec2/defaultRouteTable:DefaultRouteTable")[0]!;
      expect(dflt.inputs.routes).to.deep.equal([]);
      for (const r of ofType(resources, "aws:ec2/route:Route")) {
        expect(ANY).to.not.include(r.inputs.destinationCidrBlock);
        expect(ANY).to.not.include(r.inputs.destinationIpv6CidrBlock);
      }
    });

    it("has private subnets in two distinct AZs without public IPs", async () => {
      const subnets = ofType(resources, "aws:ec2/subnet:Subnet");
      expect(subnets).to.have.length(2);
      expect(new Set(subnets.map((s) => s.inputs.availabilityZone)).size).to.equal(2);
      for (const s of subnets) expect(s.inputs.mapPublicIpOnLaunch).to.equal(false);
      expect(await outputValue(vpc.subnetIds)).to.have.length(2);
    });

    it("has the complete endpoint set: every interface endpoint with private DNS, and S3 as a gateway", () => {
      const iface = endpoints(resources, "Interface");
      expect(iface.map((e) => e.inputs.serviceName).sort()).to.deep.equal(
        [...FORENSIC_INTERFACE_ENDPOINT_SERVICES].map((s) => `com.amazonaws.us-east-1.${s}`).sort(),
      );
      for (const s of ["ssm", "ssmmessages", "ec2messages", "ec2", "kms", "logs", "sts"])
        expect(iface.map((e) => e.inputs.serviceName)).to.include(`com.amazonaws.us-east-1.${s}`);
      for (const e of iface) {
        expect(e.inputs.privateDnsEnabled).to.equal(true);
        expect(e.inputs.subnetIds).to.have.length(2);
      }
      const gw = endpoints(resources, "Gateway");
      expect(gw.map((e) => e.inputs.serviceName)).to.deep.equal(["com.amazonaws.us-east-1.s3"]);
      expect(gw[0]!.inputs.routeTableIds).to.have.length(1);
    });

    it("limits endpoint policies to this account where AWS supports them", () => {
      const byService = (s: string) =>
        endpoints(resources, "Interface").find((e) => e.inputs.serviceName.endsWith(`.${s}`))!;
      const kms = policyDoc(byService("kms").inputs.policy);
      expect(kms.Statement[0].Condition.StringEquals).to.deep.equal({
        "aws:PrincipalAccount": ACCOUNT_ID,
        "aws:ResourceAccount": ACCOUNT_ID,
      });
      const sts = policyDoc(byService("sts").inputs.policy);
      expect(sts.Statement[0].Condition.StringEquals).to.deep.equal({ "aws:PrincipalAccount": ACCOUNT_ID });
      expect(byService("ssmmessages").inputs.policy).to.equal(undefined);
      const s3 = policyDoc(endpoints(resources, "Gateway")[0]!.inputs.policy);
      const own = s3.Statement.find((s) => s.Sid === "ThisAccountsBuckets");
      expect(own.Condition.StringEquals["aws:ResourceAccount"]).to.equal(ACCOUNT_ID);
      const aws = s3.Statement.find((s) => s.Sid === "AwsOwnedBucketsReadOnly");
      expect(aws.Action).to.equal("s3:GetObject");
      expect(aws.Resource).to.include("arn:aws:s3:::al2023-repos-us-east-1-de612dc2/*");
    });

    it("gives the workstation group no inbound rule and HTTPS out to the endpoints only", () => {
      const sgs = ofType(resources, "aws:ec2/securityGroup:SecurityGroup");
      const ws = sgs.find((s) => s.name === "fx-workstation")!;
      expect(ws.inputs.ingress).to.deep.equal([]);
      expect(ws.inputs.egress).to.have.length(2);
      for (const r of ws.inputs.egress) {
        expect(r).to.include({ protocol: "tcp", fromPort: 443, toPort: 443 });
        expect(r.cidrBlocks).to.equal(undefined);
      }
      expect(ws.inputs.egress[0].securityGroups).to.deep.equal(["fx-endpoints-id"]);
      expect(ws.inputs.egress[1].prefixListIds).to.deep.equal(["pl-fx-s3"]);
      const dflt = ofType(resources, "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup")[0]!;
      expect(dflt.inputs.ingress).to.deep.equal([]);
      expect(dflt.inputs.egress).to.deep.equal([]);
    });

    it("gives workstations an SSM-only instance profile (Session Manager, no SSH)", async () => {
      const attachments = ofType(resources, "aws:iam/rolePolicyAttachment:RolePolicyAttachment");
      expect(attachments.map((a) => a.inputs.policyArn)).to.deep.equal([
        "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
      ]);
      expect(ofType(resources, "aws:iam/rolePolicy:RolePolicy")).to.have.length(0);
      expect(await outputValue(vpc.workstationInstanceProfileName)).to.equal(FORENSIC_WORKSTATION_ROLE_NAME);
      const sgs = ofType(resources, "aws:ec2/securityGroup:SecurityGroup");
      for (const sg of sgs) for (const r of sg.inputs.ingress ?? []) expect(r.fromPort).to.not.equal(22);
    });
  });

  describe("GIVEN three AZs and a /20", () => {
    it("THEN it carves three subnets in three zones", async () => {
      const resources = await installMocks();
      new ForensicVpc("fx", { azCount: 3, cidrBlock: "10.42.0.0/20" });
      await settle(resources);
      const subnets = ofType(resources, "aws:ec2/subnet:Subnet");
      expect(subnets.map((s) => s.inputs.cidrBlock)).to.deep.equal([
        "10.42.0.0/24",
        "10.42.1.0/24",
        "10.42.2.0/24",
      ]);
      expect(subnets.map((s) => s.inputs.availabilityZone)).to.deep.equal([
        "us-east-1a",
        "us-east-1b",
        "us-east-1c",
      ]);
    });
  });

  describe("address plan", () => {
    it("splits a /16 into /20s", () => {
      expect(splitCidr("10.99.0.0/16", 2)).to.deep.equal(["10.99.0.0/20", "10.99.16.0/20"]);
    });
  });

  describe("GIVEN invalid arguments", () => {
    before(async () => {
      await installMocks();
    });
    it("refuses an endpoint list without Session Manager's endpoints", () => {
      expect(() => validateEndpointServices(["ssm", "kms"])).to.throw(
        'forensic vpc endpoint services ["ssm","kms"] lack ec2messages, ssmmessages: session manager needs ssm, ssmmessages and ec2messages',
      );
    });
    it("refuses a single AZ", () => {
      expect(() => new ForensicVpc("bad", { azCount: 1 })).to.throw(
        "forensic vpc availability zone count 1 is not valid: expected a whole number from 2 to 6",
      );
    });
    it("refuses a malformed cidr", () => {
      expect(() => new ForensicVpc("bad", { cidrBlock: "10.0.0.0/8" })).to.throw(
        'forensic vpc cidr "10.0.0.0/8" is not valid: expected an ipv4 cidr such as 10.0.0.0/16 with a prefix from /16 to /24',
      );
    });
  });
});
