import { expect } from "chai";
import { UNTRACK_EXEMPTIONS } from "../../components/isolation-groups";
import { T } from "./cases/types";
import { check, checkAll, checkPack, res } from "./harness";

const openSsh = {
  vpcId: "vpc-1",
  ingress: [{ protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["0.0.0.0/0"] }],
};
const POLICY = "sg-admin-ports-open-to-world";
const TAG = `ir:policy-exempt:${POLICY}`;

describe("policy pack: exemptions", () => {
  it("1: GIVEN a tag with a reason THEN no violation and an advisory note naming the policy and the reason", async () => {
    const v = await check(POLICY, T.sg, { ...openSsh, tags: { [TAG]: "bastion, SEC-42" } }, undefined, {
      name: "bastion",
    });
    expect(v.violations).to.deep.equal([]);
    expect(v.notes).to.have.length(1);
    expect(v.notes[0])
      .to.include(POLICY)
      .and.include("SEC-42")
      .and.include('"bastion"')
      .and.include("would report");
  });

  it("2: GIVEN a tag with an empty reason THEN the violation stands and a second one explains the reason is required", async () => {
    const v = await check(POLICY, T.sg, { ...openSsh, tags: { [TAG]: "  " } });
    expect(v.violations).to.have.length(2);
    expect(v.violations.join("\n"))
      .to.include("empty reason")
      .and.include("must say why")
      .and.include("SSH (22)");
  });

  it("3: GIVEN an empty-reason tag on a compliant resource THEN the tag alone is a violation", async () => {
    const v = await check(POLICY, T.sg, { vpcId: "vpc-1", tags: { [TAG]: "" } });
    expect(v.violations).to.have.length(1);
    expect(v.violations[0]).to.include("empty reason");
  });

  it("4: GIVEN a name-pattern exemption in config THEN a note with the pattern and the reason", async () => {
    const v = await check(
      POLICY,
      T.sg,
      openSsh,
      { exemptions: [{ resourceName: "bastion-*", reason: "jump hosts, VPN only" }] },
      { name: "bastion-eu" },
    );
    expect(v.violations).to.deep.equal([]);
    expect(v.notes[0]).to.include('config exemption "bastion-*"').and.include("jump hosts, VPN only");
  });

  it("5: GIVEN a pattern that does not match (or another type) THEN the violation stands", async () => {
    const cfg = {
      exemptions: [
        { resourceName: "bastion-*", reason: "x" },
        { resourceName: "web", type: T.sgRule, reason: "y" },
      ],
    };
    const v = await check(POLICY, T.sg, openSsh, cfg, { name: "web" });
    expect(v.violations).to.have.length(1);
  });

  it("6: GIVEN a tag for one policy THEN other policies still apply (no blanket exemption)", async () => {
    const props = {
      vpcId: "vpc-1",
      ingress: [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] }],
      tags: { [TAG]: "bastion" },
    };
    const v = await check("sg-all-traffic-open-to-world", T.sg, props);
    expect(v.violations).to.have.length(1);
  });

  it("7: GIVEN an exempted resource that complies THEN the note says the exemption may be stale", async () => {
    const v = await check(POLICY, T.sg, { vpcId: "vpc-1", tags: { [TAG]: "legacy" } });
    expect(v.violations).to.deep.equal([]);
    expect(v.notes[0]).to.include("may no longer be needed");
  });

  it("8: GIVEN an exemption in config without a reason THEN a clear config error", async () => {
    let error: Error | undefined;
    try {
      await check(POLICY, T.sg, openSsh, { exemptions: [{ resourceName: "bastion-*" }] });
    } catch (e) {
      error = e as Error;
    }
    expect(error?.message)
      .to.include(`policy "${POLICY}": config exemptions[0].reason`)
      .and.include("non-empty reason");
  });

  it("9: GIVEN tags unknown during preview THEN violations are downgraded to advisory notes", async () => {
    const v = await check(POLICY, T.sg, { ...openSsh, tags: "04da6b54-80e4-46f7-96ec-b56ff0331ba9" });
    expect(v.violations).to.deep.equal([]);
    expect(v.notes[0]).to.include("not enforced during preview");
  });

  it("10: GIVEN an exempted subject of a stack policy THEN a note instead of the violation", async () => {
    const vpc = res(
      T.vpc,
      { id: "vpc-1", tags: { "ir:policy-exempt:vpc-flow-logs": "sandbox VPC, no workloads" } },
      { name: "sandbox" },
    );
    const v = await checkAll("vpc-flow-logs", [vpc]);
    expect(v.violations).to.deep.equal([]);
    expect(v.notes[0]).to.include("sandbox VPC, no workloads").and.include("has no flow log");
  });

  it("11: GIVEN a misspelt exemption tag THEN the pack says it exempts nothing and suggests the name", async () => {
    const v = await checkPack([
      res(T.sg, { ...openSsh, tags: { "ir:policy-exempt:sg-admin-port-open": "bastion" } }),
    ]);
    const note = v.notes.find((n) => n.includes("names no policy"));
    expect(note).to.include('did you mean "sg-admin-ports-open-to-world"');
  });

  it("12: GIVEN an exemption tag for a policy that does not check the type THEN it is reported as having no effect", async () => {
    const v = await checkPack([res(T.volume, { encrypted: true, tags: { [TAG]: "x" } })]);
    expect(v.notes.join("\n")).to.include("has no effect");
  });

  it("13: GIVEN an exempted resource THEN remediation leaves it alone", async () => {
    const { runPolicies } = await import("../../policy/lib/run");
    const { policies } = await import("../../policy/policies");
    const r = res(T.volume, {
      size: 1,
      tags: { "ir:policy-exempt:ebs-volume-encrypted": "scratch volume, no data" },
    });
    const out = await runPolicies([r], { policies, config: { "ebs-volume-encrypted": "remediate" } });
    expect(out.remediations).to.deep.equal([]);
  });
});

describe("policy pack: the baseline's untrack group (open by design)", () => {
  const everything = {
    protocol: "-1",
    fromPort: 0,
    toPort: 0,
    cidrBlocks: ["0.0.0.0/0"],
    ipv6CidrBlocks: ["::/0"],
  };
  const untrack = (tags: Record<string, string>) => ({
    vpcId: "vpc-1",
    ingress: [everything],
    egress: [everything],
    tags,
  });
  const roleTags = { "ir:role": "untrack", "ir:managed-by": "ec2-incident-ready" };

  it("1: GIVEN the exemption tags the component writes THEN the SG rules report an advisory note with the reason", async () => {
    const v = await check(
      "sg-all-traffic-open-to-world",
      T.sg,
      untrack({ ...roleTags, ...UNTRACK_EXEMPTIONS }),
    );
    expect(v.violations).to.deep.equal([]);
    expect(v.notes[0]).to.include("untracked");
  });

  it("2: GIVEN only the role tags (which anyone can copy) THEN no exemption", async () => {
    const v = await check("sg-all-traffic-open-to-world", T.sg, untrack(roleTags));
    expect(v.violations).to.have.length(2);
  });

  it("3: GIVEN the untrack exemptions THEN only the listed policies are exempted", async () => {
    const v = await check(
      "default-sg-restricts-all",
      T.defaultSg,
      untrack({ ...roleTags, ...UNTRACK_EXEMPTIONS }),
    );
    expect(v.violations).to.have.length(2);
  });
});
