import { expect } from "chai";
import { IsolationGroups } from "../../components/isolation-groups";
import { isolationGroupNames, ROLE_TAG_VALUES, TAG } from "../../facts";
import { installMocks, ofType, outputValue, type RecordedResource, settle } from "../helpers/pulumi-mocks";

const VPC = "vpc-0123456789abcdef0";
const groupNamed = (rs: RecordedResource[], name: string) =>
  ofType(rs, "aws:ec2/securityGroup:SecurityGroup").find((r) => r.inputs.name === name)!;

describe("IsolationGroups", () => {
  describe("GIVEN a protected VPC with SSM endpoints", () => {
    let resources: RecordedResource[];
    let groups: IsolationGroups;
    const names = isolationGroupNames(VPC);
    before(async () => {
      resources = await installMocks();
      groups = new IsolationGroups("iso", {
        vpcId: VPC,
        s3PrefixListId: "pl-63a5400a",
        ssmEndpointSecurityGroupIds: ["sg-0aaaaaaaaaaaaaaaa"],
      });
      await settle(resources);
    });

    it("names and tags the three groups so the responder finds them without guessing", () => {
      for (const [name, role] of [
        [names.untrack, ROLE_TAG_VALUES.untrackGroup],
        [names.isolation, ROLE_TAG_VALUES.isolationGroup],
        [names.forensicEgress, ROLE_TAG_VALUES.forensicEgressGroup],
      ] as const) {
        const g = groupNamed(resources, name);
        expect(g, name).to.not.equal(undefined);
        expect(g.inputs.vpcId).to.equal(VPC);
        expect(g.inputs.tags[TAG.role]).to.equal(role);
        expect(g.inputs.tags[TAG.vpc]).to.equal(VPC);
      }
    });

    it("untrack allows all traffic in and out over IPv4 and IPv6", () => {
      const g = groupNamed(resources, names.untrack);
      for (const rules of [g.inputs.ingress, g.inputs.egress]) {
        expect(rules).to.have.length(1);
        expect(rules[0]).to.include({ protocol: "-1", fromPort: 0, toPort: 0 });
        expect(rules[0].cidrBlocks).to.deep.equal(["0.0.0.0/0"]);
        expect(rules[0].ipv6CidrBlocks).to.deep.equal(["::/0"]);
      }
    });

    it("isolation has explicitly no rules (inline empty lists remove any rule added by hand)", () => {
      const g = groupNamed(resources, names.isolation);
      expect(g.inputs.ingress).to.deep.equal([]);
      expect(g.inputs.egress).to.deep.equal([]);
    });

    it("forensic-egress allows only outbound HTTPS to S3 and the SSM endpoints", () => {
      const g = groupNamed(resources, names.forensicEgress);
      expect(g.inputs.ingress).to.deep.equal([]);
      for (const r of g.inputs.egress) {
        expect(r).to.include({ protocol: "tcp", fromPort: 443, toPort: 443 });
        expect(r.cidrBlocks ?? []).to.not.include("0.0.0.0/0");
      }
      expect(g.inputs.egress.map((r: any) => r.prefixListIds ?? r.securityGroups)).to.deep.equal([
        ["pl-63a5400a"],
        ["sg-0aaaaaaaaaaaaaaaa"],
      ]);
    });

    it("exposes the ids in the ResponderSettings shape", async () => {
      expect(await outputValue(groups.ids)).to.deep.equal({
        untrack: names.untrack,
        isolation: names.isolation,
        forensicEgress: names.forensicEgress,
      });
    });
  });

  describe("GIVEN no prefix list id", () => {
    it("THEN it looks up the Region's AWS-managed S3 prefix list by name", async () => {
      let asked: Record<string, unknown> = {};
      const resources = await installMocks({
        invokes: {
          "aws:ec2/getManagedPrefixList:getManagedPrefixList": (i) => {
            asked = i;
            return { id: "pl-02cd2c6b", name: i.name, ownerId: "AWS", entries: [] };
          },
        },
      });
      new IsolationGroups("iso", { vpcId: VPC, ssmEndpointCidrs: ["10.0.0.0/24"] });
      await settle(resources);
      expect(asked.name).to.equal("com.amazonaws.us-east-1.s3");
      expect(asked.filters).to.deep.equal([{ name: "owner-id", values: ["AWS"] }]);
      const g = groupNamed(resources, isolationGroupNames(VPC).forensicEgress);
      expect(g.inputs.egress[0].prefixListIds).to.deep.equal(["pl-02cd2c6b"]);
      expect(g.inputs.egress[1].cidrBlocks).to.deep.equal(["10.0.0.0/24"]);
    });
  });

  describe("GIVEN a VPC without SSM endpoints", () => {
    const worldWide = (rules: { cidrBlocks?: string[]; ipv6CidrBlocks?: string[] }[]) =>
      rules.flatMap((r) => [...(r.cidrBlocks ?? []), ...(r.ipv6CidrBlocks ?? [])]);

    it("THEN forensic-egress is HTTPS to the S3 prefix list alone: never 0.0.0.0/0 or ::/0", async () => {
      const resources = await installMocks();
      new IsolationGroups("iso", { vpcId: VPC });
      await settle(resources);
      const g = groupNamed(resources, isolationGroupNames(VPC).forensicEgress);
      expect(g.inputs.ingress).to.deep.equal([]);
      expect(g.inputs.egress).to.have.length(1);
      expect(g.inputs.egress[0]).to.deep.include({
        protocol: "tcp",
        fromPort: 443,
        toPort: 443,
        prefixListIds: ["pl-us-east-1-s3"],
      });
      expect(worldWide(g.inputs.egress)).to.deep.equal([]);
    });

    it("AND the component offers no way to the internet (the old ssmOverInternet is gone, /0 blocks are refused)", async () => {
      const resources = await installMocks();
      new IsolationGroups("iso", { vpcId: VPC, ssmOverInternet: true } as never);
      await settle(resources);
      const g = groupNamed(resources, isolationGroupNames(VPC).forensicEgress);
      expect(worldWide(g.inputs.egress)).to.deep.equal([]);
      for (const cidr of ["0.0.0.0/0", "10.0.0.0/8"])
        expect(() => new IsolationGroups(`bad-${cidr}`, { vpcId: VPC, ssmEndpointCidrs: [cidr] })).to.throw(
          `ssm endpoint cidr "${cidr}" is not valid: expected an ipv4 cidr such as 10.0.0.0/16 with a prefix from /16 to /32`,
        );
    });
  });

  describe("GIVEN invalid arguments", () => {
    before(async () => {
      await installMocks();
    });
    it("refuses a malformed vpc id, naming it and the expected form", () => {
      expect(() => new IsolationGroups("bad", { vpcId: "vpc-12" })).to.throw(
        'protected vpc id "vpc-12" is not valid: expected vpc- followed by 8 or 17 hex digits',
      );
    });
    it("refuses a malformed endpoint cidr", () => {
      expect(() => new IsolationGroups("bad", { vpcId: VPC, ssmEndpointCidrs: ["10.0.0.0"] })).to.throw(
        /ssm endpoint cidr "10.0.0.0" is not valid/,
      );
    });
  });
});
