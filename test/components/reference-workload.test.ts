import { expect } from "chai";
import { ReferenceWorkload, type ReferenceWorkloadArgs } from "../../components/reference-workload";
import { TAG } from "../../facts";
import { ACCOUNT_ID, installMocks, ofType, type RecordedResource, settle } from "../helpers/pulumi-mocks";

const KEY = `arn:aws:kms:us-east-1:${ACCOUNT_ID}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const CERT = `arn:aws:acm:us-east-1:${ACCOUNT_ID}:certificate/0a1b2c3d-1111-2222-3333-444455556666`;
const args = (extra: Partial<ReferenceWorkloadArgs> = {}): ReferenceWorkloadArgs => ({
  workload: "web",
  vpcId: "vpc-0123456789abcdef0",
  albSubnetIds: ["subnet-0aaaaaaaaaaaaaaaa", "subnet-0bbbbbbbbbbbbbbbb"],
  instanceSubnetIds: ["subnet-0cccccccccccccccc", "subnet-0dddddddddddddddd"],
  accessLogBucket: "ir-elb-logs-111122223333-us-east-1",
  kmsKeyArn: KEY,
  ...extra,
});
const listeners = (rs: RecordedResource[]) => ofType(rs, "aws:lb/listener:Listener");

describe("ReferenceWorkload", () => {
  describe("GIVEN a certificate", () => {
    let resources: RecordedResource[];
    before(async () => {
      resources = await installMocks();
      new ReferenceWorkload("web", args({ certificateArn: CERT }));
      await settle(resources);
    });

    it("launches the known-good AMI with IMDSv2 required and hop limit 1", () => {
      const lt = ofType(resources, "aws:ec2/launchTemplate:LaunchTemplate")[0]!;
      expect(lt.inputs.imageId).to.equal("resolve:ssm:/ir/known-good-ami/web");
      expect(lt.inputs.metadataOptions).to.deep.include({
        httpTokens: "required",
        httpPutResponseHopLimit: 1,
      });
    });

    it("encrypts every volume with the CMK", () => {
      const lt = ofType(resources, "aws:ec2/launchTemplate:LaunchTemplate")[0]!;
      expect(lt.inputs.blockDeviceMappings).to.not.be.empty;
      for (const b of lt.inputs.blockDeviceMappings) {
        expect(b.ebs.encrypted).to.equal("true");
        expect(b.ebs.kmsKeyId).to.equal(KEY);
      }
    });

    it("sends ALB access logs to the ELB log bucket and drops invalid headers", () => {
      const alb = ofType(resources, "aws:lb/loadBalancer:LoadBalancer")[0]!;
      expect(alb.inputs.accessLogs).to.deep.equal({
        bucket: "ir-elb-logs-111122223333-us-east-1",
        prefix: "web",
        enabled: true,
      });
      expect(alb.inputs.dropInvalidHeaderFields).to.equal(true);
    });

    it("serves HTTPS with a TLS 1.2+ policy and redirects HTTP to HTTPS", () => {
      const [httpsL] = listeners(resources).filter((l) => l.inputs.protocol === "HTTPS");
      expect(httpsL!.inputs.certificateArn).to.equal(CERT);
      expect(httpsL!.inputs.sslPolicy).to.equal("ELBSecurityPolicy-TLS13-1-2-2021-06");
      expect(httpsL!.inputs.defaultActions[0].type).to.equal("forward");
      const [http] = listeners(resources).filter((l) => l.inputs.protocol === "HTTP");
      expect(http!.inputs.defaultActions).to.deep.equal([
        { type: "redirect", redirect: { port: "443", protocol: "HTTPS", statusCode: "HTTP_301" } },
      ]);
    });

    it("runs an ELB-health-checked ASG in the target group, tagging instances with the workload", () => {
      const asg = ofType(resources, "aws:autoscaling/group:Group")[0]!;
      expect(asg.inputs.healthCheckType).to.equal("ELB");
      expect(asg.inputs.targetGroupArns).to.have.length(1);
      expect(asg.inputs.launchTemplate.version).to.equal("$Latest");
      expect(asg.inputs.tags).to.deep.include({ key: TAG.workload, value: "web", propagateAtLaunch: true });
    });

    it("makes instances SSM-managed (memory capture) and reachable only from the load balancer", () => {
      const attach = ofType(resources, "aws:iam/rolePolicyAttachment:RolePolicyAttachment");
      expect(attach.map((a) => a.inputs.policyArn)).to.deep.equal([
        "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
      ]);
      const fromAlb = ofType(resources, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").filter(
        (r) => r.name === "web-instances-from-alb",
      );
      expect(fromAlb[0]!.inputs.referencedSecurityGroupId).to.equal("web-alb-id");
      expect(fromAlb[0]!.inputs.cidrIpv4).to.equal(undefined);
    });
  });

  describe("GIVEN no certificate", () => {
    it("THEN it serves plain HTTP only (no redirect to a listener that does not exist)", async () => {
      const resources = await installMocks();
      new ReferenceWorkload("web", args());
      await settle(resources);
      const ls = listeners(resources);
      expect(ls.map((l) => l.inputs.protocol)).to.deep.equal(["HTTP"]);
      expect(ls[0]!.inputs.defaultActions[0].type).to.equal("forward");
    });
  });

  describe("GIVEN invalid arguments", () => {
    before(async () => {
      await installMocks();
    });
    it("refuses a malformed certificate ARN", () => {
      expect(() => new ReferenceWorkload("bad", args({ certificateArn: "my-cert" }))).to.throw(
        'certificate arn "my-cert" is not valid: expected arn:aws:acm:<region>:<account>:certificate/<id>',
      );
    });
    it("refuses a bad workload name", () => {
      expect(() => new ReferenceWorkload("bad", args({ workload: "-web" }))).to.throw(
        'workload name "-web" is not valid',
      );
    });
  });
});
