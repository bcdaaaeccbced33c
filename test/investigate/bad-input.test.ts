/**
 * Bad input to `investigate` against moto: each is refused with a specific, lower-case message that
 * names the value and the fix, and nothing in the account changes.
 */
import { expect } from "chai";
import { newCaseId } from "../../automation/case/ids";
import { investigate, stopInvestigation } from "../../automation/investigate/investigate";
import { LocalJournal } from "../../automation/journal/local";
import type { ResolvedSettings } from "../../automation/settings/settings";
import { type Account, describeAccount, setupAccount } from "../helpers/responder";
import { containedCase, type ForensicWorld, seedForensic, withForensic } from "./forensic-world";

const FAST = { timeoutMs: 2_000, pollMs: 50 };

describe("investigate: bad input changes nothing (integration)", function () {
  this.timeout(120_000);
  let a: Account;
  let f: ForensicWorld;
  let settings: ResolvedSettings;
  let caseId: string;
  let baseline: unknown;

  before(async () => {
    a = await setupAccount();
    f = await seedForensic(a.clients, a.world.imageId, ["b"]);
    settings = withForensic(a.settings, f);
    // world.solo runs in us-east-1a; the forensic VPC has a subnet in us-east-1b only.
    caseId = await containedCase(a, a.world.solo);
  });
  beforeEach(async () => {
    baseline = await describeAccount(a);
  });
  afterEach(async () => {
    expect(await describeAccount(a), "the account changed").to.deep.equal(baseline);
  });

  const refuse = async (req: Partial<Parameters<typeof investigate>[0]>, message: string | RegExp) => {
    const err = await investigate({
      caseId,
      settings,
      clients: a.responder,
      owner: "alice@example.com",
      mountTiming: FAST,
      ...req,
    }).then(
      (r) => new Error(`resolved ${JSON.stringify(r)}`),
      (e: Error) => e,
    );
    expect(err.name).to.equal("InputError");
    if (typeof message === "string") expect(err.message).to.equal(message);
    else expect(err.message).to.match(message);
  };

  it("a malformed case id", () =>
    refuse(
      { caseId: "c-123" },
      'case id "c-123" is not valid: expected c-<yyyymmdd>t<hhmmss>z-<6 hex digits>, as `ir respond` prints',
    ));

  it("an unknown case id, for investigate and --stop", async () => {
    const unknown = newCaseId();
    await refuse({ caseId: unknown }, new RegExp(`^case "${unknown}" was not found in journal table`));
    const err = await stopInvestigation({ caseId: unknown, settings, clients: a.responder }).catch((e) => e);
    expect(err.message).to.match(/was not found/);
  });

  it("a case without snapshots", async () => {
    const journal = new LocalJournal(a.stateDir);
    const bare = newCaseId();
    const instanceId = "i-0123456789abcdef0";
    await journal.acquire(
      {
        caseId: bare,
        instanceId,
        region: a.clients.region,
        createdAt: new Date().toISOString(),
        options: {},
      },
      "test-run",
      60_000,
    );
    await journal.append(bare, "discover", "ran", { record: { instanceId } });
    await journal.releaseLease(instanceId, "test-run");
    baseline = await describeAccount(a);
    await refuse(
      { caseId: bare },
      `case "${bare}" has no evidence snapshots (its snapshot step recorded none): run \`ir respond ${instanceId}\` to resume the case and take them, then investigate`,
    );
  });

  it("missing forensic settings name the flag, the variable and the config field", () =>
    refuse(
      { settings: { ...settings, forensic: { amiParameter: "/ir/forensic-ami" } } },
      /^forensic setting subnetIds is missing: pass --forensic-subnet, set IR_FORENSIC_SUBNETS or put forensic\.subnetIds in the config file/,
    ));

  it("a forensic AMI parameter that does not exist", () =>
    refuse(
      { settings: { ...settings, forensic: { ...settings.forensic!, amiParameter: "/ir/no-such-ami" } } },
      'ssm parameter "/ir/no-such-ami" (the forensic AMI) was not found in us-east-1: publish the forensic AMI id there (the baseline\'s forensic image pipeline does) or pass --forensic-ami-parameter',
    ));

  it("no forensic subnet in the AZ of the case's volumes", () =>
    refuse(
      {},
      `the forensic VPC ${f.vpcId} has no subnet in us-east-1a, the availability zone of the case's volumes (its subnets are in us-east-1b): add a forensic subnet in us-east-1a, or pass --forensic-subnet with one there`,
    ));

  it("the compromised instance's own profile as the workstation profile", async () => {
    const withSubnet = await seedSubnetA();
    baseline = await describeAccount(a);
    await refuse(
      {
        settings: {
          ...withSubnet,
          forensic: { ...withSubnet.forensic!, workstationInstanceProfile: "web-profile" },
        },
      },
      'forensic workstation profile "web-profile" is the compromised instance\'s own profile: use the SSM-only forensic workstation profile (--forensic-profile)',
    );
  });

  it("a ttl and an owner that cannot be tags", async () => {
    await refuse({ ttlHours: 0 }, 'ttl "0" is not valid: expected whole hours from 1 to 720 (default 24)');
    await refuse({ owner: "x".repeat(257) }, /^owner "x+" is not valid: expected up to 256 letters/);
  });

  /** Settings whose forensic VPC also has a subnet in us-east-1a (where world.solo runs). */
  async function seedSubnetA(): Promise<ResolvedSettings> {
    const { CreateSubnetCommand } = await import("@aws-sdk/client-ec2");
    const sub = await a.clients.ec2.send(
      new CreateSubnetCommand({ VpcId: f.vpcId, CidrBlock: "10.99.9.0/24", AvailabilityZone: "us-east-1a" }),
    );
    return withForensic(a.settings, { ...f, subnets: { ...f.subnets, "us-east-1a": sub.Subnet!.SubnetId! } });
  }
});
