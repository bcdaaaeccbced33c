/**
 * The scenarios' findings are what `ir respond finding.json` gets: GuardDuty EventBridge events with the
 * victim's real attributes, times in order, and remote addresses only from the documentation ranges.
 */
import { expect } from "chai";
import { guardDutyEvent, type Victim } from "../../automation/gameday/findings";
import { pickScenarios, SCENARIO_IDS, SCENARIOS } from "../../automation/gameday/scenarios";
import { targetsFromFinding } from "../../automation/input/targets";

const victim: Victim = {
  accountId: "210987654321",
  region: "us-east-1",
  instanceId: "i-0123456789abcdef0",
  imageId: "ami-0123456789abcdef0",
  instanceType: "t3.small",
  availabilityZone: "us-east-1a",
  launchTime: "2026-11-20T10:00:00.000Z",
  profileArn: "arn:aws:iam::210987654321:instance-profile/web-instance",
  roleName: "web-instance",
  eniId: "eni-0123456789abcdef0",
  privateIp: "10.0.10.25",
  subnetId: "subnet-0123456789abcdef0",
  vpcId: "vpc-0123456789abcdef0",
  groups: [{ groupId: "sg-0123456789abcdef0", groupName: "web-instances" }],
};
const began = new Date("2026-11-28T02:58:00.000Z");
const lastSeen = new Date("2026-11-28T03:12:00.000Z");
const DOC_RANGES = /^(192\.0\.2|198\.51\.100|203\.0\.113)\.\d+$/;

describe("gameday: scenario findings", () => {
  for (const id of SCENARIO_IDS) {
    it(`${id}: realistic findings, oldest first, naming the victim and documentation addresses only`, () => {
      const s = SCENARIOS[id];
      const events = s.findings(victim, began, lastSeen).map((f) => guardDutyEvent(victim, f));
      expect(events.length).to.be.greaterThan(0);
      for (const e of events) {
        expect(e["detail-type"]).to.equal("GuardDuty Finding");
        expect(e.detail.resource.instanceDetails.instanceId).to.equal(victim.instanceId);
        expect(e.detail.severity).to.be.within(1, 8.9);
        expect(Date.parse(e.detail.service.eventFirstSeen)).to.be.at.most(
          Date.parse(e.detail.service.eventLastSeen),
        );
        expect(e.detail.arn).to.match(
          new RegExp(
            `^arn:aws:guardduty:us-east-1:${victim.accountId}:detector/[0-9a-f]{32}/finding/[0-9a-f]{32}$`,
          ),
        );
      }
      const first = events.map((e) => Date.parse(e.detail.service.eventFirstSeen));
      expect(first).to.deep.equal([...first].sort((a, b) => a - b));
      expect(first[0]).to.equal(began.getTime());
      for (const ip of s.attackerIps) expect(ip).to.match(DOC_RANGES);
      for (const f of s.flows) expect(f.remote).to.match(DOC_RANGES);
    });
  }

  it("the EC2 findings the response starts from parse as `ir respond` targets, first sighting kept", () => {
    for (const id of ["ssh-backdoor", "crypto-mining"] as const) {
      const last = SCENARIOS[id].findings(victim, began, lastSeen).at(-1)!;
      const [target] = targetsFromFinding(guardDutyEvent(victim, last), `${id}.json`);
      expect(target!.instanceId).to.equal(victim.instanceId);
      expect(target!.source.kind).to.equal("guardduty");
      expect(Date.parse(target!.source.firstSeen!)).to.be.at.least(began.getTime());
    }
  });

  it("the credential-exfiltration finding is an IAM finding (resourceType AccessKey) that still names the instance", () => {
    const [f] = SCENARIOS["credential-exfiltration"].findings(victim, began, lastSeen);
    const e = guardDutyEvent(victim, f!);
    expect(e.detail.resource.resourceType).to.equal("AccessKey");
    expect(e.detail.resource.accessKeyDetails.userType).to.equal("AssumedRole");
    expect(e.detail.service.action.awsApiCallAction.remoteIpDetails.ipAddressV4).to.equal("198.51.100.23");
  });

  it("--scenario: all, one, several; an unknown name is refused with the choices", () => {
    expect(pickScenarios("all").map((s) => s.id)).to.deep.equal([...SCENARIO_IDS]);
    expect(pickScenarios("crypto-mining,ssh-backdoor").map((s) => s.id)).to.deep.equal([
      "crypto-mining",
      "ssh-backdoor",
    ]);
    expect(() => pickScenarios("ssh")).to.throw(
      /scenario "ssh" is not known: expected one of ssh-backdoor, credential-exfiltration, crypto-mining or all/,
    );
  });
});
