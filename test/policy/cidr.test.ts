import { expect } from "chai";
import { cidrReach, isWorldCidr, parseCidr } from "../../policy/lib/cidr";
import { T } from "./cases/types";
import { check } from "./harness";

describe("policy pack: CIDR semantics (policy/lib/cidr.ts)", () => {
  it("every valid notation of the IPv4 and IPv6 world, and any prefix length 0, is the world", () => {
    for (const c of [
      "0.0.0.0/0",
      "::/0",
      "::0/0",
      "0::0/0",
      "0:0:0:0:0:0:0:0/0",
      "::ffff:0.0.0.0/0",
      " ::/0 ",
      "10.1.2.3/0",
      "2600::/0",
    ])
      expect(isWorldCidr(c), c).to.equal(true);
    expect(cidrReach("::0/0")).to.deep.equal({ kind: "world", family: "v6" });
    expect(cidrReach("0.0.0.0/0")).to.deep.equal({ kind: "world", family: "v4" });
  });

  it("narrower ranges are not the world", () => {
    for (const c of ["0.0.0.0/1", "::/1", "10.0.0.0/8", "2600::/64", "1.2.3.4/32"]) {
      expect(isWorldCidr(c), c).to.equal(false);
      expect(cidrReach(c).kind, c).to.equal("range");
    }
  });

  it("anything that is not a valid CIDR is invalid (judged as unknown), never the world", () => {
    for (const c of [
      "0.0.0.0",
      "0.0.0.0/33",
      "::/129",
      "0.0.0.0/-0",
      "0.0.0.0/0x",
      "00.0.0.0/0",
      "fe80::%eth0/0",
      "any",
      "",
      "/0",
      "::/ 0",
    ]) {
      expect(parseCidr(c), c).to.equal(undefined);
      expect(cidrReach(c).kind, c).to.equal("invalid");
    }
  });

  it("an invalid source CIDR on an administration port is an advisory note, not a violation or a silent pass", async () => {
    const v = await check("sg-admin-ports-open-to-world", T.sg, {
      vpcId: "vpc-1",
      ingress: [{ protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["0.0.0.0/00x"] }],
    });
    expect(v.violations).to.deep.equal([]);
    expect(v.notes.join("\n")).to.include("is not a valid CIDR");
  });

  it("an invalid deny entry in a network ACL is judged as unknown, not as a deny that closes the port", async () => {
    const v = await check("nacl-admin-ports-open-to-world", T.nacl, {
      vpcId: "vpc-1",
      ingress: [
        { ruleNo: 90, action: "deny", protocol: "tcp", cidrBlock: "0.0.0.0/0y", fromPort: 22, toPort: 22 },
        { ruleNo: 100, action: "allow", protocol: "tcp", cidrBlock: "0.0.0.0/0", fromPort: 22, toPort: 22 },
      ],
    });
    expect(v.violations).to.deep.equal([]);
    expect(v.notes.join("\n")).to.include("deny entries");
  });
});
