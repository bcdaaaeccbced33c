/**
 * Half-created isolation groups (a responder killed, or a connection reset, between CreateSecurityGroup
 * and its rules): the next run finds the groups by name and must finish their rules, not trust them,
 * or containment never verifies.
 */
import { CreateSecurityGroupCommand, DescribeSecurityGroupsCommand } from "@aws-sdk/client-ec2";
import { expect } from "chai";
import { respond } from "../../automation/respond/respond";
import { checkGroupRules } from "../../automation/steps/isolation-groups";
import { isolationGroupNames } from "../../facts/names";
import { setupAccount } from "../helpers/responder";

describe("isolation groups left half-created are finished by the next run (integration)", function () {
  this.timeout(120_000);

  it("GIVEN an untrack group without rules and an isolation group with the default egress WHEN respond runs THEN both converge and the instance is contained", async () => {
    const a = await setupAccount();
    const names = isolationGroupNames(a.world.vpcId);
    // What a crash right after the creates leaves: the groups exist, with AWS's defaults only.
    for (const name of [names.untrack, names.isolation])
      await a.clients.ec2.send(
        new CreateSecurityGroupCommand({
          GroupName: name,
          Description: "half-created",
          VpcId: a.world.vpcId,
        }),
      );
    const [r] = await respond({
      targets: [{ instanceId: a.world.solo, source: { kind: "argument" } }],
      settings: a.settings,
      clients: a.responder,
      options: { dwellMs: 0, memory: false },
    });
    const groupsStep = r!.steps.find((s) => s.id === "isolation-groups");
    expect(groupsStep?.status, groupsStep?.detail).to.equal("verified");
    expect(r!.status, JSON.stringify(r!.steps.filter((s) => s.status !== "verified"))).to.equal("contained");
    const res = await a.clients.ec2.send(
      new DescribeSecurityGroupsCommand({
        Filters: [
          { Name: "vpc-id", Values: [a.world.vpcId] },
          { Name: "group-name", Values: [names.untrack, names.isolation] },
        ],
      }),
    );
    const byName = new Map((res.SecurityGroups ?? []).map((g) => [g.GroupName, g]));
    expect(res.SecurityGroups, "no duplicate group").to.have.length(2);
    expect(checkGroupRules(byName.get(names.untrack), byName.get(names.isolation))).to.equal(undefined);
  });
});
